import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../config/environments';
import { ecrCache } from './support/processes';
import { FIXTURE_ENVIRONMENTS } from './support/stacks';

const ECR_PUBLIC_LEFT_OUT =
  "left out: rule ecr (ecr-public): the kubelet's ecr-credential-provider answers public.ecr.aws with an ECR Public token " +
  '(cloud-provider-aws PR #603), which the private cache does not accept: reference the cache URI instead\n';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecr-cache-node-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('./bin/ecr-cache node-config', () => {
  it('writes the containerd files into --out, and names the rules it left out', () => {
    const run = ecrCache(['node-config', '--env', 'dev', '--format', 'containerd', '--out', dir]);
    expect(run.stderr).toBe(ECR_PUBLIC_LEFT_OUT);
    expect(run.status).toBe(0);
    expect(readdirSync(join(dir, 'certs.d')).sort()).toEqual(['docker.io', 'ghcr.io', 'quay.io', 'registry.k8s.io']);
    expect(readdirSync(dir).sort()).toEqual(['certs.d', 'credential-provider.json']);
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      ...['docker.io', 'ghcr.io', 'registry.k8s.io', 'quay.io'].map((host) => `wrote ${join(dir, 'certs.d', host, 'hosts.toml')}`),
      `wrote ${join(dir, 'credential-provider.json')}`,
    ]);
  });

  it("removes the hosts.toml it wrote before for a host no longer mirrored, and leaves everyone else's files", () => {
    const certs = join(dir, 'certs.d');
    mkdirSync(join(certs, 'cgr.dev'), { recursive: true });
    mkdirSync(join(certs, 'my-registry.example.com'), { recursive: true });
    writeFileSync(join(certs, 'cgr.dev', 'hosts.toml'), '# Written by ecr-pull-through-cache node-config.\nserver = "https://cgr.dev"\n');
    writeFileSync(join(certs, 'my-registry.example.com', 'hosts.toml'), 'server = "https://my-registry.example.com"\n');
    const run = ecrCache(['node-config', '--env', 'dev', '--format', 'containerd', '--out', dir]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`removed ${join(certs, 'cgr.dev', 'hosts.toml')}: cgr.dev is no longer mirrored\n`);
    expect(existsSync(join(certs, 'cgr.dev'))).toBe(false);
    expect(readFileSync(join(certs, 'my-registry.example.com', 'hosts.toml'), 'utf8')).toBe('server = "https://my-registry.example.com"\n');
  });

  it('makes the cache the only host unless --fallback is given', () => {
    const byDefault = ecrCache(['node-config', '--env', 'dev', '--format', 'nodeadm']);
    expect(byDefault.stdout).toBe(ecrCache(['node-config', '--env', 'dev', '--format', 'nodeadm', '--no-fallback']).stdout);
    expect(byDefault.stdout).toContain('server = "https://111111111111.dkr.ecr.eu-west-2.amazonaws.com/v2/docker-hub"');
    expect(ecrCache(['node-config', '--env', 'dev', '--format', 'nodeadm', '--fallback']).stdout).toContain('server = "https://registry-1.docker.io"');
  });

  it('fails at once, naming the folder and why, when --out cannot be made', () => {
    // Linux's /proc exists and takes no new folder: mkdir answers ENOENT, which Node's recursive mkdir retries forever.
    const started = Date.now();
    const run = spawnSync(join(PROJECT_ROOT, 'bin', 'ecr-cache'), ['node-config', '--env', 'dev', '--format', 'containerd', '--out', '/proc/nope'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ECR_CACHE_ENVIRONMENTS: FIXTURE_ENVIRONMENTS },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.error, 'still running after 30 s').toBeUndefined();
    expect(run.stderr).toBe(
      `${ECR_PUBLIC_LEFT_OUT}ecr-cache: --out /proc/nope: cannot make the folder /proc/nope: /proc takes no new folders (ENOENT); give --out a folder that can be made\n`,
    );
    expect(run.status).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('writes nothing, and names the file, when one of the files cannot be written', () => {
    mkdirSync(join(dir, 'credential-provider.json'));
    const run = ecrCache(['node-config', '--env', 'dev', '--format', 'containerd', '--out', dir]);
    expect(run.stderr).toBe(`${ECR_PUBLIC_LEFT_OUT}ecr-cache: ${join(dir, 'credential-provider.json')}: is not a file\n`);
    expect(run.status).toBe(1);
    expect(readdirSync(dir)).toEqual(['credential-provider.json']);
  });

  it("gives Karpenter's nodes KarpenterNodeRole-<cluster>, the role its controller may pass, and says when the stack does not grant it", () => {
    const run = ecrCache(['node-config', '--env', 'dev', '--format', 'karpenter', '--cluster', 'prod']);
    expect(run.status).toBe(0);
    expect((parseYaml(run.stdout) as { spec: { role: string } }).spec.role).toBe('KarpenterNodeRole-prod');
    expect(run.stderr).toContain(
      'warning: --role KarpenterNodeRole-prod is not a node role of __tests__/fixtures/environments/dev.yaml (nodes.existingRoles): its stack does not give it the pull policy, ' +
        'so the first pull of an image the cache does not hold yet fails; add KarpenterNodeRole-prod to nodes.existingRoles and apply',
    );
    writeFileSync(join(dir, 'karpenter.yaml'), 'account: "111111111111"\nregion: eu-west-2\nnodes: { existingRoles: [KarpenterNodeRole-prod], cluster: prod }\nrules:\n  quay: { upstream: quay }\n');
    const granted = ecrCache(['node-config', '--env', 'karpenter', '--environments', dir, '--format', 'karpenter', '--cluster', 'prod']);
    expect([granted.status, granted.stderr]).toEqual([0, '']);
    expect((parseYaml(granted.stdout) as { spec: { role: string } }).spec.role).toBe('KarpenterNodeRole-prod');
    const created = ecrCache(['node-config', '--env', 'dev', '--format', 'karpenter', '--cluster', 'prod', '--role', 'ecr-cache-dev-node']);
    expect(created.status).toBe(0);
    expect(created.stderr).toContain(
      "warning: --role ecr-cache-dev-node is the node role ecr-cache-dev creates: Karpenter's documented controller policy may pass only KarpenterNodeRole-prod (iam:PassRole), " +
        'so give its controller iam:PassRole on ecr-cache-dev-node, and set nodes.cluster in __tests__/fixtures/environments/dev.yaml so the role gets the EKS access entry its nodes need to join',
    );
  });

  it('prints the one-document formats to standard output', () => {
    const nodeadm = ecrCache(['node-config', '--env', 'dev', '--format', 'nodeadm']);
    expect(nodeadm.status).toBe(0);
    expect(nodeadm.stdout).toMatch(/^MIME-Version: 1\.0\nContent-Type: multipart\/mixed; boundary="ecr-pull-through-cache"\n/);
    const bottlerocket = ecrCache(['node-config', '--env', 'dev', '--format', 'bottlerocket']);
    expect(bottlerocket.status).toBe(0);
    expect(bottlerocket.stdout).toContain('[[settings.container-registry.mirrors]]\nregistry = "docker.io"\n');
    const karpenter = ecrCache(['node-config', '--env', 'dev', '--format', 'karpenter', '--family', 'bottlerocket', '--cluster', 'prod']);
    expect(karpenter.status).toBe(0);
    const nodeClass = parseYaml(karpenter.stdout) as { metadata: { name: string }; spec: { role: string; userData: string } };
    expect(nodeClass.metadata.name).toBe('ecr-cache-dev-bottlerocket');
    expect(nodeClass.spec.role).toBe('KarpenterNodeRole-prod');
    expect(nodeClass.spec.userData).toBe(bottlerocket.stdout);
  });

  it("sends a consumer's nodes to its hub's cache", () => {
    const run = ecrCache(['node-config', '--env', 'team-a', '--environments', 'examples/organization', '--format', 'bottlerocket']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('endpoint = ["https://444444444444.dkr.ecr.eu-west-2.amazonaws.com/v2/docker-hub"]');
    expect(run.stdout).toContain('AWS_REGION = "eu-west-2"');
  });

  it("notes a hub in another region: the provider's tokens are the cache's, and pulls cross regions", () => {
    writeFileSync(join(dir, 'hub.yaml'), 'account: "444444444444"\nregion: eu-west-1\nconsumers: { accounts: ["555555555555"] }\nrules:\n  quay: { upstream: quay }\n');
    writeFileSync(join(dir, 'spoke.yaml'), 'account: "555555555555"\nregion: us-east-1\ncacheFrom: hub\n');
    const run = ecrCache(['node-config', '--env', 'spoke', '--environments', dir, '--format', 'bottlerocket']);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(
      'note: these nodes run in us-east-1 and the cache is in eu-west-1: the credential provider config sets AWS_REGION=eu-west-1 so the tokens are the cache\'s, and every pull crosses regions\n',
    );
    expect(run.stdout).toContain('AWS_REGION = "eu-west-1"');
  });

  it('fails, writing nothing, when no rule can be a mirror', () => {
    writeFileSync(join(dir, 'public.yaml'), 'account: "111111111111"\nregion: eu-west-2\nrules:\n  ecr: { upstream: ecr-public }\n');
    const out = join(dir, 'out');
    const run = ecrCache(['node-config', '--env', 'public', '--environments', dir, '--format', 'containerd', '--out', out]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`${ECR_PUBLIC_LEFT_OUT}ecr-cache: ${join(dir, 'public.yaml')}: no rule of public can be a registry mirror on the nodes\n`);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [['--format', 'bottlerocket', '--no-fallback'], 'ecr-cache: Bottlerocket always keeps the upstream as a fallback (bottlerocket-os/bottlerocket #4891): --no-fallback cannot be honoured there\n'],
    [['--format', 'karpenter', '--family', 'bottlerocket', '--cluster', 'prod', '--no-fallback'], 'ecr-cache: Bottlerocket always keeps the upstream as a fallback (bottlerocket-os/bottlerocket #4891): --no-fallback cannot be honoured there\n'],
    [['--format', 'containerd'], 'ecr-cache: --format containerd writes a folder of files: give --out DIR\n'],
    [['--format', 'karpenter'], 'ecr-cache: --format karpenter needs --cluster, the name its subnets and security groups are tagged with\n'],
    [['--format', 'nodeadm', '--family', 'al2023'], 'ecr-cache: --family is for --format karpenter\n'],
    [['--format', 'karpenter', '--family', 'windows', '--cluster', 'prod'], 'ecr-cache: --family windows: al2023 or bottlerocket\n'],
    [['--format', 'cri-o'], 'ecr-cache: --format cri-o: one of containerd, nodeadm, bottlerocket, karpenter\n'],
    [
      ['--format', 'karpenter', '--cluster', 'bad cluster!'],
      'ecr-cache: --cluster "bad cluster!" is not an EKS cluster name: 1-100 letters, digits, "-" or "_", starting with a letter or digit\n',
    ],
    [['--format', 'karpenter', '--cluster', `a${'b'.repeat(100)}`], `ecr-cache: --cluster "a${'b'.repeat(100)}" is not an EKS cluster name: 1-100 letters, digits, "-" or "_", starting with a letter or digit\n`],
  ])('refuses %j with a message', (args, message) => {
    const run = ecrCache(['node-config', '--env', 'dev', ...args]);
    expect(run.stderr).toBe(message);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(1);
  });
});
