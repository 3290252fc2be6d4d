/** IAM policy documents as plain, deterministic JSON: readable in `cdktf synth` output and in a plan diff. */

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Record<string, string | string[]>;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export function policyDocument(...statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** A trust policy that lets an AWS service assume the role, optionally only on behalf of one account. */
export function serviceTrustPolicy(service: string, sourceAccount?: string): string {
  return policyDocument({
    Effect: 'Allow',
    Principal: { Service: service },
    Action: 'sts:AssumeRole',
    // Guards against the confused-deputy problem: the service may assume the role only for this account.
    ...(sourceAccount ? { Condition: { StringEquals: { 'aws:SourceAccount': sourceAccount } } } : {}),
  });
}

/** The ARN of an AWS managed policy. */
export function awsManagedPolicyArn(partition: string, name: string): string {
  return `arn:${partition}:iam::aws:policy/${name}`;
}

/** Registry login: needed by every principal that pulls, and the one ECR action that cannot be scoped. */
export const REGISTRY_LOGIN_STATEMENT: PolicyStatement = {
  Sid: 'RegistryLogin',
  Effect: 'Allow',
  Action: 'ecr:GetAuthorizationToken',
  Resource: '*',
};
