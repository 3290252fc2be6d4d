import { Token } from 'cdktf';
import type { IsToken } from '../checks/common';

/** A value only known at apply (another resource's attribute): the checks leave its format to the provider. */
export const isToken: IsToken = (value) => Token.isUnresolved(value);

/** Throws `<where>: <problem>` when a literal value breaks AWS's rules; a token's format is the provider's to check. */
export function checkLiteral(where: string, value: string | undefined, problemOf: (literal: string) => string | undefined): void {
  const problem = value === undefined || isToken(value) ? undefined : problemOf(value);
  if (problem !== undefined) throw new Error(`${where}: ${problem}`);
}
