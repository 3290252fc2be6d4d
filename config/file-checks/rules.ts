/** Each rule against AWS's rules (lib/checks/rule.ts), and the prefix of a rule whose fields do not parse. */
import { MAX_RULES_PER_REGISTRY, repositoryPrefixProblem, ROOT_PREFIX } from '../../lib/aws/ecr';
import { ruleProblems } from '../../lib/checks/rule';

/** The one upstream AWS documents a ROOT rule for. */
const ROOT_PREFIX_UPSTREAM = 'ecr';
import { ruleSchema } from '../schema';
import type { FileCheck } from './context';

export const ruleFields: FileCheck = ({ raw, rules, registry, add }) => {
  const rawRules = raw.rules;
  if (rawRules === null || typeof rawRules !== 'object' || Array.isArray(rawRules)) return;
  if (Object.keys(rawRules).length === 0) add(['rules'], 'needs at least one rule');
  for (const [prefix, rawRule] of Object.entries(rawRules)) {
    if (ruleSchema.safeParse(rawRule).success) continue;
    const problem = repositoryPrefixProblem(prefix);
    if (problem) add(['rules', prefix], problem);
  }
  for (const rule of rules) {
    for (const problem of ruleProblems(rule, registry)) {
      add(problem.field && problem.field !== 'prefix' ? ['rules', rule.prefix, problem.field] : ['rules', rule.prefix], problem.message);
    }
  }
};

/** ECR's quota: 50 rules per registry, not adjustable (files sharing a registry: cross-checks.ts). */
export const ruleQuota: FileCheck = ({ raw, add }) => {
  const count = raw.rules !== null && typeof raw.rules === 'object' ? Object.keys(raw.rules).length : 0;
  if (count > MAX_RULES_PER_REGISTRY) add(['rules'], `has ${count} rules; ECR allows at most ${MAX_RULES_PER_REGISTRY} per account and region`);
};

/** What ECR does with prefixes that overlap: warned, not refused. */
export const ruleOverlaps: FileCheck = ({ raw, rules, warn }) => {
  for (const outer of rules) {
    for (const inner of rules) {
      if (outer.prefix === ROOT_PREFIX || !inner.prefix.startsWith(`${outer.prefix}/`)) continue;
      warn(
        ['rules', inner.prefix],
        `nests inside rule ${outer.prefix}: ECR serves ${inner.prefix}/... from this rule, so images of ${outer.upstream} ` +
          `whose path starts with ${inner.prefix.slice(outer.prefix.length + 1)}/ cannot be pulled through ${outer.prefix}`,
      );
    }
  }
  const root = rules.find((rule) => rule.prefix === ROOT_PREFIX);
  if (root && root.upstream !== ROOT_PREFIX_UPSTREAM) {
    // The only page that documents ROOT as a rule's prefix is about ECR-to-ECR rules; none says ECR accepts it for another upstream.
    warn(
      ['rules', ROOT_PREFIX],
      `AWS documents the ROOT prefix for ECR-to-ECR rules only (ECR user guide, "Customizing repository prefixes for ECR to ECR pull through cache"), ` +
        `not for ${root.upstream}: ECR may refuse it. Give the rule a prefix of its own (for example ${root.upstream})`,
    );
  }
  if (root) {
    const consumers = raw.consumers === undefined ? '' : ', and the registry policy lets every consumer account do the same';
    warn(['rules', ROOT_PREFIX], `a ROOT rule covers the whole registry: the node policy lets nodes create and import into every repository${consumers}`);
  }
};
