/** Who may pull through another account's cache: an AWS Organization, accounts, or both. */
import { accountProblem, ORGANIZATION_ID_PATTERN } from '../aws/arns';
import { type CacheRegistry, type IsToken, NO_TOKENS } from './common';

/** The other accounts a cache serves (a hub), in the words of the environment file. */
export interface CacheConsumers {
  /** Every account of this AWS Organization (`aws:PrincipalOrgID`), for example `o-a1b2c3d4e5`. */
  readonly organization?: string;
  /** These accounts. */
  readonly accounts?: readonly string[];
}

export interface ConsumersProblem {
  readonly field?: keyof CacheConsumers;
  /** The index in `accounts`. */
  readonly index?: number;
  readonly message: string;
}

export function consumersProblems(consumers: CacheConsumers, registry?: CacheRegistry, isToken: IsToken = NO_TOKENS): ConsumersProblem[] {
  const problems: ConsumersProblem[] = [];
  const accounts = consumers.accounts ?? [];
  if (consumers.organization === undefined && accounts.length === 0) {
    problems.push({ message: 'names no consumer: give an organization, accounts, or both' });
  }
  if (consumers.organization !== undefined && !isToken(consumers.organization) && !ORGANIZATION_ID_PATTERN.test(consumers.organization)) {
    problems.push({ field: 'organization', message: `"${consumers.organization}" is not an AWS Organization ID (o- and 10-32 lower-case letters or digits)` });
  }
  accounts.forEach((account, index) => {
    if (isToken(account)) return;
    const problem = accountProblem(account);
    if (problem) problems.push({ field: 'accounts', index, message: problem });
    else if (registry && !isToken(registry.account) && account === registry.account) {
      problems.push({ field: 'accounts', index, message: `${account} is the cache's own account: its nodes need no consumer grant` });
    } else if (accounts.indexOf(account) !== index) problems.push({ field: 'accounts', index, message: `${account} is listed twice` });
  });
  return problems;
}
