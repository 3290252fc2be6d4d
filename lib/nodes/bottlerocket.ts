/**
 * Bottlerocket's settings for the mirrors (user data TOML). `settings.container-registry.mirrors` takes a registry and
 * its endpoints; a path in the endpoint is the cache prefix: Bottlerocket before core-kit 13.1 writes it into
 * containerd's registry.mirrors, which keeps the path (so it must start with /v2), and from core-kit 13.1 into
 * hosts.toml with override_path (bottlerocket-os/bottlerocket-core-kit thar-be-registries). Either way Bottlerocket keeps
 * the upstream as the fallback. The ecr-credential-provider's `image-patterns` replace its defaults, so they are repeated
 * (bottlerocket sources/shared-defaults/kubernetes-aws-credential-provider.toml).
 */
import { CREDENTIAL_CACHE_DURATION, ECR_CREDENTIAL_PROVIDER } from './containerd';
import type { HostMirror } from './mirrors';

export const BOTTLEROCKET_ECR_IMAGE_PATTERNS = [
  '*.dkr.ecr.*.amazonaws.com',
  '*.dkr.ecr.*.amazonaws.com.cn',
  '*.dkr.ecr-fips.*.amazonaws.com',
  '*.dkr.ecr.us-iso-east-1.c2s.ic.gov',
  '*.dkr.ecr.us-isob-east-1.sc2s.sgov.gov',
] as const;

const list = (values: readonly string[]) => `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;

export function bottlerocketSettings(mirrors: readonly HostMirror[], cacheRegion: string): string {
  const provider = `settings.kubernetes.credential-providers.${ECR_CREDENTIAL_PROVIDER}`;
  return [
    '# ECR pull-through cache as registry mirrors, written by ecr-pull-through-cache node-config.',
    ...mirrors.flatMap((mirror) => [
      '[[settings.container-registry.mirrors]]',
      `registry = ${JSON.stringify(mirror.host)}`,
      `endpoint = ${list([mirror.endpoint])}`,
      '',
    ]),
    `[${provider}]`,
    'enabled = true',
    `cache-duration = ${JSON.stringify(CREDENTIAL_CACHE_DURATION)}`,
    `image-patterns = ${list([...BOTTLEROCKET_ECR_IMAGE_PATTERNS, ...mirrors.map((mirror) => mirror.host)])}`,
    '',
    // The provider answers a host that is not ECR's with a token for the region of its AWS configuration.
    `[${provider}.environment]`,
    `AWS_REGION = ${JSON.stringify(cacheRegion)}`,
    '',
  ].join('\n');
}
