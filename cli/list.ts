import { environmentsDirectory, loadEnvironments } from '../config/environments';
import { printTable } from './table';

/** What a pipeline needs of each environment: it builds its job matrix from `list --json`. */
export interface ListedEnvironment {
  readonly name: string;
  readonly stack: string;
  readonly account: string;
  readonly region: string;
  /** `s3` when the state is in a bucket, `local` when it lives on the machine that applies. */
  readonly state: 's3' | 'local';
}

/** Lists the environments (validating all of them, as synth does), as a table or as JSON. */
export function list(options: { environments?: string; json?: boolean }): number {
  const { environments } = loadEnvironments(environmentsDirectory(options.environments));
  const listed: ListedEnvironment[] = environments.map((environment) => ({
    name: environment.name,
    stack: environment.stackName,
    account: environment.account,
    region: environment.region,
    state: environment.state ? 's3' : 'local',
  }));
  if (options.json) {
    console.log(JSON.stringify(listed));
    return 0;
  }
  printTable([['NAME', 'STACK', 'ACCOUNT', 'REGION', 'STATE'], ...listed.map((item) => [item.name, item.stack, item.account, item.region, item.state])]);
  return 0;
}
