/**
 * The node configuration for registry mirrors, parsed and checked field by field against the formats it must follow:
 * containerd's hosts.toml (docs/hosts.md), the kubelet's CredentialProviderConfig (kubelet.config.k8s.io/v1), nodeadm's
 * MIME user data and NodeConfig (node.eks.aws/v1alpha1), Bottlerocket's settings, Karpenter's EC2NodeClass.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import {
  bottlerocketSettings,
  credentialProviderConfig,
  ec2NodeClass,
  hostsToml,
  NODEADM_CREDENTIAL_PROVIDER_CONFIG,
  nodeadmUserData,
  nodeFiles,
  nodeMirrors,
} from '../lib/nodes';
import type { CacheEnvironment } from '../lib/images/cache-uri';

const CACHE: CacheEnvironment = {
  account: '111111111111',
  region: 'eu-west-2',
  rules: [
    { prefix: 'docker-hub', upstream: 'docker-hub' },
    { prefix: 'github', upstream: 'github-container-registry' },
    { prefix: 'k8s', upstream: 'k8s' },
    { prefix: 'quay', upstream: 'quay' },
    { prefix: 'gitlab', upstream: 'gitlab-container-registry' },
    { prefix: 'chainguard', upstream: 'chainguard' },
    { prefix: 'azure', upstream: 'azure-container-registry', registry: 'myregistry.azurecr.io' },
    { prefix: 'ecr-public', upstream: 'ecr-public' },
    { prefix: 'us', upstream: 'ecr', registry: '222222222222.dkr.ecr.us-east-1.amazonaws.com' },
  ],
};
const REGISTRY = 'https://111111111111.dkr.ecr.eu-west-2.amazonaws.com';
const { mirrors, leftOut } = nodeMirrors(CACHE);
const MIRRORED_HOSTS = ['docker.io', 'ghcr.io', 'registry.k8s.io', 'quay.io', 'registry.gitlab.com', 'cgr.dev', 'myregistry.azurecr.io'];
/** The patterns nodeadm gives the ecr-credential-provider (amazon-eks-ami nodeadm/internal/kubelet/image-credential-provider.go). */
const NODEADM_MATCH_IMAGES = [
  '*.dkr.ecr.*.amazonaws.com',
  '*.dkr-ecr.*.on.aws',
  '*.dkr.ecr.*.amazonaws.com.cn',
  '*.dkr-ecr.*.on.amazonwebservices.com.cn',
  '*.dkr.ecr-fips.*.amazonaws.com',
  '*.dkr-ecr-fips.*.on.aws',
  '*.dkr.ecr.*.c2s.ic.gov',
  '*.dkr.ecr.*.sc2s.sgov.gov',
  '*.dkr.ecr.*.cloud.adc-e.uk',
  '*.dkr.ecr.*.csp.hci.ic.gov',
  '*.dkr.ecr.*.amazonaws.eu',
  'public.ecr.aws',
];
/** Bottlerocket's default image-patterns (bottlerocket sources/shared-defaults/kubernetes-aws-credential-provider.toml). */
const BOTTLEROCKET_IMAGE_PATTERNS = [
  '*.dkr.ecr.*.amazonaws.com',
  '*.dkr.ecr.*.amazonaws.com.cn',
  '*.dkr.ecr-fips.*.amazonaws.com',
  '*.dkr.ecr.us-iso-east-1.c2s.ic.gov',
  '*.dkr.ecr.us-isob-east-1.sc2s.sgov.gov',
];

describe('which upstream hosts the nodes send to the cache', () => {
  it('mirrors every rule whose upstream has a host of its own, to /v2/<prefix> of the cache', () => {
    expect(mirrors.map((mirror) => [mirror.host, mirror.endpoint, mirror.upstreamServer])).toEqual([
      ['docker.io', `${REGISTRY}/v2/docker-hub`, 'https://registry-1.docker.io'],
      ['ghcr.io', `${REGISTRY}/v2/github`, 'https://ghcr.io'],
      ['registry.k8s.io', `${REGISTRY}/v2/k8s`, 'https://registry.k8s.io'],
      ['quay.io', `${REGISTRY}/v2/quay`, 'https://quay.io'],
      ['registry.gitlab.com', `${REGISTRY}/v2/gitlab`, 'https://registry.gitlab.com'],
      ['cgr.dev', `${REGISTRY}/v2/chainguard`, 'https://cgr.dev'],
      ['myregistry.azurecr.io', `${REGISTRY}/v2/azure`, 'https://myregistry.azurecr.io'],
    ]);
  });

  it('leaves out ECR Public and ECR upstreams, with the reason', () => {
    expect(leftOut).toEqual([
      { prefix: 'ecr-public', upstream: 'ecr-public', reason: expect.stringMatching(/ECR Public token \(cloud-provider-aws PR #603\)/) },
      { prefix: 'us', upstream: 'ecr', reason: expect.stringMatching(/token for that registry's region/) },
    ]);
  });

  it('leaves out a ROOT rule, and every rule of a host that several rules pull from', () => {
    const result = nodeMirrors({
      ...CACHE,
      rules: [
        { prefix: 'ROOT', upstream: 'quay' },
        { prefix: 'hub', upstream: 'docker-hub' },
        { prefix: 'hub-team', upstream: 'docker-hub' },
        { prefix: 'hub-ci', upstream: 'docker-hub' },
        { prefix: 'k8s', upstream: 'k8s' },
      ],
    });
    expect(result.mirrors.map((mirror) => mirror.prefix)).toEqual(['k8s']);
    const shared = 'rules hub, hub-team and hub-ci all pull from docker.io: a mirror sends a host to one prefix';
    expect(result.leftOut).toEqual([
      { prefix: 'ROOT', upstream: 'quay', reason: expect.stringMatching(/ROOT rule has no prefix/) },
      { prefix: 'hub', upstream: 'docker-hub', reason: shared },
      { prefix: 'hub-team', upstream: 'docker-hub', reason: shared },
      { prefix: 'hub-ci', upstream: 'docker-hub', reason: shared },
    ]);
  });

  it('lets a ROOT rule that is left out take no host from the rule that can be mirrored', () => {
    const result = nodeMirrors({ ...CACHE, rules: [{ prefix: 'ROOT', upstream: 'docker-hub' }, { prefix: 'hub', upstream: 'docker-hub' }] });
    expect(result.mirrors.map((mirror) => [mirror.host, mirror.prefix])).toEqual([['docker.io', 'hub']]);
    expect(result.leftOut.map((rule) => rule.prefix)).toEqual(['ROOT']);
  });
});

describe("containerd's hosts.toml", () => {
  const dockerHub = mirrors[0];

  it('with fallback, tries the cache, then the upstream as the server', () => {
    expect(parseToml(hostsToml(dockerHub, { fallback: true }))).toEqual({
      server: 'https://registry-1.docker.io',
      host: { [`${REGISTRY}/v2/docker-hub`]: { capabilities: ['pull', 'resolve'], override_path: true } },
    });
  });

  it('by default names the cache as the server as well as in a host table (containerd 1.6 ignores a file without one)', () => {
    expect(hostsToml(dockerHub)).toBe(hostsToml(dockerHub, { fallback: false }));
    expect(parseToml(hostsToml(dockerHub))).toEqual({
      server: `${REGISTRY}/v2/docker-hub`,
      override_path: true,
      capabilities: ['pull', 'resolve'],
      host: { [`${REGISTRY}/v2/docker-hub`]: { capabilities: ['pull', 'resolve'], override_path: true } },
    });
  });
});

describe("the kubelet's credential provider config", () => {
  const config = JSON.parse(JSON.stringify(credentialProviderConfig(mirrors, 'eu-west-2'))) as {
    apiVersion: string;
    kind: string;
    providers: { name: string; apiVersion: string; defaultCacheDuration: string; matchImages: string[]; env: { name: string; value: string }[] }[];
  };
  const [provider] = config.providers;

  it('is one ecr-credential-provider, in the kubelet.config.k8s.io/v1 format', () => {
    expect(config.apiVersion).toBe('kubelet.config.k8s.io/v1');
    expect(config.kind).toBe('CredentialProviderConfig');
    expect(config.providers).toHaveLength(1);
    // The name is the executable in --image-credential-provider-bin-dir, as nodeadm names it.
    expect(provider.name).toBe('ecr-credential-provider');
    expect(provider.apiVersion).toBe('credentialprovider.kubelet.k8s.io/v1');
    // A Go duration (metav1.Duration), as required.
    expect(provider.defaultCacheDuration).toMatch(/^(\d+h)?(\d+m)?(\d+s)?$/);
  });

  it("keeps ECR's own patterns and adds every mirrored host", () => {
    expect(provider.matchImages).toEqual([...NODEADM_MATCH_IMAGES, ...MIRRORED_HOSTS]);
    // kubelet config/v1 types.go: globs in the domain only, no scheme, each glob one domain part.
    for (const pattern of provider.matchImages) expect(pattern).toMatch(/^(\*|[a-z0-9-]+)(\.(\*|[a-z0-9-]+))+$/);
  });

  it("sets AWS_REGION to the cache's region: the provider's token for a non-ECR host is for the region of its AWS configuration", () => {
    expect(provider.env).toEqual([{ name: 'AWS_REGION', value: 'eu-west-2' }]);
  });
});

describe('nodeadm user data (Amazon Linux 2023)', () => {
  const userData = nodeadmUserData(mirrors, 'eu-west-2');
  /** The parts as a MIME parser reads them (nodeadm reads them with Go's mime/multipart). */
  let parts: { contentType: string; content: string }[];
  beforeAll(async () => {
    const message = await PostalMime.parse(userData);
    expect(message.headers.find((header) => header.key === 'content-type')?.value).toMatch(/^multipart\/mixed; boundary="[^"]+"$/);
    parts = message.attachments.map((part) => ({
      contentType: part.mimeType,
      content: typeof part.content === 'string' ? part.content : new TextDecoder().decode(part.content),
    }));
  });

  it('is MIME multi-part: a shell script, then a NodeConfig', () => {
    expect(userData.startsWith('MIME-Version: 1.0\n')).toBe(true);
    expect(parts.map((part) => part.contentType)).toEqual(['text/x-shellscript', 'application/node.eks.aws']);
  });

  it('has a NodeConfig that points the kubelet at the mirrors’ credential provider config', () => {
    expect(parseYaml(parts[1].content)).toEqual({
      apiVersion: 'node.eks.aws/v1alpha1',
      kind: 'NodeConfig',
      spec: { kubelet: { flags: [`--image-credential-provider-config=${NODEADM_CREDENTIAL_PROVIDER_CONFIG}`] } },
    });
  });

  it('has a script that writes every file exactly', () => {
    const script = parts[0].content;
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(spawnSync('bash', ['-n'], { input: script }).status).toBe(0);
    // Run with the node's root moved to a temporary folder: nothing else in the script changes.
    const root = mkdtempSync(join(tmpdir(), 'ecr-cache-node-root-'));
    try {
      const run = spawnSync('bash', [], { input: script.replaceAll("'/etc/", `'${root}/etc/`), encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      for (const file of nodeFiles(mirrors, 'eu-west-2')) expect(readFileSync(join(root, file.path), 'utf8')).toBe(file.content);
      expect(nodeFiles(mirrors, 'eu-west-2').map((file) => file.path)).toEqual([
        ...MIRRORED_HOSTS.map((host) => `/etc/containerd/certs.d/${host}/hosts.toml`),
        NODEADM_CREDENTIAL_PROVIDER_CONFIG,
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('passes the fallback on to the hosts.toml files it writes', () => {
    const files = nodeFiles(mirrors, 'eu-west-2', { fallback: true });
    expect(files[0].content).toBe(hostsToml(mirrors[0], { fallback: true }));
    expect(nodeadmUserData(mirrors, 'eu-west-2', { fallback: true })).toContain('server = "https://registry-1.docker.io"');
    expect(nodeadmUserData(mirrors, 'eu-west-2')).toContain(`server = "${REGISTRY}/v2/docker-hub"`);
  });
});

describe('Bottlerocket settings', () => {
  const settings = parseToml(bottlerocketSettings(mirrors, 'eu-west-2')) as {
    settings: {
      'container-registry': { mirrors: { registry: string; endpoint: string[] }[] };
      kubernetes: { 'credential-providers': Record<string, Record<string, unknown>> };
    };
  };

  it('sends every mirrored host to /v2/<prefix> of the cache (registry and endpoint, as the settings model names them)', () => {
    expect(settings.settings['container-registry'].mirrors).toEqual(mirrors.map((mirror) => ({ registry: mirror.host, endpoint: [mirror.endpoint] })));
  });

  it("repeats the provider's default image patterns (setting them replaces the list) and adds the hosts, with AWS_REGION", () => {
    expect(settings.settings.kubernetes['credential-providers']).toEqual({
      'ecr-credential-provider': {
        enabled: true,
        'cache-duration': '12h',
        'image-patterns': [...BOTTLEROCKET_IMAGE_PATTERNS, ...MIRRORED_HOSTS],
        environment: { AWS_REGION: 'eu-west-2' },
      },
    });
  });
});

describe("Karpenter's EC2NodeClass", () => {
  interface NodeClass {
    apiVersion: string;
    kind: string;
    metadata: { name: string };
    spec: Record<string, unknown> & { amiSelectorTerms: Record<string, string>[]; userData: string };
  }
  for (const [family, userData] of [
    ['al2023', nodeadmUserData(mirrors, 'eu-west-2')],
    ['bottlerocket', bottlerocketSettings(mirrors, 'eu-west-2')],
  ] as const) {
    const nodeClass = parseYaml(ec2NodeClass({ name: 'mirrors', family, userData, cluster: 'prod', role: 'KarpenterNodeRole-prod' })) as NodeClass;

    it(`carries the ${family} user data unchanged`, () => {
      expect(nodeClass).toEqual({
        apiVersion: 'karpenter.k8s.aws/v1',
        kind: 'EC2NodeClass',
        metadata: { name: 'mirrors' },
        spec: {
          amiSelectorTerms: [{ alias: `${family}@latest` }],
          role: 'KarpenterNodeRole-prod',
          subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'prod' } }],
          securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'prod' } }],
          userData,
        },
      });
    });

    // The rules of the CRD karpenter.k8s.aws_ec2nodeclasses.yaml (karpenter-provider-aws pkg/apis/crds), v1.
    it(`passes the ${family} EC2NodeClass through the CRD's rules`, () => {
      const { spec } = nodeClass;
      for (const required of ['amiSelectorTerms', 'subnetSelectorTerms', 'securityGroupSelectorTerms']) expect(spec).toHaveProperty(required);
      // "must specify exactly one of ['role', 'instanceProfile']"
      expect(['role', 'instanceProfile'].filter((field) => field in spec)).toEqual(['role']);
      // An alias is the only term; "family@version", at most 30 characters, of a family the CRD lists.
      expect(spec.amiSelectorTerms).toHaveLength(1);
      const [{ alias, ...others }] = spec.amiSelectorTerms as [{ alias: string }];
      expect(others).toEqual({});
      expect(alias.length).toBeLessThanOrEqual(30);
      expect(alias).toMatch(/^[a-zA-Z0-9]*@.*$/);
      expect(['al2', 'al2023', 'bottlerocket', 'windows2019', 'windows2022']).toContain(alias.split('@')[0]);
      // With an alias, amiFamily is inferred: set, it would have to match.
      expect(spec).not.toHaveProperty('amiFamily');
      for (const terms of [spec.subnetSelectorTerms, spec.securityGroupSelectorTerms] as { tags: Record<string, string> }[][]) {
        for (const term of terms) for (const [key, value] of Object.entries(term.tags)) expect(key !== '' && value !== '').toBe(true);
      }
      expect(typeof spec.userData).toBe('string');
    });
  }
});
