/** The production guard's override: the addresses a reviewed change may delete or replace, in a production environment only. */
import type { FileCheck } from './context';

export const allowDeletions: FileCheck = ({ settings, add }) => {
  const addresses = settings?.allowDeletions;
  if (addresses === undefined) return;
  // scripts/plan-guard.mjs guards production stacks only: anywhere else the list would say what nothing reads.
  if (settings?.production !== true) {
    add(['allowDeletions'], 'only a production: true environment is guarded, so nothing reads this list: remove it, or set production: true');
  }
  addresses.forEach((address, index) => {
    if (addresses.indexOf(address) !== index) add(['allowDeletions', index], `"${address}" is listed twice`);
  });
};
