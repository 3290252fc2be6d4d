/**
 * `can-pull`: may this environment's node role pull this image through the cache? Answered offline, by IAM evaluation
 * of the policies the stacks write (cli/pull-evaluation.ts), for the first pull (which creates the cache repository)
 * and for the pulls after it.
 */
import { cacheOf, type Environment, type Hub } from '../config/environment';
import { environmentsDirectory, loadEnvironment } from '../config/environments';
import { accountProblem, parseArn } from '../lib/aws/arns';
import type { PullKind } from '../lib/aws/perms';
import { roleNameProblem } from '../lib/aws/names';
import { partitionOf } from '../lib/aws/regions';
import { cacheImageUri, ImageMappingError, servingRule } from '../lib/images/cache-uri';
import { parseImageReference } from '../lib/images/image-reference';
import { CliError } from './cli-error';
import { type CallVerdict, evaluatePull, loadSimulator, type Simulator } from './pull-evaluation';
import { type RolePolicies, type SynthesizedPolicies, synthesizedPolicies } from './synthesized-policies';
import { printTable } from './table';

export interface CanPullOptions {
  readonly env: string;
  readonly environments?: string;
  /** A role name in the environment's account, or a role ARN of any account. */
  readonly role?: string;
}

/** A role that pulls, by ARN, with the parts the evaluation needs. */
export interface PullingRole {
  readonly arn: string;
  readonly account: string;
  readonly name: string;
}

const roleArn = (environment: Environment, name: string) => `arn:${partitionOf(environment.region)}:iam::${environment.account}:role/${name}`;

/** `--role`, or by default every node role of the environment (`nodes.createRole`, `nodes.existingRoles`). */
export function pullingRoles(environment: Environment, role: string | undefined): PullingRole[] {
  if (role === undefined) {
    const names = [...(environment.nodes.createRole !== undefined ? [environment.nodes.createRole] : []), ...environment.nodes.existingRoles];
    return names.map((name) => ({ arn: roleArn(environment, name), account: environment.account, name }));
  }
  if (role.startsWith('arn:')) {
    const arn = parseArn(role);
    const name = arn?.resource.startsWith('role/') ? arn.resource.split('/').pop() : undefined;
    if (!arn || arn.service !== 'iam' || name === undefined || name === '') {
      throw new CliError(`--role ${role}: not a role ARN (arn:aws:iam::<account>:role/<name>)`);
    }
    const problem = accountProblem(arn.account) ?? roleNameProblem(name);
    if (problem) throw new CliError(`--role ${role}: ${problem}`);
    return [{ arn: role, account: arn.account, name }];
  }
  const problem = roleNameProblem(role);
  if (problem) throw new CliError(`--role: ${problem}`);
  return [{ arn: roleArn(environment, role), account: environment.account, name: role }];
}

/** What the stacks of every environment in the role's account give it. */
function identityOf(role: PullingRole, synthesized: SynthesizedPolicies): RolePolicies {
  const given = synthesized.environments
    .filter((environment) => environment.account === role.account)
    .map((environment) => synthesized.stacks.get(environment.stackName)?.roles.get(role.name))
    .filter((policies) => policies !== undefined);
  return { policies: given.flatMap((policies) => policies.policies), notEvaluated: [...new Set(given.flatMap((policies) => policies.notEvaluated))] };
}

/**
 * The organization a role's account is taken to be in: the hub's, when the account is one of the folder's
 * environments that pull through it (a consumer says so with `cacheFrom`; membership cannot be checked offline).
 */
function organizationOf(role: PullingRole, cache: Hub, synthesized: SynthesizedPolicies): string | undefined {
  const organization = cache.consumers?.organization;
  if (organization === undefined) return undefined;
  const pullsThrough = synthesized.environments.some(
    (environment) => environment.account === role.account && (environment.name === cache.name || environment.cacheFrom?.name === cache.name),
  );
  return pullsThrough ? organization : undefined;
}

/** The verdicts of one pulling role. */
export interface RoleVerdicts {
  readonly role: PullingRole;
  /** The organization its account was taken to be in, when the cache's policies name one. */
  readonly organizationId?: string;
  readonly notEvaluated: readonly string[];
  readonly verdicts: readonly CallVerdict[];
}

/** The answer for one image: where it lands, and each role's verdicts; or why no role can pull it. */
export type PullAnswer =
  | { readonly mapped: true; readonly uri: string; readonly rule: string; readonly cache: Hub; readonly repositoryName: string; readonly tagged: boolean; readonly roles: readonly RoleVerdicts[] }
  | { readonly mapped: false; readonly cache: Hub; readonly reason: string };

/**
 * Evaluates, for each pulling role, every call a first and a later pull of `image` make through the environment's
 * cache, against the policies of the folder's synthesized stacks (synthesized here unless given).
 */
export async function pullVerdicts(image: string, options: CanPullOptions, simulator: Simulator, given?: SynthesizedPolicies): Promise<PullAnswer> {
  const folder = environmentsDirectory(options.environments);
  const environment = loadEnvironment(options.env, folder);
  const roles = pullingRoles(environment, options.role);
  const cache = cacheOf(environment);
  let uri: string;
  try {
    uri = cacheImageUri(cache, image);
  } catch (error) {
    if (!(error instanceof ImageMappingError)) throw error;
    return { mapped: false, cache, reason: error.message };
  }
  const repositoryName = parseImageReference(uri).path;
  const rule = servingRule(cache, repositoryName)!;
  const synthesized = given ?? synthesizedPolicies(folder);
  const hubStack = synthesized.stacks.get(cache.stackName)!;
  const template = hubStack.templates.get(rule.prefix);
  const templateTags = template?.tags ?? {};
  const answers: RoleVerdicts[] = [];
  for (const role of roles) {
    const identity = identityOf(role, synthesized);
    const organizationId = organizationOf(role, cache, synthesized);
    const verdicts = await evaluatePull(simulator, {
      principalArn: role.arn,
      ...(organizationId !== undefined ? { organizationId } : {}),
      identity,
      cache,
      repositoryName,
      templateTags,
      ...(hubStack.registryPolicy ? { registryPolicy: hubStack.registryPolicy } : {}),
      ...(template?.repositoryPolicy ? { repositoryPolicy: template.repositoryPolicy } : {}),
    });
    answers.push({ role, ...(organizationId !== undefined ? { organizationId } : {}), notEvaluated: identity.notEvaluated, verdicts });
  }
  return { mapped: true, uri, rule: rule.prefix, cache, repositoryName, tagged: Object.keys(templateTags).length > 0, roles: answers };
}

const PULLS: readonly PullKind[] = ['first', 'later'];

/**
 * `can-pull`: prints, for each pulling role, every call of a first and a later pull with allowed or denied and the
 * statement that decided; returns 1 when any is denied, or the image has no rule. iam-simulate is loaded first, so a
 * missing one is said before anything is synthesized.
 */
export async function canPull(image: string, options: CanPullOptions, simulator: Simulator = loadSimulator()): Promise<number> {
  const answer = await pullVerdicts(image, options, simulator);
  if (!answer.mapped) {
    console.error(`${answer.reason}\ndenied: ${image} does not pull through ${answer.cache.name}'s cache, so no node role can pull it from there`);
    return 1;
  }
  console.log(`${image} -> ${answer.uri}`);
  console.log(`rule ${answer.rule} of ${answer.cache.name}; cache repository ${answer.repositoryName}${answer.tagged ? ', tagged by its creation template' : ''}`);
  let denied = 0;
  let evaluated = 0;
  for (const { role, organizationId, notEvaluated, verdicts } of answer.roles) {
    console.log(`\n${role.arn}`);
    if (organizationId !== undefined && role.account !== answer.cache.account) {
      console.log(`assumed: account ${role.account} is in ${organizationId} (aws:PrincipalOrgID), as pulling through ${answer.cache.name} needs; membership cannot be checked offline`);
    }
    if (notEvaluated.length > 0) console.log(`not evaluated (the stacks write no document for them): ${notEvaluated.join(', ')}`);
    printTable([
      ['PULL', 'ACTION', 'RESULT', 'DECIDED BY'],
      ...PULLS.flatMap((pull) =>
        verdicts.filter((verdict) => verdict.call.pulls.includes(pull)).map((verdict) => [pull, verdict.call.action, verdict.allowed ? 'allowed' : 'DENIED', verdict.decidedBy]),
      ),
    ]);
    denied += verdicts.filter((verdict) => !verdict.allowed).length;
    evaluated += verdicts.length;
  }
  if (denied > 0) {
    console.error(`\ndenied: ${denied} of ${evaluated} calls; a node role needs every one to pull ${image} through the cache`);
    return 1;
  }
  return 0;
}
