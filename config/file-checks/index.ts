/** The checks of one environment file, applied in this order; each reports through its context. */
import { allowDeletions } from './allow-deletions';
import { alerts } from './alerts';
import type { FileCheck } from './context';
import { derivedNames } from './derived-names';
import { consumerAccounts, hubOrConsumer } from './estate';
import { nodeRoles } from './node-roles';
import { pullTimeExclusions } from './pull-time-exclusions';
import { regions } from './regions';
import { repositoryTemplates } from './repository-templates';
import { ruleFields, ruleOverlaps, ruleQuota } from './rules';
import { scanning } from './scanning';
import { schemaIssues } from './schema';

export type { FileCheck, FileContext } from './context';

export const FILE_CHECKS: readonly FileCheck[] = [
  schemaIssues,
  regions,
  ruleFields,
  repositoryTemplates,
  derivedNames,
  ruleQuota,
  ruleOverlaps,
  scanning,
  alerts,
  pullTimeExclusions,
  nodeRoles,
  hubOrConsumer,
  consumerAccounts,
  allowDeletions,
];
