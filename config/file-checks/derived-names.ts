/**
 * Names that a rule's prefix gives to what Terraform and IAM track by name: the rule's Terraform address, its
 * credential variable, the role a cross-account ECR upstream gets. Two rules must not share one.
 */
import { terraformName } from '../../lib/aws/names';
import { createsUpstreamRole, type RuleSettings, secretValueVariableName, upstreamRoleName } from '../../lib/checks/rule';
import type { FileCheck } from './context';

export const derivedNames: FileCheck = ({ rules, registry, add }) => {
  const kinds = [
    {
      field: undefined,
      of: (rule: RuleSettings) =>
        registry && createsUpstreamRole(rule, registry) ? upstreamRoleName(rule.prefix, registry.region) : undefined,
      message: (name: string, other: string) => `its upstream role ${name} would also be rule ${other}'s: rename one of the prefixes`,
    },
    {
      field: undefined,
      of: (rule: RuleSettings) => terraformName(rule.prefix),
      message: (name: string, other: string) => `its Terraform address name ${name} is also rule ${other}'s: rename one of the prefixes`,
    },
    {
      field: 'secretValueVersion',
      of: (rule: RuleSettings) => (rule.secretValueVersion === undefined ? undefined : secretValueVariableName(rule.prefix)),
      message: (name: string, other: string) => `its variable ${name} is also rule ${other}'s: rename one of the prefixes`,
    },
  ] as const;
  for (const { field, of, message } of kinds) {
    const owners = new Map<string, string>();
    for (const rule of rules) {
      const name = of(rule);
      if (name === undefined) continue;
      const other = owners.get(name);
      if (other !== undefined) add(['rules', rule.prefix, ...(field ? [field] : [])], message(name, other));
      owners.set(name, rule.prefix);
    }
  }
};
