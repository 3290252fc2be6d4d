import type { App } from 'cdktf';
import type { Environment } from '../lib/environments';
import { EcrCacheStack } from './ecr-cache-stack';

export { EcrCacheStack } from './ecr-cache-stack';

/** One stack per environment. */
export function buildStacks(app: App, environments: readonly Environment[]): EcrCacheStack[] {
  return environments.map((environment) => new EcrCacheStack(app, environment));
}
