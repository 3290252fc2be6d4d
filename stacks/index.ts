export { buildStacks, PolicyFindingsError, synthesize } from './app';
export { EcrCacheStack, requiredTerraformVersion } from './ecr-cache-stack';
