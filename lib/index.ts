// The construct library, for this project's stacks and for other CDKTF stacks.
export * from './cache-uri';
export * from './credential-secret';
export * from './ecr-facts';
export * from './ecr-upstream-role';
export * from './environments';
export * from './image-reference';
export * from './manifest-rewrite';
export * from './node-pull-permissions';
export * from './pull-through-cache-rule';
export * from './rule-checks';
export * from './upstreams';
