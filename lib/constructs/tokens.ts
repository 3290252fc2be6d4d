import { Token } from 'cdktf';
import type { IsToken } from '../checks/common';

/** A value only known at apply (another resource's attribute): the checks leave its format to the provider. */
export const isToken: IsToken = (value) => Token.isUnresolved(value);
