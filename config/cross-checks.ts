/**
 * Checks across environment files: what two environments in one account or registry must not both do. A registry
 * (account and region) has one set of rules, one rule per prefix, one scanning configuration; an account one role of
 * a name.
 */
import { MAX_RULES_PER_REGISTRY } from '../lib/aws/ecr';
import type { Environment } from './environment';
import type { Problem } from './problems';

/** The folder the environments come from: what every cross check sees. */
export interface Folder {
  readonly environments: readonly Environment[];
  /** The names of every environment file of the folder, valid or not. */
  readonly names: ReadonlySet<string>;
  /** Reports a warning, which does not fail. */
  readonly warn: (warning: Problem) => void;
  /** True for a file whose problems are reported: the files checked, not the rest of the folder around them. */
  readonly reported: (file: string) => boolean;
}

export type CrossCheck = (folder: Folder) => Problem[];

/** A registry, as the key of what it has one of. */
const registryOf = (environment: Environment) => `${environment.account}/${environment.region}`;

/** The environments of each registry (account and region). */
function byRegistry(environments: readonly Environment[]): Environment[][] {
  const groups = new Map<string, Environment[]>();
  for (const environment of environments) {
    const key = registryOf(environment);
    groups.set(key, [...(groups.get(key) ?? []), environment]);
  }
  return [...groups.values()];
}

/** ECR's quota, 50 rules per registry, counts the rules of every environment that shares it. */
const ruleQuota: CrossCheck = ({ environments }) =>
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

/**
 * A registry has one rule per prefix. Each clash is reported once: in the later file, naming the first, or in the
 * first when only it is being reported (`check` of that one file).
 */
const duplicatePrefixes: CrossCheck = ({ environments, reported }) =>
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
        const [here, there] = reported(environment.file) || !reported(first.file) ? [environment, first] : [first, environment];
        problems.push({
          file: here.file,
          path: ['rules', rule.prefix],
          message:
            `${there.file} has a rule with the same prefix in account ${here.account}, ${here.region}; ` +
            'a registry has one rule per prefix: keep it in one file',
        });
      }
    }
    return problems;
  });

/**
 * What exists once per key (a registry's scanning configuration, a role name in an account): the first environment
 * that claims a key owns it, and every later one is refused, naming the first. `claim` gives the key, if any.
 */
function laterClaims(
  environments: readonly Environment[],
  claim: (environment: Environment) => string | undefined,
  problem: (later: Environment, first: Environment) => Omit<Problem, 'file'>,
): Problem[] {
  const owners = new Map<string, Environment>();
  const problems: Problem[] = [];
  for (const environment of environments) {
    const key = claim(environment);
    if (key === undefined) continue;
    const first = owners.get(key);
    if (first) problems.push({ file: environment.file, ...problem(environment, first) });
    else owners.set(key, environment);
  }
  return problems;
}

/** A registry has one scanning configuration: two environments would overwrite each other's. */
const scanningOwners: CrossCheck = ({ environments }) =>
  laterClaims(
    environments,
    (environment) => (environment.scanning ? registryOf(environment) : undefined),
    (later, first) => ({
      path: ['scanning'],
      message: `${first.file} already sets the scanning configuration of account ${later.account} in ${later.region}; a registry has one`,
    }),
  );

/** IAM is global: a role name is unique in an account, whatever the region. */
const nodeRoleOwners: CrossCheck = ({ environments }) =>
  laterClaims(
    environments,
    (environment) => (environment.nodes.createRole === undefined ? undefined : `${environment.account}/${environment.nodes.createRole}`),
    (later, first) => ({
      path: ['nodes', 'createRole'],
      message: `${first.file} already creates the role "${later.nodes.createRole}" in account ${later.account}; IAM role names are unique per account`,
    }),
  );

/** A registry has one permissions policy: two hubs in one registry would replace each other's (provider #35940). */
const registryPolicyOwners: CrossCheck = ({ environments }) =>
  laterClaims(
    environments,
    (environment) => (environment.consumers ? registryOf(environment) : undefined),
    (later, first) => ({
      path: ['consumers'],
      message:
        `${first.file} already owns the registry policy of account ${later.account} in ${later.region}; ` +
        'a registry has one, and the second would replace the first: list every consumer in one file',
    }),
  );

/**
 * A consumer's hub: an environment of the folder with rules, that lets the consumer's account pull (by listing it,
 * or through its organization, which cannot be checked offline), best in the consumer's own region.
 */
const consumersOfHubs: CrossCheck = ({ environments, names, warn }) => {
  const problems: Problem[] = [];
  for (const consumer of environments) {
    if (!consumer.cacheFrom) continue;
    const at = { file: consumer.file, path: ['cacheFrom'] };
    const hub = environments.find((candidate) => candidate.name === consumer.cacheFrom!.name);
    if (!names.has(consumer.cacheFrom.name)) {
      problems.push({ ...at, message: `no environment "${consumer.cacheFrom.name}" in this folder (it has ${[...names].join(', ')})` });
    } else if (!hub) {
      problems.push({ ...at, message: `${consumer.cacheFrom.name} has problems of its own: check it first` });
    } else if (hub.cacheFrom) {
      problems.push({ ...at, message: `${hub.name} is a consumer itself (cacheFrom: ${hub.cacheFrom.name}): name the hub whose cache it pulls through` });
    } else if (consumer.account !== hub.account && !(hub.consumers?.accounts ?? []).includes(consumer.account)) {
      if (hub.consumers?.organization === undefined) {
        problems.push({
          ...at,
          message: `${hub.file} does not let account ${consumer.account} pull through its cache: add it to its consumers.accounts, or give it a consumers.organization`,
        });
      } else {
        warn({
          ...at,
          message: `account ${consumer.account} pulls through ${hub.name} as a member of ${hub.consumers.organization}: membership cannot be checked offline`,
        });
      }
    }
    if (hub && !hub.cacheFrom && hub.region !== consumer.region) {
      warn({
        ...at,
        message:
          `${hub.name}'s cache is in ${hub.region}, these nodes in ${consumer.region}: every pull crosses regions (transfer costs), and ` +
          `registry mirrors on the nodes need the credential provider's AWS_REGION set to ${hub.region} (node-config does)`,
      });
    }
  }
  return problems;
};

export const CROSS_CHECKS: readonly CrossCheck[] = [ruleQuota, duplicatePrefixes, scanningOwners, nodeRoleOwners, registryPolicyOwners, consumersOfHubs];

/** Consumers with their hubs found: what their stacks and the commands need of the hub. */
export function withHubs(environments: readonly Environment[]): Environment[] {
  return environments.map((environment) => {
    const hub = environment.cacheFrom && environments.find((candidate) => candidate.name === environment.cacheFrom!.name && !candidate.cacheFrom);
    if (!environment.cacheFrom || !hub) return environment;
    const { name, file, stackName, account, region, rules, repositories, consumers, allowUnlistedRegion } = hub;
    return {
      ...environment,
      cacheFrom: {
        name: environment.cacheFrom.name,
        hub: {
          name,
          file,
          stackName,
          account,
          region,
          rules,
          repositories,
          ...(consumers ? { consumers } : {}),
          ...(allowUnlistedRegion ? { allowUnlistedRegion } : {}),
        },
      },
    };
  });
}
