import { cacheOf } from '../config/environment';
import { environmentsDirectory, loadEnvironments } from '../config/environments';
import { cacheRegistryUri, privateRegistryHost } from '../lib/aws/ecr';
import { printTable } from './table';

/** What a pipeline needs of each environment: it builds its job matrix from `list --json`. */
export interface ListedEnvironment {
  readonly name: string;
  readonly stack: string;
  readonly account: string;
  readonly region: string;
  /** `s3` when the state is in a bucket, `local` when it lives on the machine that applies. */
  readonly state: 's3' | 'local';
  /** The environment whose cache its nodes pull through: itself, or a consumer's hub. */
  readonly cache: string;
  /** The registry host of that cache. */
  readonly registry: string;
  /** Where each rule's images are, by prefix. */
  readonly registryUris: Record<string, string>;
}

/** Lists the environments (validating all of them, as synth does), as a table or as JSON. */
export function list(options: { environments?: string; json?: boolean }): number {
  const { environments } = loadEnvironments(environmentsDirectory(options.environments));
  const listed: ListedEnvironment[] = environments.map((environment) => {
    const cache = cacheOf(environment);
    return {
      name: environment.name,
      stack: environment.stackName,
      account: environment.account,
      region: environment.region,
      state: environment.state ? 's3' : 'local',
      cache: cache.name,
      registry: privateRegistryHost(cache.account, cache.region),
      registryUris: Object.fromEntries(cache.rules.map((rule) => [rule.prefix, cacheRegistryUri(cache.account, cache.region, rule.prefix)])),
    };
  });
  if (options.json) {
    console.log(JSON.stringify(listed));
    return 0;
  }
  printTable([
    ['NAME', 'STACK', 'ACCOUNT', 'REGION', 'STATE', 'CACHE'],
    ...listed.map((item) => [item.name, item.stack, item.account, item.region, item.state, item.cache]),
  ]);
  return 0;
}
