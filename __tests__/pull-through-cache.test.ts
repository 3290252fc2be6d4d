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
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { TerraformStack, Testing } from 'cdktf';
import { EksNodeRole } from '../lib/constructs/eks-node-role';
import { CacheRepositoryTemplate } from '../lib/constructs/cache-repository-template';
import { PullThroughCache } from '../lib/constructs/pull-through-cache';
import { PullThroughCacheRule } from '../lib/constructs/pull-through-cache-rule';
import { EcrUpstreamRole } from '../lib/constructs/ecr-upstream-role';
import { RepositoryTemplateRole } from '../lib/constructs/repository-template-role';
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
  return newCacheWith({});
}

function newCacheWith(props: Omit<ConstructorParameters<typeof PullThroughCache>[2], 'account' | 'region'>) {
  const stack = newStack();
  return { stack, cache: new PullThroughCache(stack, 'cache', { ...REGISTRY, ...props }) };
}

describe('PullThroughCache', () => {
  it('covers in its pull policy and its scanning the rules added after them, and grants both kinds of role', () => {
    const { stack, cache } = newCache();
    cache.addRule('quay', { upstream: 'quay' });
    const nodes = new EksNodeRole(stack, 'nodes', { roleName: 'platform-node', region: REGISTRY.region });
    cache.grantPull(nodes.role);
    cache.grantPull('legacy-node');
    cache.addScanning({ type: 'basic', scope: 'cache' });
    cache.addRule('k8s', { upstream: 'k8s' });
    const synthesized = parseStack(Testing.synth(stack, true));

    const [policy] = resourcesOf(synthesized, IamPolicy.tfResourceType);
    expect(policy.name).toBe('platform-node-pull');
    expect(JSON.parse(policy.policy as string).Statement[1].Resource).toEqual([
      'arn:aws:ecr:eu-west-2:123456789012:repository/quay/*',
      'arn:aws:ecr:eu-west-2:123456789012:repository/k8s/*',
    ]);
    expect(Object.keys(synthesized.resource[IamRolePolicyAttachment.tfResourceType]).filter((name) => name.endsWith('cache_pull')).sort()).toEqual([
      'legacy_node_cache_pull',
      'node_cache_pull',
    ]);
    expect(resourcesOf(synthesized, EcrRegistryScanningConfiguration.tfResourceType)[0].rule).toEqual([
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
    const templates = synthesized.resource.aws_ecr_repository_creation_template;
    expect(Object.keys(templates).sort()).toEqual(['quay', 'secure', 'tagged']);
    expect(JSON.parse(templates.quay.lifecycle_policy as string).rules[1].selection.countNumber).toBe(50);
    expect(templates.quay.custom_role_arn).toBeUndefined();
    expect(templates.tagged.custom_role_arn).toBe('${aws_iam_role.repository_template.arn}');
    expect(resourcesOf(synthesized, IamRole.tfResourceType).map((role) => role.name)).toEqual(['platform-repository-template']);
    const [rolePolicy] = resourcesOf(synthesized, IamRolePolicy.tfResourceType);
    expect(JSON.parse(rolePolicy.policy as string).Statement.map((statement: { Resource: string[] }) => statement.Resource)).toEqual([
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
    expect(() => Testing.synth(stack, true)).toThrow('platform/cache: the pull policy covers no rule; add one');
  });
  it('lets nodes and consumers tag the repositories of the rules whose creation template tags, and only those', () => {
    const { stack, cache } = newCacheWith({ consumers: { accounts: ['210987654321'] } });
    cache.addRule('quay', { upstream: 'quay' });
    cache.addRule('k8s', { upstream: 'k8s', repositories: { tags: { team: 'platform' } } });
    // A hub's registry-wide tags reach its consumers' policy through the rules' settings and the hub's.
    const consumer = newStack();
    const hub = PullThroughCache.fromRegistry(consumer, 'hub', {
      account: '210987654321',
      region: REGISTRY.region,
      repositories: { tags: { owner: 'hub' } },
      rules: [
        { prefix: 'quay', upstream: 'quay' },
        { prefix: 'k8s', upstream: 'k8s', repositories: { tags: {} } },
      ],
      pullPolicyName: 'hub-pull',
    });
    hub.grantPull('legacy-node');
    cache.grantPull('platform-node');
    const synthesized = parseStack(Testing.synth(stack, true));
    const policies = Object.fromEntries(
      [...resourcesOf(synthesized, IamPolicy.tfResourceType), ...resourcesOf(parseStack(Testing.synth(consumer, true)), IamPolicy.tfResourceType)].map((policy) => [
        policy.name,
        JSON.parse(policy.policy as string),
      ]),
    );
    expect(policies['platform-node-pull'].Statement[2]).toEqual({
      Sid: 'TagCacheRepositories',
      Effect: 'Allow',
      Action: ['ecr:TagResource'],
      Resource: ['arn:aws:ecr:eu-west-2:123456789012:repository/k8s/*'],
    });
    expect(policies['hub-pull'].Statement[2].Resource).toEqual(['arn:aws:ecr:eu-west-2:210987654321:repository/quay/*']);
    const [registry] = resourcesOf(synthesized, 'aws_ecr_registry_policy');
    expect(JSON.parse(registry.policy as string).Statement[1]).toEqual({
      Sid: 'ConsumersTagAccounts',
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::210987654321:root'] },
      Action: ['ecr:TagResource'],
      Resource: ['arn:aws:ecr:eu-west-2:123456789012:repository/k8s/*'],
    });
    // No template tags: no statement for it.
    const { stack: plain, cache: untagged } = newCache();
    untagged.addRule('quay', { upstream: 'quay' });
    untagged.grantPull('platform-node');
    const [policy] = resourcesOf(parseStack(Testing.synth(plain, true)), IamPolicy.tfResourceType);
    expect(JSON.stringify(policy.policy)).not.toContain('TagResource');
  });

});

describe('the constructs take tokens wherever they take an ARN or a name', () => {
  it('a rule uses a secret of the app by its ARN, and a template a key and a role of the app', () => {
    const stack = newStack();
    const secret = new SecretsmanagerSecret(stack, 'hub-secret', { name: 'ecr-pullthroughcache/hub', kmsKeyId: 'alias/app' });
    const key = new KmsKey(stack, 'key', { description: 'cache repositories' });
    const role = new IamRole(stack, 'template-role', { name: 'templates', assumeRolePolicy: '{"Version":"2012-10-17","Statement":[]}' });
    const rule = new PullThroughCacheRule(stack, 'hub', {
      ...REGISTRY,
      prefix: 'hub',
      upstream: 'docker-hub',
      secretArn: secret.arn,
      repositories: { kmsKey: key.arn, roleArn: role.arn, keepImages: 5 },
    });
    new CacheRepositoryTemplate(stack, 'other', { prefix: 'other', kmsKey: key.arn, roleArn: role.arn });
    const synthesized = parseStack(Testing.synth(stack));
    expect(synthesized.resource.aws_ecr_pull_through_cache_rule.hub.credential_arn).toBe('${aws_secretsmanager_secret.hub-secret.arn}');
    expect(rule.createdSecret).toBeUndefined();
    const templates = synthesized.resource.aws_ecr_repository_creation_template;
    expect(templates.hub.encryption_configuration).toEqual([{ encryption_type: 'KMS', kms_key: '${aws_kms_key.key.arn}' }]);
    expect(templates.hub.custom_role_arn).toBe('${aws_iam_role.template-role.arn}');
    // A rule's `repositories` is its template's: not accepted and ignored.
    expect(JSON.parse(templates.hub.lifecycle_policy as string).rules[1].selection.countNumber).toBe(5);
    expect(templates.other.encryption_configuration).toEqual([{ encryption_type: 'KMS', kms_key: '${aws_kms_key.key.arn}' }]);
  });

  it('a cache takes its account and region from data sources', () => {
    const stack = newStack();
    const identity = new DataAwsCallerIdentity(stack, 'me');
    const region = new DataAwsRegion(stack, 'here');
    const cache = new PullThroughCache(stack, 'cache', { account: identity.accountId, region: region.name });
    cache.addRule('quay', { upstream: 'quay' });
    cache.grantPull('eks-node');
    const synthesized = parseStack(Testing.synth(stack, true));
    const [policy] = resourcesOf(synthesized, IamPolicy.tfResourceType);
    expect(JSON.parse(policy.policy as string).Statement[1].Resource).toEqual([
      'arn:aws:ecr:${data.aws_region.here.name}:${data.aws_caller_identity.me.account_id}:repository/quay/*',
    ]);
  });

  it('still refuses what is wrong wherever the value comes from, and a token where a literal must be', () => {
    const stack = newStack();
    const secret = new SecretsmanagerSecret(stack, 'secret', { name: 'ecr-pullthroughcache/x' });
    expect(() => new PullThroughCacheRule(stack, 'quay', { ...REGISTRY, prefix: 'quay', upstream: 'quay', secretArn: secret.arn })).toThrow(
      'rule quay: secretArn: quay takes no credential secret',
    );
    expect(() => new PullThroughCacheRule(stack, 'named', { ...REGISTRY, prefix: secret.name, upstream: 'quay' })).toThrow(
      'prefix: must be a literal string, not a token',
    );
    expect(
      () => new PullThroughCacheRule(stack, 'ecr', { ...REGISTRY, prefix: 'ecr', upstream: 'ecr', registry: new DataAwsCallerIdentity(stack, 'other').accountId }),
    ).toThrow('give roleArn');
    expect(() => new PullThroughCache(stack, 'zeros', { account: '000000000000', region: 'eu-wset-2' })).toThrow(
      /^PullThroughCache: "000000000000" is a placeholder, not an AWS account ID; "eu-wset-2" is not a region this tool knows \(did you mean "eu-west-2"\?\)/,
    );
  });

  it("names the attachment of a token role name only when told how, for its own cache and a hub's", () => {
    const { stack, cache } = newCache();
    cache.addRule('quay', { upstream: 'quay' });
    const existing = new DataAwsCallerIdentity(stack, 'me').userId;
    expect(() => cache.grantPull(existing)).toThrow("grantPull: the role name is a token; give addressName, or the IamRole itself");
    cache.grantPull(existing, 'workers');
    const hub = PullThroughCache.fromRegistry(stack, 'hub', { account: '210987654321', region: REGISTRY.region, rules: [{ prefix: 'k8s', upstream: 'k8s' }] });
    hub.grantPull(existing, 'hub-workers');
    expect(Object.keys(parseStack(Testing.synth(stack)).resource.aws_iam_role_policy_attachment).sort()).toEqual(['hub_workers_cache_pull', 'workers_cache_pull']);
  });

  it('refuses a literal role name IAM would refuse, in every construct that creates a role', () => {
    const stack = newStack();
    const long = 'r'.repeat(65);
    expect(() => new EksNodeRole(stack, 'nodes', { roleName: long, region: REGISTRY.region })).toThrow(`EksNodeRole: role name "${long}" must be 1-64 characters`);
    expect(() => new RepositoryTemplateRole(stack, 'templates', { ...REGISTRY, roleName: 'has space' })).toThrow(
      'RepositoryTemplateRole: role name "has space" may hold only letters, digits and +=,.@_-',
    );
    const cache = new PullThroughCache(stack, 'cache', { ...REGISTRY, templateRoleName: long });
    expect(() => cache.addRule('quay', { upstream: 'quay', repositories: { tags: { team: 'platform' } } })).toThrow(
      `PullThroughCache templateRoleName: role name "${long}" must be 1-64 characters`,
    );
    expect(
      () => new PullThroughCacheRule(stack, 'other', { ...REGISTRY, prefix: 'other', upstream: 'ecr', registry: '210987654321.dkr.ecr.eu-west-2.amazonaws.com', upstreamRoleName: 'has space' }),
    ).toThrow(
      'rule other: upstreamRoleName: role name "has space" may hold only letters, digits and +=,.@_-',
    );
    expect(
      () => new EcrUpstreamRole(stack, 'upstream', { ...REGISTRY, roleName: 'upstream', prefix: 'x', registry: new DataAwsCallerIdentity(stack, 'u').accountId }),
    ).toThrow('EcrUpstreamRole: registry must be a literal ECR registry host, not a token');
  });
});

describe('one name per concept: the API takes the environment file\'s sections as they are', () => {
  it('secrets.recoveryWindowDays, scanning type and frequency, and nodes.cluster', () => {
    const stack = newStack();
    // The sections as an environment file writes them (config/schema.ts): the same keys and values.
    const file = {
      secrets: { recoveryWindowDays: 30 },
      scanning: { type: 'enhanced', frequency: 'continuous', scope: 'cache' },
      nodes: { cluster: 'platform' },
    } as const;
    const cache = new PullThroughCache(stack, 'cache', { ...REGISTRY, secrets: file.secrets });
    cache.addRule('hub', { upstream: 'docker-hub' });
    cache.addScanning(file.scanning);
    new EksNodeRole(stack, 'nodes', { roleName: 'platform-node', region: REGISTRY.region, ...file.nodes });
    const synthesized = parseStack(Testing.synth(stack));
    expect(resourcesOf(synthesized, SecretsmanagerSecret.tfResourceType)[0]).toMatchObject({ recovery_window_in_days: 30 });
    expect(resourcesOf(synthesized, EcrRegistryScanningConfiguration.tfResourceType)[0]).toMatchObject({
      scan_type: 'ENHANCED',
      rule: [{ scan_frequency: 'CONTINUOUS_SCAN', repository_filter: [{ filter: 'hub/*', filter_type: 'WILDCARD' }] }],
    });
    expect(synthesized.resource.aws_eks_access_entry.node).toMatchObject({ cluster_name: 'platform', type: 'EC2_LINUX' });
  });

  it('refuses basic scanning that is continuous, in the file\'s words', () => {
    const { cache } = newCache();
    cache.addRule('quay', { upstream: 'quay' });
    expect(() => cache.addScanning({ type: 'basic', frequency: 'continuous' })).toThrow('CacheScanning: basic scanning only scans on push; continuous needs type enhanced');
  });
});

describe("account and region default to the stack's", () => {
  const IDENTITY = '${data.aws_caller_identity.cache_registry.account_id}';
  const REGION = '${data.aws_region.cache_registry.region}';
  const pullResources = (synthesized: ReturnType<typeof parseStack>) => JSON.parse(resourcesOf(synthesized, IamPolicy.tfResourceType)[0].policy as string).Statement[1].Resource;

  it("takes the provider's region, and the account of Terraform's credentials as a token", () => {
    const stack = newStack();
    const cache = new PullThroughCache(stack, 'cache', {});
    cache.addRule('quay', { upstream: 'quay' });
    cache.grantPull('nodes');
    const synthesized = parseStack(Testing.synth(stack));
    expect(pullResources(synthesized)).toEqual([`arn:aws:ecr:eu-west-2:${IDENTITY}:repository/quay/*`]);
    expect(Object.keys(synthesized.data!)).toEqual(['aws_caller_identity']);
    expect(cache.region).toBe('eu-west-2');
  });

  it("takes the one account the provider allows, and reads the region when the provider names none", () => {
    const stack = new TerraformStack(Testing.app(), 'platform');
    new AwsProvider(stack, 'aws', { allowedAccountIds: ['111111111111'] });
    const cache = new PullThroughCache(stack, 'cache', {});
    cache.addRule('quay', { upstream: 'quay' });
    cache.grantPull(new EksNodeRole(stack, 'nodes', { roleName: 'platform-node' }).role);
    const synthesized = parseStack(Testing.synth(stack));
    expect(pullResources(synthesized)).toEqual([`arn:aws:ecr:${REGION}:111111111111:repository/quay/*`]);
    expect(Object.keys(synthesized.data!)).toEqual(['aws_region']);
    expect(synthesized.resource[IamRolePolicyAttachment.tfResourceType].node_AmazonEKSWorkerNodePolicy.policy_arn).toBe('arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy');
    expect(cache.account).toBe('111111111111');
  });

  it('still takes given values, and reads nothing then', () => {
    const stack = new TerraformStack(Testing.app(), 'platform');
    new AwsProvider(stack, 'aws', {});
    const cache = new PullThroughCache(stack, 'cache', REGISTRY);
    cache.addRule('quay', { upstream: 'quay' });
    cache.grantPull('nodes');
    const synthesized = parseStack(Testing.synth(stack));
    expect(pullResources(synthesized)).toEqual(['arn:aws:ecr:eu-west-2:123456789012:repository/quay/*']);
    expect(synthesized.data).toBeUndefined();
  });

  it("checks formats of resolved values only: a token region or account is compared with nothing, a given literal still is", () => {
    const stack = new TerraformStack(Testing.app(), 'platform');
    new AwsProvider(stack, 'aws', {});
    const cache = new PullThroughCache(stack, 'cache', {});
    // In another account and region than the cache's, which a token does not say: accepted, the provider checks it.
    cache.addRule('hub', { upstream: 'docker-hub', secretArn: 'arn:aws:secretsmanager:us-east-1:210987654321:secret:ecr-pullthroughcache/hub-AbCdEf' });
    cache.addRule('kms', { upstream: 'k8s', repositories: { kmsKey: 'arn:aws:kms:us-east-1:210987654321:key/abc-123' } });
    cache.addAlerts({ email: ['ops@example.com'] });
    expect(Testing.synth(stack)).toContain(REGION);
    expect(() => new PullThroughCache(new TerraformStack(Testing.app(), 'other'), 'cache', { account: '12345' })).toThrow(/PullThroughCache: .*12345/);
    expect(() => new PullThroughCache(new TerraformStack(Testing.app(), 'other'), 'cache', { region: 'mars-north-1' })).toThrow(/PullThroughCache: .*mars-north-1/);
  });

  it("names a created upstream role after a region only known at plan, within IAM's 64 characters", () => {
    const stack = new TerraformStack(Testing.app(), 'platform');
    new AwsProvider(stack, 'aws', { allowedAccountIds: ['123456789012'] });
    const cache = new PullThroughCache(stack, 'cache', {});
    cache.addRule('a-very-long-prefix-of-thirty-c', { upstream: 'ecr', registry: '210987654321.dkr.ecr.eu-west-2.amazonaws.com' });
    const [role] = resourcesOf(parseStack(Testing.synth(stack)), IamRole.tfResourceType);
    expect(role.name).toBe(`ecr-ptc-a-very-long-prefix-of-thirty-c-${REGION}`);
    expect((role.name as string).replace(REGION, 'ap-southeast-5').length).toBeLessThanOrEqual(64);
  });
});

describe('addRule', () => {
  it('refuses a second rule for the same prefix in its own words, naming the prefix and the cache', () => {
    const { cache } = newCache();
    cache.addRule('hub', { upstream: 'docker-hub' });
    expect(() => cache.addRule('hub', { upstream: 'quay' })).toThrow('PullThroughCache platform/cache: a rule for prefix "hub" is added already; a registry has one rule per prefix');
    expect(cache.rules.map((rule) => rule.prefix)).toEqual(['hub']);
  });
});

describe('no prop is silently ignored', () => {
  it.each([
    ['secretName on an upstream without credentials', { upstream: 'quay', secretName: 'mine' }, 'rule xy: secretName: no secret is created (quay needs no credential secret): remove it'],
    [
      'secret settings beside secretArn',
      { upstream: 'docker-hub', secretArn: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:ecr-pullthroughcache/x-AbCdEf', secretRecoveryWindowDays: 30, preventSecretDestroy: true },
      'rule xy: secretRecoveryWindowDays, preventSecretDestroy: no secret is created (secretArn names an existing secret): remove them',
    ],
    ['upstreamRoleName for a same-account ECR upstream', { upstream: 'ecr', registry: C.replace('eu-west-2', 'us-east-1'), upstreamRoleName: 'mine' }, "rule xy: upstreamRoleName: no upstream role is created (the upstream is not another account's ECR registry): remove it"],
    [
      'upstreamRoleName beside roleArn',
      { upstream: 'ecr', registry: '210987654321.dkr.ecr.eu-west-2.amazonaws.com', roleArn: 'arn:aws:iam::123456789012:role/mine', upstreamRoleName: 'mine' },
      'rule xy: upstreamRoleName: no upstream role is created (roleArn names an existing role): remove it',
    ],
  ] as const)('%s', (_, options, message) => {
    expect(() => new PullThroughCacheRule(newStack(), 'xy', { ...REGISTRY, prefix: 'xy', ...options })).toThrow(message);
  });

  it('asks for roleArn, not the removal of upstreamRoleName, when a token hides whether the upstream is cross-account', () => {
    const stack = newStack();
    const registry = new DataAwsCallerIdentity(stack, 'other').accountId;
    expect(() => new PullThroughCacheRule(stack, 'xy', { ...REGISTRY, prefix: 'xy', upstream: 'ecr', registry, upstreamRoleName: 'mine' })).toThrow(
      "rule xy: registry or account is a token, so whether the upstream is another account's is not known: give roleArn",
    );
  });

  it("a cache's secret defaults reach only the rules that create a secret", () => {
    const stack = newStack();
    const cache = new PullThroughCache(stack, 'cache', { ...REGISTRY, secrets: { recoveryWindowDays: 30, preventDestroy: true } });
    cache.addRule('quay', { upstream: 'quay' });
    cache.addRule('hub', { upstream: 'docker-hub' });
    const [secret] = resourcesOf(parseStack(Testing.synth(stack)), SecretsmanagerSecret.tfResourceType);
    expect(secret).toMatchObject({ name: 'ecr-pullthroughcache/hub', recovery_window_in_days: 30, lifecycle: { prevent_destroy: true } });
  });

  it('a rule says which role ECR uses for its upstream, created or given', () => {
    const { cache } = newCache();
    const created = cache.addRule('other', { upstream: 'ecr', registry: '210987654321.dkr.ecr.eu-west-2.amazonaws.com' });
    expect(created.customRoleArn).toBe(created.createdRole!.arn);
    const given = cache.addRule('given', { upstream: 'ecr', registry: '210987654321.dkr.ecr.eu-west-2.amazonaws.com', roleArn: 'arn:aws:iam::123456789012:role/mine' });
    expect(given.customRoleArn).toBe('arn:aws:iam::123456789012:role/mine');
    expect(cache.addRule('quay', { upstream: 'quay' }).customRoleArn).toBeUndefined();
  });
});
