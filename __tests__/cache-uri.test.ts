/**
 * Image reference -> cache URI, across all nine upstreams of examples/all-upstreams.yaml, each asserted exactly.
 * A string expectation is the URI; { error } is the whole message of the ImageMappingError.
 */
import { join } from 'node:path';
import { cacheImageUri, cacheImageUriOrReason, ImageMappingError } from '../lib/images/cache-uri';
import { loadEnvironment, PROJECT_ROOT } from '../config/environments';
import { environmentFromText } from './support/stacks';

const all = loadEnvironment('all-upstreams', join(PROJECT_ROOT, 'examples'));
const C = '333333333333.dkr.ecr.eu-west-2.amazonaws.com';
const D = `sha256:${'0123456789abcdef'.repeat(4)}`;
const noRule = (reference: string, host: string) => ({ error: `${reference}: no rule in environment all-upstreams pulls through from ${host}` });
const invalid = (reference: string, reason: string) => ({ error: `${reference}: not a valid image reference: ${reason}` });

const CASES: [string, string | { error: string }][] = [
  // Docker Hub official images: library/, whichever way Docker Hub is named
  ['nginx', `${C}/docker-hub/library/nginx`],
  ['nginx:1.27', `${C}/docker-hub/library/nginx:1.27`],
  ['nats:2.10.12-alpine', `${C}/docker-hub/library/nats:2.10.12-alpine`],
  ['docker.io/nginx:1.27', `${C}/docker-hub/library/nginx:1.27`],
  ['index.docker.io/nginx:1.27', `${C}/docker-hub/library/nginx:1.27`],
  ['registry-1.docker.io/nginx:1.27', `${C}/docker-hub/library/nginx:1.27`],
  ['docker.io/library/nginx:1.27', `${C}/docker-hub/library/nginx:1.27`],
  ['library/nginx', `${C}/docker-hub/library/nginx`],
  [`nginx@${D}`, `${C}/docker-hub/library/nginx@${D}`],
  [`nginx:1.27@${D}`, `${C}/docker-hub/library/nginx:1.27@${D}`],
  ['foo:5000', `${C}/docker-hub/library/foo:5000`],
  // Docker Hub user images keep their path
  ['bitnami/redis:7.2', `${C}/docker-hub/bitnami/redis:7.2`],
  ['natsio/nats-server-config-reloader', `${C}/docker-hub/natsio/nats-server-config-reloader`],
  ['docker.io/bitnami/redis', `${C}/docker-hub/bitnami/redis`],
  ['index.docker.io/grafana/grafana:11.0.0', `${C}/docker-hub/grafana/grafana:11.0.0`],
  ['registry-1.docker.io/bitnami/redis', `${C}/docker-hub/bitnami/redis`],
  [`bitnami/redis@${D}`, `${C}/docker-hub/bitnami/redis@${D}`],
  ['a/b/c:1', `${C}/docker-hub/a/b/c:1`],
  // GitHub, GitLab, Chainguard, Azure: the host becomes the prefix; no library/
  ['ghcr.io/fluxcd/source-controller:v1.3.0', `${C}/github/fluxcd/source-controller:v1.3.0`],
  [`ghcr.io/a/b/c@${D}`, `${C}/github/a/b/c@${D}`],
  ['ghcr.io/nginx', `${C}/github/nginx`],
  ['registry.gitlab.com/group/project:1.0', `${C}/gitlab/group/project:1.0`],
  ['registry.gitlab.com/group/sub/project/image:latest', `${C}/gitlab/group/sub/project/image:latest`],
  ['cgr.dev/chainguard/nginx:latest', `${C}/chainguard/chainguard/nginx:latest`],
  [`cgr.dev/chainguard/static@${D}`, `${C}/chainguard/chainguard/static@${D}`],
  ['contosoimages.azurecr.io/app/api:2.1', `${C}/azure/app/api:2.1`],
  ['contosoimages.azurecr.io/api', `${C}/azure/api`],
  ['other.azurecr.io/api', noRule('other.azurecr.io/api', 'other.azurecr.io')],
  // registry.k8s.io and Quay, nested paths kept
  ['registry.k8s.io/external-dns/external-dns:v0.14.0', `${C}/k8s/external-dns/external-dns:v0.14.0`],
  [`registry.k8s.io/ingress-nginx/controller:v1.10.0@${D}`, `${C}/k8s/ingress-nginx/controller:v1.10.0@${D}`],
  ['registry.k8s.io/pause:3.9', `${C}/k8s/pause:3.9`],
  ['k8s.gcr.io/pause:3.9', noRule('k8s.gcr.io/pause:3.9', 'k8s.gcr.io')],
  ['quay.io/prometheus/node-exporter:v1.8.0', `${C}/quay/prometheus/node-exporter:v1.8.0`],
  [`quay.io/jetstack/cert-manager-controller@${D}`, `${C}/quay/jetstack/cert-manager-controller@${D}`],
  // ECR Public, prefixed
  ['public.ecr.aws/nginx/nginx:1.27', `${C}/ecr-public/nginx/nginx:1.27`],
  ['public.ecr.aws/eks-distro/kubernetes/pause:3.9', `${C}/ecr-public/eks-distro/kubernetes/pause:3.9`],
  [`public.ecr.aws/karpenter/controller:1.0.0@${D}`, `${C}/ecr-public/karpenter/controller:1.0.0@${D}`],
  // The same account's us-west-2 registry through the ROOT rule: no prefix
  ['333333333333.dkr.ecr.us-west-2.amazonaws.com/team/api:2', `${C}/team/api:2`],
  // ECR to ECR: the upstream prefix becomes the rule's prefix
  ['333333333333.dkr.ecr.us-east-1.amazonaws.com/platform/api:1.0', `${C}/us/api:1.0`],
  ['333333333333.dkr.ecr.us-east-1.amazonaws.com/platform/team/api:1.0', `${C}/us/team/api:1.0`],
  [
    '333333333333.dkr.ecr.us-east-1.amazonaws.com/other/api:1.0',
    {
      error:
        '333333333333.dkr.ecr.us-east-1.amazonaws.com/other/api:1.0: no rule in environment all-upstreams maps ' +
        '333333333333.dkr.ecr.us-east-1.amazonaws.com/other/api (its rules for 333333333333.dkr.ecr.us-east-1.amazonaws.com cover only platform/)',
    },
  ],
  [
    '333333333333.dkr.ecr.us-east-1.amazonaws.com/platformx/api',
    {
      error:
        '333333333333.dkr.ecr.us-east-1.amazonaws.com/platformx/api: no rule in environment all-upstreams maps ' +
        '333333333333.dkr.ecr.us-east-1.amazonaws.com/platformx/api (its rules for 333333333333.dkr.ecr.us-east-1.amazonaws.com cover only platform/)',
    },
  ],
  ['444444444444.dkr.ecr.eu-west-2.amazonaws.com/payments/api:3', `${C}/shared/payments/api:3`],
  [`444444444444.dkr.ecr.eu-west-2.amazonaws.com/api@${D}`, `${C}/shared/api@${D}`],
  ['555555555555.dkr.ecr.eu-west-2.amazonaws.com/api', noRule('555555555555.dkr.ecr.eu-west-2.amazonaws.com/api', '555555555555.dkr.ecr.eu-west-2.amazonaws.com')],
  // A path that would land under another rule: ECR would serve that rule's upstream, so it is refused
  [
    '333333333333.dkr.ecr.us-west-2.amazonaws.com/quay/foo:1',
    {
      error:
        '333333333333.dkr.ecr.us-west-2.amazonaws.com/quay/foo:1: its cache path quay/foo belongs to rule quay (quay), not to rule ROOT: ' +
        'ECR would pull another image; give the rules prefixes that do not nest',
    },
  ],
  // Already in this cache: unchanged, so rewriting is idempotent
  [`${C}/docker-hub/library/nginx:1.27`, `${C}/docker-hub/library/nginx:1.27`],
  [`${C}/k8s/pause:3.9`, `${C}/k8s/pause:3.9`],
  [`${C}/team/app@${D}`, `${C}/team/app@${D}`],
  // Registries without a rule: ports, localhost, others
  ['mcr.microsoft.com/dotnet/runtime:8.0', noRule('mcr.microsoft.com/dotnet/runtime:8.0', 'mcr.microsoft.com')],
  ['gcr.io/distroless/static:nonroot', noRule('gcr.io/distroless/static:nonroot', 'gcr.io')],
  ['docker.elastic.co/elasticsearch/elasticsearch:8.14.0', noRule('docker.elastic.co/elasticsearch/elasticsearch:8.14.0', 'docker.elastic.co')],
  ['localhost/foo', noRule('localhost/foo', 'localhost')],
  ['localhost:5000/foo/bar:1', noRule('localhost:5000/foo/bar:1', 'localhost:5000')],
  ['myregistry.example.com:5000/team/app:1.0', noRule('myregistry.example.com:5000/team/app:1.0', 'myregistry.example.com:5000')],
  ['[::1]:5000/foo', noRule('[::1]:5000/foo', '[::1]:5000')],
  // Invalid references
  ['Nginx', invalid('Nginx', 'repository name (Nginx) must be lowercase')],
  ['ghcr.io/Foo/bar', invalid('ghcr.io/Foo/bar', 'repository name (Foo/bar) must be lowercase')],
  ['nginx:', invalid('nginx:', 'invalid reference format')],
  ['', invalid('', 'invalid reference format')],
  ['nginx@sha256:abc', invalid('nginx@sha256:abc', 'invalid reference format')],
  ['nginx:tag with space', invalid('nginx:tag with space', 'invalid reference format')],
  ['-nginx', invalid('-nginx', 'invalid reference format')],
  ['{{ .Values.image }}', invalid('{{ .Values.image }}', 'repository name ({{ .Values.image }}) must be lowercase')],
  ['{{ .values.image }}', invalid('{{ .values.image }}', 'invalid reference format')],
  ['nginx:1.0:2.0', invalid('nginx:1.0:2.0', 'invalid reference format')],
  ['ghcr.io/foo//bar', invalid('ghcr.io/foo//bar', 'invalid reference format')],
];

describe('cacheImageUri, all nine upstreams (examples/all-upstreams.yaml)', () => {
  it('has at least 60 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(60));

  it.each(CASES)('%s', (reference, expected) => {
    if (typeof expected === 'string') {
      expect(cacheImageUri(all, reference)).toBe(expected);
      expect(cacheImageUri(all, expected)).toBe(expected);
    } else {
      let thrown: unknown;
      try {
        cacheImageUri(all, reference);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ImageMappingError);
      expect((thrown as ImageMappingError).message).toBe(expected.error);
    }
  });

  it.each(CASES)('%s: the same, as a URI or a reason, without throwing', (reference, expected) => {
    const mapped = cacheImageUriOrReason(all, reference);
    if (typeof expected === 'string') expect(mapped).toBe(expected);
    else expect(`${reference}: ${(mapped as { reason: string }).reason}`).toBe(expected.error);
  });
});

describe('cacheImageUri with nested prefixes', () => {
  const nested = environmentFromText(
    'account: "123456789012"\nregion: us-east-1\nrules:\n  team: { upstream: docker-hub }\n  team/quay: { upstream: quay }\n',
    'nested.yaml',
  );

  it('maps what only its own rule serves', () => {
    expect(cacheImageUri(nested, 'quay.io/prometheus/node-exporter:v1')).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/team/quay/prometheus/node-exporter:v1');
    expect(cacheImageUri(nested, 'bitnami/redis:7')).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/team/bitnami/redis:7');
  });

  it('refuses an image whose cache path the inner rule would serve', () => {
    expect(() => cacheImageUri(nested, 'quay/prometheus:v1')).toThrow(
      'quay/prometheus:v1: its cache path team/quay/prometheus belongs to rule team/quay (quay), not to rule team',
    );
  });
});

describe('cacheImageUri with Docker Hub as the ROOT rule', () => {
  const hub = environmentFromText('account: "123456789012"\nregion: us-east-1\nrules:\n  ROOT: { upstream: docker-hub }\n  k8s: { upstream: k8s }\n', 'hub.yaml');
  const H = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

  it.each([
    ['nginx:1.27', `${H}/library/nginx:1.27`],
    ['bitnami/redis', `${H}/bitnami/redis`],
    ['registry.k8s.io/pause:3.9', `${H}/k8s/pause:3.9`],
    [`${H}/library/nginx:1.27`, `${H}/library/nginx:1.27`],
  ])('%s -> %s', (reference, expected) => {
    expect(cacheImageUri(hub, reference)).toBe(expected);
  });
});
