import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { TerraformStack, Testing } from 'cdktf';
import { join } from 'node:path';
import { loadEnvironments, PROJECT_ROOT } from '../config/environments';
import { PullThroughCacheRule } from '../lib/constructs/pull-through-cache-rule';
import { UPSTREAM_NAMES } from '../lib/aws/upstreams';
import { parseStack, referenceTo, resourcesOf, synthEnvironment } from './support/stacks';

const [environment] = loadEnvironments(join(PROJECT_ROOT, 'examples')).environments;
const synthesized = synthEnvironment(environment);
const stack = parseStack(synthesized);

describe('examples/all-upstreams.yaml: every upstream AWS supports', () => {
  it('uses all nine upstreams', () => {
    expect(new Set(environment.rules.map((rule) => rule.upstream))).toEqual(new Set(UPSTREAM_NAMES));
  });

  it.each([
    ['ROOT', '333333333333.dkr.ecr.us-west-2.amazonaws.com'],
    ['ecr-public', 'public.ecr.aws'],
    ['docker-hub', 'registry-1.docker.io'],
    ['github', 'ghcr.io'],
    ['gitlab', 'registry.gitlab.com'],
    ['chainguard', 'cgr.dev'],
    ['azure', 'contosoimages.azurecr.io'],
    ['k8s', 'registry.k8s.io'],
    ['quay', 'quay.io'],
    ['us', '333333333333.dkr.ecr.us-east-1.amazonaws.com'],
    ['shared', '444444444444.dkr.ecr.eu-west-2.amazonaws.com'],
  ])('has the rule %s -> %s', (prefix, url) => {
    expect(synthesized).toHaveResourceWithProperties(EcrPullThroughCacheRule, { ecr_repository_prefix: prefix, upstream_registry_url: url });
  });

  it('gives the node role it creates an EC2_LINUX access entry in the cluster nodes.cluster names, so its nodes can join', () => {
    expect(synthesized).toHaveResourceWithProperties(EksAccessEntry, { cluster_name: 'platform', principal_arn: '${aws_iam_role.node.arn}', type: 'EC2_LINUX' });
    expect(Object.keys(stack.resource.aws_eks_access_entry)).toEqual(['node']);
  });

  it('creates a credential secret for each upstream that needs one, and only those', () => {
    const names = resourcesOf(stack, SecretsmanagerSecret.tfResourceType).map((secret) => secret.name);
    expect(names.sort()).toEqual(['azure', 'chainguard', 'docker-hub', 'github', 'gitlab'].map((prefix) => `ecr-pullthroughcache/${prefix}`));
    for (const rule of resourcesOf(stack, EcrPullThroughCacheRule.tfResourceType)) {
      const secret = names.includes(`ecr-pullthroughcache/${String(rule.ecr_repository_prefix)}`);
      expect(rule.credential_arn !== undefined).toBe(secret);
    }
  });

  it('maps the cross-region ECR rule to its upstream prefix, with no role in the same account', () => {
    expect(synthesized).toHaveResourceWithProperties(EcrPullThroughCacheRule, { ecr_repository_prefix: 'us', upstream_repository_prefix: 'platform' });
    const [us] = resourcesOf(stack, EcrPullThroughCacheRule.tfResourceType).filter((rule) => rule.ecr_repository_prefix === 'us');
    expect(us.custom_role_arn).toBeUndefined();
  });

  it('sends ROOT as the upstream prefix of an ECR rule that names none (AWS stores ROOT; unset would replace the rule every apply)', () => {
    const prefixes = Object.fromEntries(
      resourcesOf(stack, EcrPullThroughCacheRule.tfResourceType).map((rule) => [rule.ecr_repository_prefix, rule.upstream_repository_prefix]),
    );
    expect(prefixes).toEqual({
      ROOT: 'ROOT',
      'ecr-public': undefined,
      'docker-hub': undefined,
      github: undefined,
      gitlab: undefined,
      chainguard: undefined,
      azure: undefined,
      k8s: undefined,
      quay: undefined,
      us: 'platform',
      shared: 'ROOT',
    });
  });

  it('creates the role for the cross-account ECR rule: trusted as AWS documents, reading upstream, writing the cache', () => {
    const roleArn = referenceTo(stack, IamRole.tfResourceType, 'name', 'ecr-ptc-shared-eu-west-2', 'arn');
    expect(synthesized).toHaveResourceWithProperties(EcrPullThroughCacheRule, { ecr_repository_prefix: 'shared', custom_role_arn: roleArn });
    const [role] = resourcesOf(stack, IamRole.tfResourceType).filter((role) => role.name === 'ecr-ptc-shared-eu-west-2');
    expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'pullthroughcache.ecr.amazonaws.com' },
        Action: 'sts:AssumeRole',
      },
    ]);
    const [policy] = resourcesOf(stack, IamRolePolicy.tfResourceType).filter((candidate) => candidate.name === 'ecr-pull-through-cache-upstream');
    expect(policy.role).toBe(referenceTo(stack, IamRole.tfResourceType, 'name', 'ecr-ptc-shared-eu-west-2', 'name'));
    expect(JSON.parse(policy.policy as string).Statement).toEqual([
      { Sid: 'RegistryLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'ReadUpstream',
        Effect: 'Allow',
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchImportUpstreamImage', 'ecr:GetImageCopyStatus'],
        Resource: 'arn:aws:ecr:eu-west-2:444444444444:repository/*',
      },
      {
        Sid: 'WriteCache',
        Effect: 'Allow',
        Action: [
          'ecr:BatchGetImage',
          'ecr:GetDownloadUrlForLayer',
          'ecr:BatchImportUpstreamImage',
          'ecr:GetImageCopyStatus',
          'ecr:InitiateLayerUpload',
          'ecr:UploadLayerPart',
          'ecr:CompleteLayerUpload',
          'ecr:PutImage',
        ],
        Resource: 'arn:aws:ecr:eu-west-2:333333333333:repository/shared/*',
      },
    ]);
    // The rule waits for the role's permissions, not only for the role, and then for IAM to show them.
    const [rule] = resourcesOf(stack, EcrPullThroughCacheRule.tfResourceType).filter((candidate) => candidate.ecr_repository_prefix === 'shared');
    const [policyAddress] = Object.entries(stack.resource[IamRolePolicy.tfResourceType]).find(([, values]) => values.name === 'ecr-pull-through-cache-upstream')!;
    const waits = Object.entries(stack.resource.terraform_data);
    expect(waits).toHaveLength(1);
    const [waitAddress, wait] = waits[0];
    expect(rule.depends_on).toEqual([`terraform_data.${waitAddress}`]);
    expect(wait.depends_on).toEqual([`${IamRolePolicy.tfResourceType}.${policyAddress}`]);
    // No interpreter: Terraform's default shell, sh on Linux and macOS (sleep), cmd on Windows (no sleep: ping).
    expect(wait.provisioner).toEqual([{ 'local-exec': { command: 'sleep 10 || ping -n 11 127.0.0.1 > NUL' } }]);
  });

  it('lets nodes use the whole registry because of the ROOT rule', () => {
    const [policy] = resourcesOf(stack, IamPolicy.tfResourceType);
    expect(JSON.parse(policy.policy as string).Statement[1].Resource).toContain('arn:aws:ecr:eu-west-2:333333333333:repository/*');
    expect(stack.output.registry_uris.value).toMatchObject({
      ROOT: '333333333333.dkr.ecr.eu-west-2.amazonaws.com',
      us: '333333333333.dkr.ecr.eu-west-2.amazonaws.com/us',
    });
  });
});

describe('PullThroughCacheRule, used directly', () => {
  it('has a readable address, and a stack refuses two rules at one address instead of merging them', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    new PullThroughCacheRule(stack, 'one', { account: '123456789012', region: 'eu-west-2', prefix: 'team-a', upstream: 'quay' });
    expect(Testing.synth(stack)).toContain('"team_a": {');
    new PullThroughCacheRule(stack, 'two', { account: '123456789012', region: 'eu-west-2', prefix: 'team/a', upstream: 'quay' });
    expect(() => Testing.synth(stack, true)).toThrow('stack/two/rule and stack/one/rule would both be aws_ecr_pull_through_cache_rule.team_a');
  });

  const registry = { account: '123456789012', region: 'eu-west-2' };

  it('refuses a rule AWS would reject, naming every problem', () => {
    const stack = Testing.app().node.root;
    expect(
      () => new PullThroughCacheRule(stack, 'bad', { ...registry, prefix: 'Hub', upstream: 'quay', upstreamPrefix: 'x', secretArn: 'arn:nope' }),
    ).toThrow(/^rule Hub: prefix: "Hub" is not a valid prefix.*; upstreamPrefix: only ECR-to-ECR rules.*; secretArn: quay takes no credential secret$/);
  });

  it('uses an existing secret and an existing role instead of creating them', () => {
    const app = new TerraformStack(Testing.app(), 'stack');
    const hub = new PullThroughCacheRule(app, 'hub', {
      ...registry,
      prefix: 'hub',
      upstream: 'docker-hub',
      secretArn: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:ecr-pullthroughcache/hub-AbCdEf',
    });
    expect(hub.createdSecret).toBeUndefined();
    expect(hub.credentialArn).toBe('arn:aws:secretsmanager:eu-west-2:123456789012:secret:ecr-pullthroughcache/hub-AbCdEf');
    const ecr = new PullThroughCacheRule(app, 'other', {
      ...registry,
      prefix: 'other',
      upstream: 'ecr',
      registry: '999999999999.dkr.ecr.eu-west-2.amazonaws.com',
      roleArn: 'arn:aws:iam::123456789012:role/ptc',
    });
    expect(ecr.createdRole).toBeUndefined();
  });
});
