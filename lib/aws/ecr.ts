/**
 * Facts about Amazon ECR itself (not about any one upstream): prefixes, limits, registry hosts and repository ARNs,
 * scanning. Sources: ../shared/reference/ecr-pull-through-cache.md, the ECR API reference and terraform-provider-aws
 * (internal/service/ecr/pull_through_cache_rule.go).
 */
import { partitionOf } from './regions';

/** The `ecr_repository_prefix` that means "no prefix": the rule catches every repository. */
export const ROOT_PREFIX = 'ROOT';

/** Pull-through cache rules per registry (account + region). Not adjustable. */
export const MAX_RULES_PER_REGISTRY = 50;

/** ECR's service-linked role may only read secrets whose name starts with this, in its own account and region. */
export const CREDENTIAL_SECRET_NAME_PREFIX = 'ecr-pullthroughcache/';

/**
 * The default Secrets Manager key, as a key setting names it (its alias, or the alias's ARN): the only key a
 * pull-through cache rule's credential secret may use (ECR user guide, "Storing your upstream repository credentials in
 * an AWS Secrets Manager secret").
 */
export const isDefaultSecretsManagerKey = (key: unknown): boolean => typeof key === 'string' && /(^|:)alias\/aws\/secretsmanager$/.test(key);

/**
 * The provider's pattern for `ecr_repository_prefix` and `upstream_repository_prefix`: stricter than AWS's own
 * (one `.`, `_` or `-` between alphanumeric runs). We also refuse the trailing `/` both accept, because ECR
 * stores the prefix without it and the plan would never settle.
 */
const PREFIX_PATTERN = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

const PREFIX_LENGTH = { min: 2, max: 30 } as const;

/** Why `prefix` is not a valid repository prefix, or undefined when it is. `ROOT` is accepted. */
export function repositoryPrefixProblem(prefix: string): string | undefined {
  if (prefix === ROOT_PREFIX) return undefined;
  if (prefix.length < PREFIX_LENGTH.min || prefix.length > PREFIX_LENGTH.max) {
    return `"${prefix}" is ${prefix.length} character${prefix.length === 1 ? '' : 's'}; a prefix has ${PREFIX_LENGTH.min} to ${PREFIX_LENGTH.max}`;
  }
  if (prefix.endsWith('/')) return `drop the trailing "/" from "${prefix}": ECR always implies it`;
  if (!PREFIX_PATTERN.test(prefix)) {
    return (
      `"${prefix}" is not a valid prefix: use lower-case letters and digits, with a single ".", "_" or "-" ` +
      `between them and "/" between path components (for example "docker-hub" or "team/quay")`
    );
  }
  return undefined;
}

/**
 * `image_tag_mutability_exclusion_filter`: at most 5 filters, each 1-128 of these characters with at most two
 * wildcards (ECR API reference, ImageTagMutabilityExclusionFilter; the provider 6.x validates the same in
 * internal/service/ecr/repository_creation_template.go).
 */
export const TAG_FILTER = { pattern: /^[0-9a-zA-Z._*-]{1,128}$/, maxFilters: 5, maxWildcards: 2 } as const;

/** The private registry's host: `<account>.dkr.ecr.<region>.amazonaws.com`. */
export function privateRegistryHost(account: string, region: string): string {
  return `${account}.dkr.ecr.${region}.amazonaws.com`;
}

/** Reads `<account>.dkr.ecr.<region>.amazonaws.com` back into its parts. */
export function parsePrivateRegistryHost(host: string): { account: string; region: string } | undefined {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host);
  return match ? { account: match[1], region: match[2] } : undefined;
}

/** The registry URI a rule's images live under: what a Helm `image.registry` value needs. */
export function cacheRegistryUri(account: string, region: string, prefix: string): string {
  const host = privateRegistryHost(account, region);
  return prefix === ROOT_PREFIX ? host : `${host}/${prefix}`;
}

/** The repository filter that matches every repository of the registry. */
export const WHOLE_REGISTRY_FILTER = '*';

/** The names of the repositories a rule creates, as a wildcard: `<prefix>/*`; a ROOT rule covers the whole registry. */
export function cacheRepositoriesPattern(prefix: string): string {
  return prefix === ROOT_PREFIX ? WHOLE_REGISTRY_FILTER : `${prefix}/*`;
}

/** The ARN pattern of the repositories a rule creates. */
export function cacheRepositoriesArn(account: string, region: string, prefix: string): string {
  return `arn:${partitionOf(region)}:ecr:${region}:${account}:repository/${cacheRepositoriesPattern(prefix)}`;
}

/** The ARN of one repository of a registry. */
export function repositoryArn(account: string, region: string, repositoryName: string): string {
  return `arn:${partitionOf(region)}:ecr:${region}:${account}:repository/${repositoryName}`;
}

/** ECR registry scanning, as AWS names it: BASIC (free, on push) or ENHANCED (Amazon Inspector). One configuration per registry. */
export type ScanType = 'BASIC' | 'ENHANCED';

/** The scanning types in the words of the environment file and the constructs: basic (free, on push) or enhanced (Amazon Inspector). */
export const SCANNING_TYPES = ['basic', 'enhanced'] as const;
export type ScanningType = (typeof SCANNING_TYPES)[number];
/** How often images are scanned: on push (the cache's first store of an image), or continuously (enhanced only). */
export const SCANNING_FREQUENCIES = ['scan-on-push', 'continuous'] as const;
export type ScanningFrequency = (typeof SCANNING_FREQUENCIES)[number];

/** AWS's `scan_type` for a scanning type. */
export function awsScanType(type: ScanningType): ScanType {
  return type === 'enhanced' ? 'ENHANCED' : 'BASIC';
}

/** AWS's `scan_frequency` for a scanning frequency. */
export function awsScanFrequency(frequency: ScanningFrequency): 'SCAN_ON_PUSH' | 'CONTINUOUS_SCAN' {
  return frequency === 'continuous' ? 'CONTINUOUS_SCAN' : 'SCAN_ON_PUSH';
}

/**
 * What scanning only some repositories does to all the others. ECR user guide (image-scanning): "Any repositories
 * not matching a basic scanning scan on push filter will be set to the manual scan frequency"; "Any repositories
 * not matching an enhanced scanning filter will have scanning disabled."
 */
export function unscannedRepositoriesEffect(scanType: ScanType): string {
  return scanType === 'BASIC' ? 'is set to manual scanning (no scan on push)' : 'has scanning turned off (no Amazon Inspector coverage)';
}
