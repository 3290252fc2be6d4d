/**
 * PullThroughCache, the registry-level construct: what a CDKTF app gets from addRule, grantPull, addScanning and the
 * mapping helpers, used directly rather than through an environment file.
 */
import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import { EcrRegistryScanningConfiguration } from '@cdktf/provider-aws/lib/ecr-registry-scanning-configuration';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { EksNodeRole } from '../lib/eks-node-role';
import { PullThroughCache } from '../lib/pull-through-cache';
import { parseStack, resourcesOf } from './support/stacks';

const REGISTRY = { account: '123456789012', region: 'eu-west-2' } as const;
const C = '123456789012.dkr.ecr.eu-west-2.amazonaws.com';

/** A stack with the AWS provider, as an app has. */
function newStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), 'platform');
  new AwsProvider(stack, 'aws', { region: REGISTRY.region });
  return stack;
}

function newCache() {
  const stack = newStack();
  return { stack, cache: new PullThroughCache(stack, 'cache', REGISTRY) };
}

describe('PullThroughCache', () => {
  it('covers in its pull policy and its scanning the rules added after them, and grants both kinds of role', () => {
    const { stack, cache } = newCache();
    cache.addRule('quay', { upstream: 'quay' });
    const nodes = new EksNodeRole(stack, 'nodes', { roleName: 'platform-node', region: REGISTRY.region });
    cache.grantPull(nodes.role);
    cache.grantPull('legacy-node');
    cache.addScanning({ scanType: 'BASIC', scope: 'cache' });
    cache.addRule('k8s', { upstream: 'k8s' });
    const synthesized = parseStack(Testing.synth(stack, true));

    const [policy] = resourcesOf(synthesized, IamPolicy.tfResourceType);
    expect(policy!.name).toBe('platform-node-pull');
    expect(JSON.parse(policy!.policy as string).Statement[1].Resource).toEqual([
      'arn:aws:ecr:eu-west-2:123456789012:repository/quay/*',
      'arn:aws:ecr:eu-west-2:123456789012:repository/k8s/*',
    ]);
    expect(Object.keys(synthesized.resource[IamRolePolicyAttachment.tfResourceType]!).filter((name) => name.endsWith('cache_pull')).sort()).toEqual([
      'legacy_node_cache_pull',
      'node_cache_pull',
    ]);
    expect(resourcesOf(synthesized, EcrRegistryScanningConfiguration.tfResourceType)[0]!.rule).toEqual([
      { scan_frequency: 'SCAN_ON_PUSH', repository_filter: ['quay/*', 'k8s/*'].map((filter) => ({ filter, filter_type: 'WILDCARD' })) },
    ]);
  });

  it('gives every rule its creation template, and creates one template role for those that need it', () => {
    const stack = newStack();
    const cache = new PullThroughCache(stack, 'cache', { ...REGISTRY, repositories: { keepImages: 50 } });
    cache.addRule('quay', { upstream: 'quay' });
    cache.addRule('tagged', { upstream: 'k8s', repositories: { tags: { team: 'platform' } } });
    cache.addRule('secure', { upstream: 'ecr-public', repositories: { kmsKey: 'arn:aws:kms:eu-west-2:123456789012:key/abc-123' } });
    const synthesized = parseStack(Testing.synth(stack, true));
    const templates = synthesized.resource.aws_ecr_repository_creation_template!;
    expect(Object.keys(templates).sort()).toEqual(['quay', 'secure', 'tagged']);
    expect(JSON.parse(templates.quay!.lifecycle_policy as string).rules[1].selection.countNumber).toBe(50);
    expect(templates.quay!.custom_role_arn).toBeUndefined();
    expect(templates.tagged!.custom_role_arn).toBe('${aws_iam_role.repository_template.arn}');
    expect(resourcesOf(synthesized, IamRole.tfResourceType).map((role) => role.name)).toEqual(['platform-repository-template']);
    const [rolePolicy] = resourcesOf(synthesized, IamRolePolicy.tfResourceType);
    expect(JSON.parse(rolePolicy!.policy as string).Statement.map((statement: { Resource: string[] }) => statement.Resource)).toEqual([
      ['arn:aws:ecr:eu-west-2:123456789012:repository/tagged/*', 'arn:aws:ecr:eu-west-2:123456789012:repository/secure/*'],
      ['arn:aws:kms:eu-west-2:123456789012:key/abc-123'],
    ]);
    expect(resourcesOf(synthesized, EcrPullThroughCacheRule.tfResourceType)).toHaveLength(3);
  });

  it('maps registry URIs and image references through the rules it has', () => {
    const { cache } = newCache();
    cache.addRule('docker-hub', { upstream: 'docker-hub' });
    expect(cache.registryUri('docker-hub')).toBe(`${C}/docker-hub`);
    expect(cache.cacheImageUri('nginx:1.27')).toBe(`${C}/docker-hub/library/nginx:1.27`);
    expect(() => cache.cacheImageUri('quay.io/a/b')).toThrow('no rule pulls through from quay.io');
  });

  it('refuses a pull policy that covers no rule', () => {
    const { stack, cache } = newCache();
    cache.grantPull('eks-node');
    expect(() => Testing.synth(stack, true)).toThrow('PullThroughCache: the pull policy covers no rule; add one');
  });
});
