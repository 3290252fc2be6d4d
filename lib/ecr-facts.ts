/**
 * Facts about Amazon ECR itself (not about any one upstream) that the constructs and the environment
 * validation share. Sources: ../shared/reference/ecr-pull-through-cache.md, the ECR API reference and
 * terraform-provider-aws (internal/service/ecr/pull_through_cache_rule.go).
 */
import { closest } from 'fastest-levenshtein';
import { AWS_PARTITIONS, AWS_SDK_VERSION } from './aws-regions';

/** The `ecr_repository_prefix` that means "no prefix": the rule catches every repository. */
export const ROOT_PREFIX = 'ROOT';

/** Pull-through cache rules per registry (account + region). Not adjustable. */
export const MAX_RULES_PER_REGISTRY = 50;

/** ECR's service-linked role may only read secrets whose name starts with this, in its own account and region. */
export const CREDENTIAL_SECRET_NAME_PREFIX = 'ecr-pullthroughcache/';

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

export const REGION_PATTERN = /^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$/;

const KNOWN_REGIONS = new Set(AWS_PARTITIONS.flatMap((partition) => partition.regions));
const PARTITION_PATTERNS = AWS_PARTITIONS.map((partition) => ({ id: partition.id, pattern: new RegExp(partition.pattern) }));

/** The AWS partition of a region, by the SDK's partition patterns; `aws` for a name none matches. */
export function partitionOf(region: string): string {
  return PARTITION_PATTERNS.find(({ pattern }) => pattern.test(region))?.id ?? 'aws';
}

/** True for a region of the AWS SDK's partitions (lib/aws-regions.ts). */
export function isKnownRegion(region: string): boolean {
  return KNOWN_REGIONS.has(region);
}

export interface RegionOptions {
  /**
   * Accept a region name that matches a partition's pattern but that this tool's list (the AWS SDK's) does not have
   * yet: for a region AWS opened after it. Environment files say so with `allowUnlistedRegion: true`.
   * @default false
   */
  readonly allowUnlistedRegion?: boolean;
}

/** Why `region` is not the name of an AWS region, or undefined when it is. */
export function regionNameProblem(region: string, options: RegionOptions = {}): string | undefined {
  if (isKnownRegion(region)) return undefined;
  const suggestion = `did you mean "${closest(region, [...KNOWN_REGIONS])}"?`;
  const partition = PARTITION_PATTERNS.find(({ pattern }) => pattern.test(region));
  if (partition === undefined || !REGION_PATTERN.test(region)) return `"${region}" is not an AWS region name (${suggestion})`;
  if (options.allowUnlistedRegion) return undefined;
  return (
    `"${region}" is not a region this tool knows (${suggestion}); if AWS opened it after the AWS SDK ${AWS_SDK_VERSION} ` +
    'this tool ships, set allowUnlistedRegion: true'
  );
}

/** Why pull-through cache cannot live in `region`, or undefined when it can. */
export function regionProblem(region: string, options: RegionOptions = {}): string | undefined {
  const nameProblem = regionNameProblem(region, options);
  if (nameProblem) return nameProblem;
  const partition = partitionOf(region);
  if (partition === 'aws-cn') return `pull-through cache is not available in the China regions ("${region}")`;
  if (partition === 'aws-us-gov') return `pull-through cache is not available in the GovCloud regions ("${region}")`;
  if (partition !== 'aws') {
    return `pull-through cache is only supported in the commercial "aws" partition; "${region}" is in "${partition}"`;
  }
  return undefined;
}

export const ACCOUNT_PATTERN = /^\d{12}$/;

/** Why `account` cannot be an AWS account ID, or undefined when it can. */
export function accountProblem(account: string): string | undefined {
  if (!ACCOUNT_PATTERN.test(account)) return `"${account}" is not a 12-digit AWS account ID`;
  // Twelve zeros is a placeholder, never an account: the provider's allowed_account_ids would refuse every apply.
  if (/^0+$/.test(account)) return `"${account}" is a placeholder, not an AWS account ID`;
  return undefined;
}

/**
 * AWS's limits on resource tags (Tagging AWS resources, "Tag naming limits and requirements"; IAM, Secrets Manager
 * and ECR enforce the same): 50 tags per resource, keys of 1-128 and values of 0-256 characters of these, and no key
 * that starts with `aws:`, which AWS reserves. The provider checks none of it: AWS refuses it at apply.
 */
export const TAG_LIMITS = { maxTags: 50, maxKeyLength: 128, maxValueLength: 256, reservedPrefix: 'aws:', characters: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u } as const;

/** Problems of a set of tags, by key (undefined for the set as a whole); `alsoApplied` counts tags added to them. */
export function tagProblems(tags: Readonly<Record<string, string>>, alsoApplied = 0): { key?: string; message: string }[] {
  const problems: { key?: string; message: string }[] = [];
  const count = Object.keys(tags).length + alsoApplied;
  if (count > TAG_LIMITS.maxTags) {
    const added = alsoApplied > 0 ? ` with the ${alsoApplied} the stack adds` : '';
    problems.push({ message: `has ${count} tags${added}; AWS allows at most ${TAG_LIMITS.maxTags} per resource` });
  }
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > TAG_LIMITS.maxKeyLength) problems.push({ key, message: `the key is ${key.length} characters; AWS allows 1 to ${TAG_LIMITS.maxKeyLength}` });
    if (key.toLowerCase().startsWith(TAG_LIMITS.reservedPrefix)) problems.push({ key, message: `keys that start with "${TAG_LIMITS.reservedPrefix}" are reserved for AWS` });
    if (value.length > TAG_LIMITS.maxValueLength) problems.push({ key, message: `the value is ${value.length} characters; AWS allows at most ${TAG_LIMITS.maxValueLength}` });
    if (!TAG_LIMITS.characters.test(key) || !TAG_LIMITS.characters.test(value)) {
      problems.push({ key, message: 'AWS allows letters, digits, spaces and _ . : / = + - @ in tags' });
    }
  }
  return problems;
}

/** The private registry's host: `<account>.dkr.ecr.<region>.amazonaws.com`. */
export function privateRegistryHost(account: string, region: string): string {
  return `${account}.dkr.ecr.${region}.amazonaws.com`;
}

/** Reads `<account>.dkr.ecr.<region>.amazonaws.com` back into its parts. */
export function parsePrivateRegistryHost(host: string): { account: string; region: string } | undefined {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host);
  return match ? { account: match[1]!, region: match[2]! } : undefined;
}

/** The registry URI a rule's images live under: what a Helm `image.registry` value needs. */
export function cacheRegistryUri(account: string, region: string, prefix: string): string {
  const host = privateRegistryHost(account, region);
  return prefix === ROOT_PREFIX ? host : `${host}/${prefix}`;
}

/** The ARN pattern of the repositories a rule creates; a ROOT rule covers the whole registry. */
export function cacheRepositoriesArn(account: string, region: string, prefix: string): string {
  const repositories = prefix === ROOT_PREFIX ? '*' : `${prefix}/*`;
  return `arn:${partitionOf(region)}:ecr:${region}:${account}:repository/${repositories}`;
}

export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

export function parseArn(arn: string): Arn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, account, ...resource] = parts as [string, string, string, string, string, ...string[]];
  return { partition, service, region, account, resource: resource.join(':') };
}

/** ECR registry scanning: BASIC (free, on push) or ENHANCED (Amazon Inspector). One configuration per registry. */
export type ScanType = 'BASIC' | 'ENHANCED';
/** The repository filter that matches every repository of the registry. */
export const WHOLE_REGISTRY_FILTER = '*';

/**
 * What scanning only some repositories does to all the others. ECR user guide (image-scanning): "Any repositories
 * not matching a basic scanning scan on push filter will be set to the manual scan frequency"; "Any repositories
 * not matching an enhanced scanning filter will have scanning disabled."
 */
export function unscannedRepositoriesEffect(scanType: ScanType): string {
  return scanType === 'BASIC' ? 'is set to manual scanning (no scan on push)' : 'has scanning turned off (no Amazon Inspector coverage)';
}
