// The construct library, for this project's stacks and for other CDKTF stacks.
export * from './cache-repository-template';
export * from './cache-scanning';
export * from './cache-uri';
export * from './credential-secret';
export * from './ecr-facts';
export * from './ecr-upstream-role';
export * from './environments';
export * from './iam-policy';
export * from './image-reference';
export * from './manifest-rewrite';
export * from './node-pull-permissions';
export * from './policy-checks';
export * from './pull-through-cache-rule';
export * from './repository-template-checks';
export * from './repository-template-role';
export * from './rule-checks';
export * from './upstreams';
