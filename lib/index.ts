/**
 * The construct library: what another CDKTF app imports. Nothing reachable from here reads files or environment
 * variables; the environment files, the stacks and the command line are the app built on top of it.
 */
// The registry-level construct and the constructs it is made of.
export * from './constructs/pull-through-cache';
export * from './constructs/pull-through-cache-rule';
export * from './constructs/credential-secret';
export * from './constructs/ecr-upstream-role';
export * from './constructs/cache-repository-template';
export * from './constructs/repository-template-role';
export * from './constructs/cache-scanning';
export * from './constructs/cache-alerts';
export * from './constructs/pull-time-update-exclusion';
export * from './constructs/eks-node-role';
export * from './constructs/propagation-wait';
export * from './constructs/addresses';
// The upstream catalogue and the facts about AWS the constructs check against.
export * from './aws/upstreams';
export * from './aws/ecr';
export * from './aws/events';
export * from './aws/regions';
export * from './aws/arns';
export * from './aws/tags';
export * from './aws/iam';
export * from './aws/perms';
export * from './aws/names';
// AWS's rules for a rule and a creation template, as pure functions.
export * from './checks/common';
export * from './checks/rule';
export * from './checks/consumers';
export * from './checks/alerts';
export * from './checks/repository-template';
// Image references and their cache URIs; rewriting manifests.
export * from './images/image-reference';
export * from './images/cache-uri';
export * from './images/manifest-rewrite';
// The policy checks (cdk-nag style).
export * from './policy/policy-checks';
export * from './nodes';
