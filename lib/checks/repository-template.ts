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
  /** With `archiveAfterDaysUnpulled`: archived images are deleted after this many days, the least ECR allows. */
  deleteArchivedAfterDays: 90,
} as const;

/**
 * The least time an image may stay archived before a lifecycle rule deletes it (ECR user guide, "Archiving an image":
 * "You cannot configure lifecycle policies that delete images that have been in archive for less than 90 days").
 */
export const MIN_DAYS_IN_ARCHIVE = 90;

/**
 * The least `archiveAfterDaysUnpulled`: ECR "refreshes the last image pull timestamp at least once every 24 hours"
 * (API reference, ImageDetail.lastRecordedPullTime), so the time a rule reads can be a day older than the last pull.
 * With 1, an image a node pulled within the last day could be archived; 2 leaves the day of staleness and a day of use.
 */
export const MIN_DAYS_UNPULLED = 2;

/**
 * Why a cache repository's lifecycle cannot expire an image by its last pull: ECR takes `countType: sinceImagePulled`
 * only with the `transition` (archive) action. AWS's user guide lists the count type, but ECR's team closed the request
 * for it as done "paired with our new archival storage class" (aws/containers-roadmap#921, 2025-11-20), the API
 * refuses it with `expire` (the same thread; #2728, open), and archived images answer pulls with 404 (user guide,
 * "Archiving an image").
 */
export const EXPIRE_BY_PULL_PROBLEM =
  'ECR cannot expire an image by its last pull: sinceImagePulled only archives (aws/containers-roadmap#921, #2728), and an archived image answers pulls with 404. ' +
  'Use archiveAfterDaysUnpulled to archive unpulled images (deleted deleteArchivedAfterDays later), or leave it out to keep expiry by push age';

/** Pull-time update exclusions per account (ECR user guide, "Pull-time update exclusions": "up to 100 exclusions per account"). */
export const MAX_PULL_TIME_EXCLUSIONS = 100;

/** Why `arn` cannot be excluded from recording pull times: an exclusion names an IAM role or user. */
export function pullTimeExclusionProblem(arn: string): string | undefined {
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== 'iam' || !/^(role|user)\/./.test(parsed.resource)) {
    return `"${arn}" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)`;
  }
  return undefined;
}

/** How the cache repositories of one prefix are created: what an environment file's `repositories` says. */
export interface RepositoryTemplateSettings {
  /** @default 7 */
  readonly expireUntaggedAfterDays?: number;
  /** @default 100 */
  readonly keepImages?: number;
  /** @default MUTABLE */
  readonly tagMutability?: CacheTagMutability;
  /**
   * Archive a tagged image when no one has pulled it for this many days (`sinceImagePulled`, the only use-based rule
   * ECR takes), at least 2. An archived image answers pulls with 404 until someone restores it: a node that needs it
   * again fails to pull it. Off unless set.
   * @default - never archive
   */
  readonly archiveAfterDaysUnpulled?: number;
  /**
   * With `archiveAfterDaysUnpulled`: delete an image this many days after it was archived (at least 90, ECR's minimum).
   * @default 90
   */
  readonly deleteArchivedAfterDays?: number;
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
  const archive = settings.archiveAfterDaysUnpulled;
  if (archive !== undefined && (!Number.isInteger(archive) || archive < MIN_DAYS_UNPULLED)) {
    problems.push({
      field: 'archiveAfterDaysUnpulled',
      message: `${archive} would archive images a node pulled within the last day: ECR refreshes an image's last pull time only once every 24 hours; use ${MIN_DAYS_UNPULLED} or more`,
    });
  }
  const deleteAfter = settings.deleteArchivedAfterDays;
  if (deleteAfter !== undefined && archive === undefined) {
    problems.push({ field: 'deleteArchivedAfterDays', message: 'only applies with archiveAfterDaysUnpulled: nothing is archived without it' });
  } else if (deleteAfter !== undefined && (!Number.isInteger(deleteAfter) || deleteAfter < MIN_DAYS_IN_ARCHIVE)) {
    problems.push({ field: 'deleteArchivedAfterDays', message: `${deleteAfter} is too soon: ECR deletes archived images after ${MIN_DAYS_IN_ARCHIVE} days at the earliest` });
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

/** Archiving by use: after how many days without a pull, and how long archived images are kept. */
export interface ArchiveByUse {
  readonly afterDaysUnpulled: number;
  readonly deleteAfterDays: number;
}

/**
 * The lifecycle policy of cache repositories: expire untagged images, keep a bounded number, and with `archive`, archive
 * tagged images no one pulled for a while and delete them once archived long enough. Every expiry is by push age or
 * count unless `archive` is given: ECR has no expiry by last pull (EXPIRE_BY_PULL_PROBLEM). The archive rule selects
 * tagged images (tagPatternList `*`) so that the one `any` rule of the standard storage class, the count limit, has the
 * highest priority of its class, as ECR requires (user guide, lifecycle policy properties, rulePriority); the rule on
 * archived images is the `any` rule of the archive class (as AWS's own example pairs them: user guide, lifecycle policy
 * examples, "Filtering on last pulled time").
 */
export function cacheLifecyclePolicy(expireUntaggedAfterDays: number, keepImages: number, archive?: ArchiveByUse): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${expireUntaggedAfterDays} days`,
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: expireUntaggedAfterDays },
        action: { type: 'expire' },
      },
      ...(archive
        ? [
            {
              rulePriority: 2,
              description: `Archive tagged images not pulled for ${archive.afterDaysUnpulled} days`,
              selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'sinceImagePulled', countUnit: 'days', countNumber: archive.afterDaysUnpulled },
              action: { type: 'transition', targetStorageClass: 'archive' },
            },
          ]
        : []),
      {
        rulePriority: archive ? 3 : 2,
        description: `Keep at most ${keepImages} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keepImages },
        action: { type: 'expire' },
      },
      ...(archive
        ? [
            {
              rulePriority: 4,
              description: `Delete images archived for ${archive.deleteAfterDays} days`,
              selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: archive.deleteAfterDays },
              action: { type: 'expire' },
            },
          ]
        : []),
    ],
  });
}
