/**
 * Checks across environment files: what two environments in one account or registry must not both do. A registry
 * (account and region) has one set of rules, one rule per prefix, one scanning configuration; an account one role of
 * a name.
 */
import { MAX_RULES_PER_REGISTRY } from '../lib/aws/ecr';
import type { Environment } from './environment';
import type { Problem } from './problems';

export type CrossCheck = (environments: readonly Environment[]) => Problem[];

/** The environments of each registry (account and region). */
function byRegistry(environments: readonly Environment[]): Environment[][] {
  const groups = new Map<string, Environment[]>();
  for (const environment of environments) {
    const key = `${environment.account}/${environment.region}`;
    groups.set(key, [...(groups.get(key) ?? []), environment]);
  }
  return [...groups.values()];
}

/** ECR's quota, 50 rules per registry, counts the rules of every environment that shares it. */
const ruleQuota: CrossCheck = (environments) =>
  byRegistry(environments).flatMap((sharing) => {
    const total = sharing.reduce((sum, environment) => sum + environment.rules.length, 0);
    if (sharing.length < 2 || total <= MAX_RULES_PER_REGISTRY) return [];
    const counts = sharing.map((environment) => `${environment.file} (${environment.rules.length})`).join(', ');
    return sharing.map((environment) => ({
      file: environment.file,
      path: ['rules'],
      message:
        `account ${environment.account} in ${environment.region} would have ${total} rules across ${counts}; ` +
        `ECR allows at most ${MAX_RULES_PER_REGISTRY} per account and region`,
    }));
  });

/** A registry has one rule per prefix. */
const duplicatePrefixes: CrossCheck = (environments) =>
  byRegistry(environments).flatMap((sharing) => {
    const problems: Problem[] = [];
    const owner = new Map<string, Environment>();
    for (const environment of sharing) {
      for (const rule of environment.rules) {
        const first = owner.get(rule.prefix);
        if (!first) {
          owner.set(rule.prefix, environment);
          continue;
        }
        for (const [here, there] of [
          [environment, first],
          [first, environment],
        ] as const) {
          problems.push({
            file: here.file,
            path: ['rules', rule.prefix],
            message: `${there.file} has a rule with the same prefix in account ${here.account}, ${here.region}; a registry has one rule per prefix`,
          });
        }
      }
    }
    return problems;
  });

/** A registry has one scanning configuration: two environments would overwrite each other's. */
const scanningOwners: CrossCheck = (environments) =>
  byRegistry(environments).flatMap((sharing) => {
    const scanning = sharing.filter((environment) => environment.scanning);
    return scanning.slice(1).map((environment) => ({
      file: environment.file,
      path: ['scanning'],
      message: `${scanning[0].file} already sets the scanning configuration of account ${environment.account} in ${environment.region}; a registry has one`,
    }));
  });

/** IAM is global: a role name is unique in an account, whatever the region. */
const nodeRoleOwners: CrossCheck = (environments) => {
  const problems: Problem[] = [];
  const owner = new Map<string, Environment>();
  for (const environment of environments) {
    const role = environment.nodes.createRole;
    if (role === undefined) continue;
    const key = `${environment.account}/${role}`;
    const first = owner.get(key);
    if (!first) owner.set(key, environment);
    else {
      problems.push({
        file: environment.file,
        path: ['nodes', 'createRole'],
        message: `${first.file} already creates the role "${role}" in account ${environment.account}; IAM role names are unique per account`,
      });
    }
  }
  return problems;
};

export const CROSS_CHECKS: readonly CrossCheck[] = [ruleQuota, duplicatePrefixes, scanningOwners, nodeRoleOwners];
