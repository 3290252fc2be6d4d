export { buildStacks, PolicyFindingsError, synthesize } from './app';
export { EcrCacheStack } from './ecr-cache-stack';
