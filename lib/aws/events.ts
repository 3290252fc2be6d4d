/**
 * Amazon ECR's EventBridge events for the pull-through cache (ECR user guide, "Amazon ECR events and EventBridge",
 * "Event for a pull through cache action"): source `aws.ecr`, detail-type `ECR Pull Through Cache Action`, and in
 * `detail` the fields `sync-status` (SUCCESS or FAILED), `ecr-repository-prefix`, `repository-name`,
 * `upstream-registry-url`, `image-tag`, `image-digest`, and on failure `failure-code` and `failure-reason` (the event's
 * schema, as the EventBridge schema registry publishes it for aws.ecr@ECRPullThroughCacheAction). ECR sends them on a
 * best-effort basis.
 */
import { ROOT_PREFIX } from './ecr';

export const ECR_EVENT_SOURCE = 'aws.ecr';
export const PULL_THROUGH_CACHE_ACTION = 'ECR Pull Through Cache Action';
/** The `sync-status` of a pull-through cache action that failed. */
export const SYNC_FAILED = 'FAILED';

/** The EventBridge event pattern of a cache's failed pull-through cache actions (EventBridge user guide, "Event patterns"). */
export interface CacheFailurePattern {
  readonly source: readonly string[];
  readonly 'detail-type': readonly string[];
  readonly detail: { readonly 'sync-status': readonly string[]; readonly 'ecr-repository-prefix'?: readonly string[] };
}

/**
 * The failed actions of these rules' prefixes. A ROOT rule takes the whole registry: AWS documents no value of
 * `ecr-repository-prefix` for it, so the pattern then leaves the prefix out rather than miss its failures.
 */
export function cacheFailurePattern(prefixes: readonly string[]): CacheFailurePattern {
  const byPrefix = !prefixes.includes(ROOT_PREFIX);
  return {
    source: [ECR_EVENT_SOURCE],
    'detail-type': [PULL_THROUGH_CACHE_ACTION],
    detail: { 'sync-status': [SYNC_FAILED], ...(byPrefix ? { 'ecr-repository-prefix': [...prefixes].sort() } : {}) },
  };
}

/** The service principal EventBridge acts as when it delivers to a target (EventBridge user guide, "Using resource-based policies"). */
export const EVENTBRIDGE_PRINCIPAL = 'events.amazonaws.com';
