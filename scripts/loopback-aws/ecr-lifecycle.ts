/**
 * What ECR refuses in a lifecycle policy, as AWS documents it (ECR user guide, "Lifecycle policy properties" and
 * "Archiving an image"; API reference, PutLifecyclePolicy and CreateRepositoryCreationTemplate `lifecyclePolicy`:
 * 100-30720 characters), and what ECR's team and its users report the API refuses where the user guide is silent or
 * says more than the API accepts: `sinceImagePulled` only with the `transition` action (aws/containers-roadmap#921,
 * closed 2025-11-20 by ECR's team as done "paired with our new archival storage class"; #2728, open, asks for expiry).
 *
 * The loopback AWS checks a creation template's policy when the template is created or updated: a policy ECR would
 * refuse could otherwise only fail when a first pull creates a repository from the template.
 */
import { AwsError, text } from './protocol';

const COUNT_TYPES = ['imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned'];
const SINCE = ['sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned'];

interface Rule {
  rulePriority?: unknown;
  selection?: { tagStatus?: unknown; tagPatternList?: unknown; tagPrefixList?: unknown; countType?: unknown; countUnit?: unknown; countNumber?: unknown; storageClass?: unknown };
  action?: { type?: unknown; targetStorageClass?: unknown };
}

export function checkLifecyclePolicy(policy: string, member: string): void {
  const invalid = (why: string) => new AwsError('InvalidParameterException', `Invalid parameter at '${member}' failed to satisfy constraint: '${why}'`);
  if (policy.length < 100 || policy.length > 30720) throw invalid('Lifecycle policy text must be 100 to 30720 characters');
  let parsed: { rules?: unknown };
  try {
    parsed = JSON.parse(policy) as { rules?: unknown };
  } catch {
    throw invalid('Lifecycle policy validation failure: not JSON');
  }
  const rules = parsed.rules;
  if (!Array.isArray(rules) || rules.length === 0) throw invalid('Lifecycle policy validation failure: rules must be a non-empty list');
  const priorities = new Set<number>();
  // The highest priority of each storage class, and the priority of its `any` rules.
  const anyPriorities = new Map<string, number[]>();
  const highest = new Map<string, number>();
  for (const rule of rules as Rule[]) {
    const priority = rule.rulePriority;
    if (!Number.isInteger(priority) || (priority as number) < 1) throw invalid('rulePriority must be a positive integer');
    if (priorities.has(priority as number)) throw invalid(`rulePriority ${text(priority)} is used by more than one rule`);
    priorities.add(priority as number);
    const selection = rule.selection ?? {};
    const action = rule.action ?? {};
    const tagStatus = text(selection.tagStatus);
    if (!['tagged', 'untagged', 'any'].includes(tagStatus)) throw invalid(`tagStatus must be tagged, untagged or any, not ${tagStatus}`);
    const lists = [selection.tagPatternList, selection.tagPrefixList].filter((list) => list !== undefined);
    if (tagStatus === 'tagged' && lists.length !== 1) throw invalid('a tagged rule takes a tagPatternList or a tagPrefixList, not both');
    if (tagStatus !== 'tagged' && lists.length > 0) throw invalid('tagPatternList and tagPrefixList only apply to tagStatus tagged');
    for (const pattern of (selection.tagPatternList as unknown[] | undefined) ?? []) {
      if (text(pattern).split('*').length - 1 > 4) throw invalid('at most four wildcards per tag pattern');
    }
    const countType = text(selection.countType);
    if (!COUNT_TYPES.includes(countType)) throw invalid(`countType must be one of ${COUNT_TYPES.join(', ')}`);
    if (SINCE.includes(countType) && selection.countUnit !== 'days') throw invalid(`countUnit days is required with ${countType}`);
    if (!SINCE.includes(countType) && selection.countUnit !== undefined) throw invalid('countUnit only applies to the since* count types');
    if (!Number.isInteger(selection.countNumber) || (selection.countNumber as number) < 1) throw invalid('countNumber must be a positive integer');
    const storageClass = selection.storageClass === undefined ? 'standard' : text(selection.storageClass);
    if (!['standard', 'archive'].includes(storageClass)) throw invalid('storageClass must be standard or archive');
    if ((storageClass === 'archive') !== (countType === 'sinceImageTransitioned')) throw invalid('storageClass archive goes with countType sinceImageTransitioned, and only with it');
    const type = text(action.type);
    if (type !== 'expire' && type !== 'transition') throw invalid(`action type must be expire or transition, not ${type}`);
    if (type === 'transition' && action.targetStorageClass !== 'archive') throw invalid('a transition needs targetStorageClass archive');
    if (type === 'expire' && action.targetStorageClass !== undefined) throw invalid('targetStorageClass only applies to a transition');
    if (type === 'transition' && storageClass === 'archive') throw invalid('archived images can only expire');
    if (countType === 'sinceImagePulled' && type !== 'transition') throw invalid('sinceImagePulled only supports the transition action (archive)');
    // "Archived images have a minimum storage duration of 90 days. You cannot configure lifecycle policies that delete images that have been in archive for less than 90 days."
    if (countType === 'sinceImageTransitioned' && (selection.countNumber as number) < 90) throw invalid('images must stay archived at least 90 days');
    if (tagStatus === 'any') anyPriorities.set(storageClass, [...(anyPriorities.get(storageClass) ?? []), priority as number]);
    highest.set(storageClass, Math.max(highest.get(storageClass) ?? 0, priority as number));
  }
  // "A rule with a tagStatus value of any must have the highest value for rulePriority and be evaluated last"; AWS's
  // own example pairs an `any` archive rule with an `any` rule of the archive class, so the rule holds per storage class.
  for (const [storageClass, anys] of anyPriorities) {
    if (anys.length > 1 || anys[0] !== highest.get(storageClass)) throw invalid(`the rule with tagStatus any must have the highest rulePriority of the ${storageClass} storage class`);
  }
}
