/**
 * Whether a principal may make every call a pull through the cache makes (lib/aws/perms.ts, PULL_CALLS), decided by
 * IAM evaluation of the synthesized policies: its identity policies and, for a principal of another account than the
 * cache's, the resource policies AWS lets grant each call (the registry's permissions policy, the repository policy
 * the creation template puts on the repository), with the organization condition as AWS evaluates it.
 *
 * The evaluation is @cloud-copilot/iam-simulate's. It is AGPL-3.0-or-later and this project Apache-2.0: it is never
 * part of the published package or the bundle, and is loaded here, from where npm installed it, only when asked.
 */
import type { runSimulation as RunSimulation, Simulation } from '@cloud-copilot/iam-simulate';
import { accountPrincipalArn, parseArn } from '../lib/aws/arns';
import { repositoryArn } from '../lib/aws/ecr';
import { type PullCall, type PullKind, PULL_CALLS } from '../lib/aws/perms';
import { partitionOf } from '../lib/aws/regions';
import { CliError } from './cli-error';
import type { NamedPolicy, PolicyDocument, RolePolicies } from './synthesized-policies';

/** The npm package that evaluates IAM policies; an optional one, installed by the user. */
export const IAM_SIMULATE = '@cloud-copilot/iam-simulate';

export interface Simulator {
  readonly runSimulation: typeof RunSimulation;
}

/** The version the project tests with, as its package.json pins it. */
function testedVersion(): string | undefined {
  return (require('../package') as { devDependencies?: Record<string, string> }).devDependencies?.[IAM_SIMULATE];
}

/**
 * Loads iam-simulate where npm installed it (`load` stands in for `require` in tests); a CliError that says how to
 * install it when it is not there.
 */
export function loadSimulator(load: (id: string) => unknown = require): Simulator {
  try {
    return load(IAM_SIMULATE) as Simulator;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code !== 'MODULE_NOT_FOUND' || !message.includes(IAM_SIMULATE)) throw error;
    const version = testedVersion();
    throw new CliError(
      `can-pull evaluates IAM policies with ${IAM_SIMULATE}, which is not installed. It is AGPL-3.0-or-later, so this ` +
        `project does not ship it: install it with npm install --no-save ${IAM_SIMULATE}${version ? `@${version}` : ''} ` +
        '(npm ci installs it too, as a devDependency of a checkout)',
    );
  }
}

/** What a pull of one image by one principal is evaluated against. */
export interface PullQuestion {
  /** The role that pulls: `arn:<partition>:iam::<account>:role/<name>`. */
  readonly principalArn: string;
  /** The organization the principal's account belongs to, when known: `aws:PrincipalOrgID`. */
  readonly organizationId?: string;
  /** The policies the stacks give the principal. */
  readonly identity: RolePolicies;
  /** The cache's registry. */
  readonly cache: { readonly account: string; readonly region: string };
  /** The cache repository the image lands in. */
  readonly repositoryName: string;
  /** The tags the rule's creation template puts on the repository it creates. */
  readonly templateTags: Readonly<Record<string, string>>;
  readonly registryPolicy?: NamedPolicy;
  /** The creation template's repository policy: the policy of the repository the first pull creates. */
  readonly repositoryPolicy?: NamedPolicy;
}

export interface CallVerdict {
  readonly call: PullCall;
  readonly allowed: boolean;
  /** The statements that allowed it, or the one that denied it, or which side has no statement that allows it. */
  readonly decidedBy: string;
}

const statementsOf = (document: PolicyDocument): readonly Record<string, unknown>[] =>
  Array.isArray(document.Statement) ? (document.Statement as readonly Record<string, unknown>[]) : [document.Statement as Record<string, unknown>];

/** One resource policy made of several (the registry's and the repository's): their statements, and whose each is. */
interface MergedPolicy {
  readonly document?: PolicyDocument;
  /** The policy of the statement at each 1-based index, and its index there. */
  readonly origin: (index: number) => { readonly policy: NamedPolicy; readonly index: number };
  readonly names: readonly string[];
}

function mergedPolicy(policies: readonly NamedPolicy[]): MergedPolicy {
  const statements: Record<string, unknown>[] = [];
  const origins: { policy: NamedPolicy; index: number }[] = [];
  for (const policy of policies) {
    statementsOf(policy.document).forEach((statement, index) => {
      statements.push(statement);
      origins.push({ policy, index: index + 1 });
    });
  }
  return {
    ...(statements.length > 0 ? { document: { Version: '2012-10-17', Statement: statements } } : {}),
    origin: (index) => origins[index - 1],
    names: policies.map((policy) => policy.name),
  };
}

/** The calls a pull makes, in PULL_CALLS order: all of them, or those of a first or a later pull. */
export function pullCalls(templateTags: Readonly<Record<string, string>>, pull?: PullKind): PullCall[] {
  const tags = Object.keys(templateTags).length > 0;
  return PULL_CALLS.filter((call) => (tags || !call.whenTemplateTags) && (pull === undefined || call.pulls.includes(pull)));
}

const label = (sid: string | undefined, index: number) => (sid !== undefined ? `statement ${sid}` : `statement #${index} (no Sid)`);

/** Evaluates every call a first and a later pull make, each once, in PULL_CALLS order. */
export async function evaluatePull(simulator: Simulator, question: PullQuestion): Promise<CallVerdict[]> {
  const principalAccount = parseArn(question.principalArn)?.account;
  if (principalAccount === undefined) throw new Error(`${question.principalArn} is not an ARN`);
  const verdicts: CallVerdict[] = [];
  for (const call of pullCalls(question.templateTags)) verdicts.push(await evaluateCall(simulator, question, principalAccount, call));
  return verdicts;
}

async function evaluateCall(simulator: Simulator, question: PullQuestion, principalAccount: string, call: PullCall): Promise<CallVerdict> {
  const onRepository = call.resource === 'repository';
  const resource = onRepository
    ? { resource: repositoryArn(question.cache.account, question.cache.region, question.repositoryName), accountId: question.cache.account }
    : // A call on no resource is the principal's own account's: no resource policy takes part.
      { resource: '*', accountId: principalAccount };
  const granting = onRepository
    ? [
        ...(call.grantedBy.includes('registry policy') && question.registryPolicy ? [question.registryPolicy] : []),
        ...(call.grantedBy.includes('repository policy') && question.repositoryPolicy ? [question.repositoryPolicy] : []),
      ]
    : [];
  const resourcePolicy = mergedPolicy(granting);
  // Tags given when a repository is created are authorized with the request's tags (ecr-supported-iam-actions-tagging).
  const tagging = onRepository && ['ecr:CreateRepository', 'ecr:TagResource'].includes(call.action) && Object.keys(question.templateTags).length > 0;
  const simulation: Simulation = {
    request: {
      principal: question.principalArn,
      action: call.action,
      resource,
      contextVariables: {
        'aws:PrincipalArn': question.principalArn,
        'aws:PrincipalAccount': principalAccount,
        ...(question.organizationId !== undefined ? { 'aws:PrincipalOrgID': question.organizationId } : {}),
        ...(tagging
          ? {
              'aws:TagKeys': Object.keys(question.templateTags),
              ...Object.fromEntries(Object.entries(question.templateTags).map(([key, value]) => [`aws:RequestTag/${key}`, value])),
            }
          : {}),
      },
    },
    identityPolicies: question.identity.policies.map((policy) => ({ name: policy.name, policy: policy.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy.document ? { resourcePolicy: resourcePolicy.document } : {}),
  };
  const result = await simulator.runSimulation(simulation, {});
  if (result.resultType !== 'single') {
    throw new Error(`${IAM_SIMULATE} could not evaluate ${call.action} for ${question.principalArn}: ${result.resultType === 'error' ? result.errors.message : 'a wildcard resource'}`);
  }
  const { analysis } = result.result;
  const identityStatement = (policyId: string, sid: string | undefined, index: number) => `${policyId}, ${label(sid, index)}`;
  const resourceStatement = (sid: string | undefined, index: number) => {
    const origin = resourcePolicy.origin(index);
    return `${origin.policy.name}, ${label(sid, origin.index)}`;
  };
  const sameAccount = resource.accountId === principalAccount;

  if (result.overallResult === 'Allowed') {
    const byIdentity = analysis.identityAnalysis?.allowStatements[0];
    const byResource = analysis.resourceAnalysis?.allowStatements[0];
    const parts = [
      ...(byIdentity ? [identityStatement(byIdentity.policyId, byIdentity.statement.sid(), byIdentity.statement.index())] : []),
      ...(byResource && (!sameAccount || !byIdentity) ? [resourceStatement(byResource.statement.sid(), byResource.statement.index())] : []),
    ];
    return { call, allowed: true, decidedBy: parts.join('; ') };
  }

  const identityDeny = analysis.identityAnalysis?.denyStatements[0];
  if (identityDeny) return { call, allowed: false, decidedBy: `denied by ${identityStatement(identityDeny.policyId, identityDeny.statement.sid(), identityDeny.statement.index())}` };
  const resourceDeny = analysis.resourceAnalysis?.denyStatements[0];
  if (resourceDeny) return { call, allowed: false, decidedBy: `denied by ${resourceStatement(resourceDeny.statement.sid(), resourceDeny.statement.index())}` };

  const missing: string[] = [];
  const identityAllows = analysis.identityAnalysis?.result === 'Allowed';
  if (!identityAllows) {
    missing.push(
      question.identity.policies.length > 0
        ? `no statement of ${question.identity.policies.map((policy) => policy.name).join(', ')} allows it`
        : 'the stacks give this role no policy',
    );
  }
  const resourceAllows = ['Allowed', 'AllowedForAccount'].includes(analysis.resourceAnalysis?.result ?? '');
  if (!sameAccount && !resourceAllows) {
    const account = accountPrincipalArn(partitionOf(question.cache.region), principalAccount);
    missing.push(
      granting.length > 0
        ? `no statement of ${resourcePolicy.names.join(', ')} allows it for ${account}`
        : call.grantedBy.length > 0
          ? `the cache's account ${question.cache.account} has no ${call.grantedBy.join(' or ')} that could allow it for ${account}`
          : `only an identity policy of the cache's account ${question.cache.account} can allow it`,
    );
  }
  return { call, allowed: false, decidedBy: missing.join('; ') };
}
