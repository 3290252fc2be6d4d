/**
 * AWS's rules for the repository creation templates of the cache, shared by the environment-file validation and
 * the CacheRepositoryTemplate construct. No provider classes here: `check` and the CLI load this without cdktf.
 */
import { parseArn } from '../aws/arns';
import { TAG_FILTER } from '../aws/ecr';
import { type CacheRegistry, type IsToken, literalRegistry, NO_TOKENS, roleArnProblem } from './common';

/** Tag mutability a cache can live with: IMMUTABLE would stop ECR from refreshing a tag from upstream. */
export const CACHE_TAG_MUTABILITIES = ['MUTABLE', 'MUTABLE_WITH_EXCLUSION'] as const;
export type CacheTagMutability = (typeof CACHE_TAG_MUTABILITIES)[number];
export const IMMUTABLE_TAGS_PROBLEM = 'IMMUTABLE stops the cache from refreshing a tag from upstream: use MUTABLE or MUTABLE_WITH_EXCLUSION';

export const TEMPLATE_DEFAULTS = {
  /** Untagged images (superseded by a newer pull of the same tag) expire after this many days. */
  expireUntaggedAfterDays: 7,
  /** At most this many images per cache repository; the oldest expire first and are pulled again if needed. */
  keepImages: 100,
  tagMutability: 'MUTABLE',
} as const;

/** How the cache repositories of one prefix are created: what an environment file's `repositories` says. */
export interface RepositoryTemplateSettings {
  /** @default 7 */
  readonly expireUntaggedAfterDays?: number;
  /** @default 100 */
  readonly keepImages?: number;
  /** @default MUTABLE */
  readonly tagMutability?: CacheTagMutability;
  /** With MUTABLE_WITH_EXCLUSION: wildcard filters of the tags that are immutable. */
  readonly immutableTags?: readonly string[];
  /**
   * Encrypt with this KMS key (in the cache's region) instead of AES256; needs a template role.
   * @default - AES256
   */
  readonly kmsKey?: string;
  /**
   * Tags of the repositories ECR creates; needs a template role.
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * The role ECR uses to apply KMS encryption or tags (trusted by ecr.amazonaws.com).
   * @default - none; the stack creates one when KMS or tags need it
   */
  readonly roleArn?: string;
}

export interface TemplateProblem {
  readonly field?: keyof RepositoryTemplateSettings;
  readonly message: string;
}

/** AWS's rules for a creation template of the cache. */
export function repositoryTemplateProblems(settings: RepositoryTemplateSettings, registry?: CacheRegistry, isToken: IsToken = NO_TOKENS): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const known = literalRegistry(registry, isToken);
  const mutability = settings.tagMutability as string | undefined;
  if (mutability?.startsWith('IMMUTABLE')) problems.push({ field: 'tagMutability', message: IMMUTABLE_TAGS_PROBLEM });
  const filters = settings.immutableTags ?? [];
  if (mutability === 'MUTABLE_WITH_EXCLUSION' && filters.length === 0) {
    problems.push({ field: 'immutableTags', message: 'MUTABLE_WITH_EXCLUSION needs the tag filters that are immutable' });
  }
  if (mutability !== 'MUTABLE_WITH_EXCLUSION' && filters.length > 0) {
    problems.push({ field: 'immutableTags', message: 'only applies with tagMutability: MUTABLE_WITH_EXCLUSION' });
  }
  if (filters.length > TAG_FILTER.maxFilters) {
    problems.push({ field: 'immutableTags', message: `has ${filters.length} filters; ECR allows at most ${TAG_FILTER.maxFilters}` });
  }
  for (const filter of filters.filter((candidate) => !isToken(candidate))) {
    if (!TAG_FILTER.pattern.test(filter) || filter.split('*').length - 1 > TAG_FILTER.maxWildcards) {
      problems.push({
        field: 'immutableTags',
        message: `"${filter}" is not a tag filter: 1-128 letters, digits, ".", "_" or "-", with at most ${TAG_FILTER.maxWildcards} wildcards "*"`,
      });
    }
  }
  if (settings.kmsKey !== undefined && !isToken(settings.kmsKey)) {
    const arn = parseArn(settings.kmsKey);
    if (!arn || arn.service !== 'kms' || !/^key\/[\w-]+$/.test(arn.resource)) {
      problems.push({ field: 'kmsKey', message: `"${settings.kmsKey}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)` });
    } else if (known && arn.region !== known.region) {
      problems.push({ field: 'kmsKey', message: `the key is in ${arn.region}; ECR needs a key in the cache's region ${known.region}` });
    }
  }
  if (settings.roleArn !== undefined && !isToken(settings.roleArn)) {
    const problem = roleArnProblem(settings.roleArn, known);
    if (problem) problems.push({ field: 'roleArn', message: problem });
  }
  return problems;
}

/**
 * True when the template tags the repositories it creates: ECR then needs a role to create them, and the principal
 * whose pull creates one needs ecr:TagResource (ECR user guide, pull-through-cache-iam).
 */
export function templateTags(settings: RepositoryTemplateSettings): boolean {
  return Object.keys(settings.tags ?? {}).length > 0;
}

/** True when ECR needs a role to create repositories from these settings. */
export function templateNeedsRole(settings: RepositoryTemplateSettings): boolean {
  return settings.kmsKey !== undefined || templateTags(settings);
}

/** The lifecycle policy of cache repositories: expire untagged images, keep a bounded number. */
export function cacheLifecyclePolicy(expireUntaggedAfterDays: number, keepImages: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${expireUntaggedAfterDays} days`,
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: expireUntaggedAfterDays },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `Keep at most ${keepImages} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keepImages },
        action: { type: 'expire' },
      },
    ],
  });
}
