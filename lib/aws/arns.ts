/** AWS account IDs and ARNs. */

export const ACCOUNT_PATTERN = /^\d{12}$/;

/** Why `account` cannot be an AWS account ID, or undefined when it can. */
export function accountProblem(account: string): string | undefined {
  if (!ACCOUNT_PATTERN.test(account)) return `"${account}" is not a 12-digit AWS account ID`;
  // Twelve zeros is a placeholder, never an account: the provider's allowed_account_ids would refuse every apply.
  if (/^0+$/.test(account)) return `"${account}" is a placeholder, not an AWS account ID`;
  return undefined;
}

export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

export function parseArn(arn: string): Arn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, account, ...resource] = parts as [string, string, string, string, string, ...string[]];
  return { partition, service, region, account, resource: resource.join(':') };
}

/** An AWS Organization's ID, as `aws:PrincipalOrgID` takes it (Organizations API reference, Organization.Id). */
export const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;

/** The ARN that names every principal of an account in a policy: `arn:<partition>:iam::<account>:root`. */
export function accountPrincipalArn(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:root`;
}
