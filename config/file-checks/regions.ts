/** The cache's region, and the state bucket's: regions the AWS SDK knows, or unlisted ones the file allows. */
import { regionNameProblem, regionProblem } from '../../lib/aws/regions';
import type { FileCheck } from './context';

export const regions: FileCheck = ({ raw, regionOptions, add }) => {
  if (typeof raw.region === 'string') {
    const problem = regionProblem(raw.region, regionOptions);
    if (problem) add(['region'], problem);
  }
  const stateRegion = (raw.state as Record<string, unknown> | undefined)?.region;
  if (typeof stateRegion === 'string') {
    const problem = regionNameProblem(stateRegion, regionOptions);
    if (problem) add(['state', 'region'], problem);
  }
};
