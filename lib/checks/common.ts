/** What the rule and template checks share: the registry compared with, tokens, role ARNs. */
import { parseArn } from '../aws/arns';
import type { RegionOptions } from '../aws/regions';

/** The private registry (account + region) that holds the cache. */
export interface CacheRegistry extends RegionOptions {
  readonly account: string;
  readonly region: string;
}

/**
 * Tells a value only known at apply (a cdktf token: another resource's ARN) from a literal. The checks run on
 * literals only; the constructs pass cdktf's `Token.isUnresolved`, and files hold no tokens.
 */
export type IsToken = (value: string) => boolean;
export const NO_TOKENS: IsToken = () => false;

/** The registry to compare with, when its account and region are literals. */
export function literalRegistry(registry: CacheRegistry | undefined, isToken: IsToken): CacheRegistry | undefined {
  return registry && !isToken(registry.account) && !isToken(registry.region) ? registry : undefined;
}

/** The role for an ECR upstream lives in the cache registry's account. */
export function roleArnProblem(roleArn: string, registry?: CacheRegistry): string | undefined {
  const arn = parseArn(roleArn);
  if (!arn || arn.service !== 'iam' || !arn.resource.startsWith('role/')) {
    return `"${roleArn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`;
  }
  if (registry && arn.account !== registry.account) {
    return `role ${roleArn} is in account ${arn.account}; it must be in the cache's account ${registry.account}`;
  }
  return undefined;
}
