/**
 * containerd's registry host configuration (`<config_path>/<host>/hosts.toml`, containerd docs/hosts.md) and the
 * kubelet's credential provider configuration for mirrored hosts.
 */
import type { HostMirror } from './mirrors';

/** Where containerd reads host configurations on EKS nodes: nodeadm's config_path (amazon-eks-ami, nodeadm/internal/containerd). */
export const CONTAINERD_CERTS_D = '/etc/containerd/certs.d';

export interface HostsTomlOptions {
  /**
   * Let containerd try the upstream itself when the cache fails. It sends the upstream the credentials the kubelet
   * gave for the image, the node's ECR token: the kubelet's credentials name no host, and containerd gives such
   * credentials to every host it tries (CRI ParseAuth, containerd 1.6 to 2.x).
   * @default false - the cache is the only host: a pull fails when the cache does
   */
  readonly fallback?: boolean;
}

/** The first line of every hosts.toml this project writes: how a later run knows its own files. */
export const WRITTEN_BY_NODE_CONFIG = '# Written by ecr-pull-through-cache node-config.';

/**
 * The hosts.toml of one mirrored host. With fallback, `server` is the upstream, tried after the cache. Without,
 * `server` is the cache as well: containerd fills in the upstream when `server` is left out, and containerd 1.6, and
 * 1.7 before 1.7.32, ignore a file without a `[host]` table (containerd commit 24007441d), so both are written.
 */
export function hostsToml(mirror: HostMirror, options: HostsTomlOptions = {}): string {
  const fallback = options.fallback ?? false;
  const host = [
    `[host.${JSON.stringify(mirror.endpoint)}]`,
    '  capabilities = ["pull", "resolve"]',
    // The endpoint's path is the cache prefix: without override_path containerd asks /v2/<prefix>/v2/<path>.
    '  override_path = true',
  ];
  const head = fallback
    ? [
        WRITTEN_BY_NODE_CONFIG,
        `# ${mirror.host} through the ECR pull-through cache ${mirror.prefix}; when the cache fails, containerd pulls from`,
        "# the upstream, and sends it the same credentials: the node's ECR token.",
        `server = ${JSON.stringify(mirror.upstreamServer)}`,
      ]
    : [
        WRITTEN_BY_NODE_CONFIG,
        `# ${mirror.host} through the ECR pull-through cache ${mirror.prefix} only: the upstream is never tried.`,
        `server = ${JSON.stringify(mirror.endpoint)}`,
        'override_path = true',
        'capabilities = ["pull", "resolve"]',
      ];
  return `${[...head, '', ...host].join('\n')}\n`;
}

/**
 * The patterns nodeadm gives the ecr-credential-provider (amazon-eks-ami, nodeadm/internal/kubelet/
 * image-credential-provider.go): kept, so ECR images authenticate as before.
 */
export const ECR_MATCH_IMAGES = [
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
] as const;

/** How long the kubelet keeps a token the provider gave: ECR's authorization tokens last 12 hours. */
export const CREDENTIAL_CACHE_DURATION = '12h';

/** The provider's name: the executable in the kubelet's --image-credential-provider-bin-dir. */
export const ECR_CREDENTIAL_PROVIDER = 'ecr-credential-provider';

/**
 * The kubelet's CredentialProviderConfig (kubelet.config.k8s.io/v1) for the ecr-credential-provider: ECR's own
 * patterns and every mirrored host. For a host that is not ECR's, the provider (v1.29.0 and later: cloud-provider-aws
 * PR #673) returns an ECR token for the region of its AWS configuration, which `AWS_REGION` makes the cache's, as kops
 * does for mirrors (useECRCredentialsForMirrors).
 */
export function credentialProviderConfig(mirrors: readonly HostMirror[], cacheRegion: string): object {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1',
    kind: 'CredentialProviderConfig',
    providers: [
      {
        name: ECR_CREDENTIAL_PROVIDER,
        apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
        defaultCacheDuration: CREDENTIAL_CACHE_DURATION,
        matchImages: [...ECR_MATCH_IMAGES, ...mirrors.map((mirror) => mirror.host)],
        env: [{ name: 'AWS_REGION', value: cacheRegion }],
      },
    ],
  };
}

/** The credential provider config as the file the kubelet reads. */
export function credentialProviderJson(mirrors: readonly HostMirror[], cacheRegion: string): string {
  return `${JSON.stringify(credentialProviderConfig(mirrors, cacheRegion), null, 2)}\n`;
}
