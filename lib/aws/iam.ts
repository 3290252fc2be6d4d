/** IAM policy documents as plain, deterministic JSON: readable in `cdktf synth` output and in a plan diff. */
import { REGISTRY_LOGIN_ACTION } from './perms';

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Record<string, string | string[]> | '*';
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export function policyDocument(...statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/**
 * A trust policy that lets an AWS service assume the role, exactly as AWS documents it for the services this
 * project trusts: no condition. ECR's documented trust policies for the pull-through cache upstream role
 * (pullthroughcache.ecr.amazonaws.com, user guide pull-through-cache-private) and the creation-template role
 * (ecr.amazonaws.com, user guide repository-creation-templates-create-iam) carry none, and nothing AWS publishes says
 * ECR sends aws:SourceAccount or aws:SourceArn when it assumes them: a condition on a key it does not send would make
 * every assume fail, and with it the first pull.
 */
export function serviceTrustPolicy(service: string): string {
  return policyDocument({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' });
}

/** The ARN of an AWS managed policy. */
export function awsManagedPolicyArn(partition: string, name: string): string {
  return `arn:${partition}:iam::aws:policy/${name}`;
}

/** Registry login, on `*`: the one ECR action that cannot be scoped to a repository. */
export const REGISTRY_LOGIN_STATEMENT: PolicyStatement = {
  Sid: 'RegistryLogin',
  Effect: 'Allow',
  Action: REGISTRY_LOGIN_ACTION,
  Resource: '*',
};

/** Who a resource policy grants to: whole accounts, every account of an organization, or both. */
export interface PolicyPrincipals {
  /** Accounts, as `arn:<partition>:iam::<account>:root`. */
  readonly accountArns: readonly string[];
  readonly organization?: string;
}

/**
 * The statements of a resource policy that grant `actions` to accounts and to an organization: an account is its
 * root ARN; an organization is every principal (`*`) whose `aws:PrincipalOrgID` is it (IAM user guide,
 * reference_policies_condition-keys, aws:PrincipalOrgID).
 */
export function principalStatements(sid: string, principals: PolicyPrincipals, actions: readonly string[], resource?: string | readonly string[]): PolicyStatement[] {
  const scoped = resource === undefined ? {} : { Resource: typeof resource === 'string' ? resource : [...resource] };
  return [
    ...(principals.accountArns.length > 0
      ? [{ Sid: `${sid}Accounts`, Effect: 'Allow' as const, Principal: { AWS: [...principals.accountArns] }, Action: [...actions], ...scoped }]
      : []),
    ...(principals.organization !== undefined
      ? [
          {
            Sid: `${sid}Organization`,
            Effect: 'Allow' as const,
            Principal: '*' as const,
            Action: [...actions],
            ...scoped,
            Condition: { StringEquals: { 'aws:PrincipalOrgID': principals.organization } },
          },
        ]
      : []),
  ];
}
