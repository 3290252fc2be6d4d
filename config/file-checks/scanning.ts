/** The registry's scanning configuration: what basic scanning can do, and what scanning only the cache costs the rest. */
import { awsScanType, unscannedRepositoriesEffect } from '../../lib/aws/ecr';
import type { FileCheck } from './context';

export const scanning: FileCheck = ({ settings, registry, add, warn }) => {
  const scanning = settings?.scanning;
  if (scanning?.type === 'basic' && scanning.frequency === 'continuous') {
    add(['scanning', 'frequency'], 'continuous scanning needs type: enhanced; basic scanning scans on push');
  }
  if (scanning?.scope === 'cache' && registry) {
    warn(
      ['scanning', 'scope'],
      `scans only the cache prefixes: every other repository of account ${registry.account} in ${registry.region} ` +
        `${unscannedRepositoriesEffect(awsScanType(scanning.type))}, for as long as this stack owns the registry's scanning configuration`,
    );
  }
};
