import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { Testing } from 'cdktf';
import { EcrCacheStack, STACK_COMMENT } from '../stacks/ecr-cache-stack';
import { environmentFromText, exampleEnvironments, parseStack, referenceTo, resourcesOf, synthEnvironment } from './support/stacks';

const ARTICLE_RULES = {
  'docker-hub': 'registry-1.docker.io',
  github: 'ghcr.io',
  k8s: 'registry.k8s.io',
  ecr: 'public.ecr.aws',
  quay: 'quay.io',
} as const;
const CREDENTIAL_RULES = ['docker-hub', 'github'] as const;

const examples = exampleEnvironments();

describe.each([
  ['dev', '111111111111'],
  ['prod', '222222222222'],
])('the %s example environment', (name, account) => {
  const environment = examples.get(name)!;
  const synthesized = synthEnvironment(environment);
  const stack = parseStack(synthesized);
  const registry = `${account}.dkr.ecr.eu-west-2.amazonaws.com`;

  it('is the stack ecr-cache-<name> in its account and eu-west-2', () => {
    expect(environment.stackName).toBe(`ecr-cache-${name}`);
    expect(synthesized).toHaveProviderWithProperties(AwsProvider, {
      region: 'eu-west-2',
      allowed_account_ids: [account],
      default_tags: [{ tags: { Environment: name, Project: 'ecr-pull-through-cache' } }],
    });
  });

  it('keeps its state in a local file beside the project by default', () => {
    expect(stack.terraform.backend).toEqual({ local: { path: `../../../terraform.ecr-cache-${name}.tfstate` } });
  });

  it('asks for the Terraform that S3 locking and ephemeral variables need', () => {
    expect(stack.terraform.required_version).toBe('>= 1.10');
  });

  it.each(Object.entries(ARTICLE_RULES))('has the article rule %s -> %s', (prefix, url) => {
    expect(synthesized).toHaveResourceWithProperties(EcrPullThroughCacheRule, {
      ecr_repository_prefix: prefix,
      upstream_registry_url: url,
    });
  });

  it('has exactly the five rules, credentials only where the upstream needs them', () => {
    const rules = resourcesOf(stack, EcrPullThroughCacheRule.tfResourceType);
    expect(rules.map((rule) => rule.ecr_repository_prefix).sort()).toEqual(Object.keys(ARTICLE_RULES).sort());
    for (const rule of rules) {
      const needsSecret = (CREDENTIAL_RULES as readonly unknown[]).includes(rule.ecr_repository_prefix);
      expect(rule.credential_arn === undefined).toBe(!needsSecret);
      expect(rule.custom_role_arn).toBeUndefined();
    }
  });

  it.each(CREDENTIAL_RULES)('creates the secret ecr-pullthroughcache/%s and wires it to the rule', (prefix) => {
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: `ecr-pullthroughcache/${prefix}`,
      recovery_window_in_days: 7,
    });
    const secretArn = referenceTo(stack, SecretsmanagerSecret.tfResourceType, 'name', `ecr-pullthroughcache/${prefix}`, 'arn');
    expect(synthesized).toHaveResourceWithProperties(EcrPullThroughCacheRule, { ecr_repository_prefix: prefix, credential_arn: secretArn });
  });

  it('creates two secrets, on the default key, and never a secret value', () => {
    const secrets = resourcesOf(stack, SecretsmanagerSecret.tfResourceType);
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) expect(secret.kms_key_id).toBeUndefined();
    expect(synthesized).not.toHaveResource(SecretsmanagerSecretVersion);
    expect(synthesized).not.toMatch(/"secret_string"|accessToken"\s*:\s*"/);
  });

  it('creates the node role for EC2 with the EKS node policies and the cache policy', () => {
    expect(synthesized).toHaveResourceWithProperties(IamRole, { name: `ecr-cache-${name}-node` });
    const [role] = resourcesOf(stack, IamRole.tfResourceType);
    expect(JSON.parse(role.assume_role_policy as string)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(role.inline_policy).toBeUndefined();
    expect(role.managed_policy_arns).toBeUndefined();

    const roleName = referenceTo(stack, IamRole.tfResourceType, 'name', `ecr-cache-${name}-node`, 'name');
    const policyArn = referenceTo(stack, IamPolicy.tfResourceType, 'name', `ecr-cache-${name}-node-pull`, 'arn');
    const attached = resourcesOf(stack, IamRolePolicyAttachment.tfResourceType);
    expect(attached).toEqual(
      expect.arrayContaining(
        [
          'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
          'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
          'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly',
          policyArn,
        ].map((arn) => ({ role: roleName, policy_arn: arn })),
      ),
    );
    expect(attached).toHaveLength(4);
  });

  it('scopes CreateRepository and BatchImportUpstreamImage to the cache prefixes, not *', () => {
    const [policy] = resourcesOf(stack, IamPolicy.tfResourceType);
    const document = JSON.parse(policy.policy as string);
    expect(document.Statement).toEqual([
      { Sid: 'RegistryLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'PullThroughCache',
        Effect: 'Allow',
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
        Resource: Object.keys(ARTICLE_RULES).map((prefix) => `arn:aws:ecr:eu-west-2:${account}:repository/${prefix}/*`),
      },
    ]);
    expect(policy.policy).not.toContain('ecr:ReplicateImage');
  });

  it('outputs each rule registry URI, the secret ARNs and the node role', () => {
    expect(stack.output.registry_uris.value).toEqual(
      Object.fromEntries(Object.keys(ARTICLE_RULES).map((prefix) => [prefix, `${registry}/${prefix}`])),
    );
    expect(stack.output.credential_secret_arns.value).toEqual(
      Object.fromEntries(
        CREDENTIAL_RULES.map((prefix) => [
          prefix,
          referenceTo(stack, SecretsmanagerSecret.tfResourceType, 'name', `ecr-pullthroughcache/${prefix}`, 'arn'),
        ]),
      ),
    );
    const role = (attribute: string) => referenceTo(stack, IamRole.tfResourceType, 'name', `ecr-cache-${name}-node`, attribute);
    expect(stack.output.node_role_name.value).toBe(role('name'));
    expect(stack.output.node_role_arn.value).toBe(role('arn'));
  });
});

describe('an environment with its own settings', () => {
  const environment = environmentFromText(
    `account: "123456789012"
region: us-east-1
tags: { team: platform }
state: { bucket: tf-state-platform }
nodes: { createRole: false, existingRoles: [karpenter-node, eks-managed-node] }
secrets: { recoveryWindowDays: 30 }
rules:
  docker-hub: { upstream: docker-hub }
`,
    'staging.yaml',
  );
  const synthesized = synthEnvironment(environment);
  const stack = parseStack(synthesized);

  it('keeps its state in S3, encrypted, with a lock file', () => {
    expect(stack.terraform.backend).toEqual({
      s3: { bucket: 'tf-state-platform', key: 'ecr-pull-through-cache/staging.tfstate', region: 'us-east-1', encrypt: true, use_lockfile: true },
    });
  });

  it('adds its tags to the default tags', () => {
    expect(synthesized).toHaveProviderWithProperties(AwsProvider, {
      default_tags: [{ tags: { team: 'platform', Environment: 'staging', Project: 'ecr-pull-through-cache' } }],
    });
  });

  it('attaches the cache policy to the existing node roles and creates no role', () => {
    expect(synthesized).not.toHaveResource(IamRole);
    const policyArn = referenceTo(stack, IamPolicy.tfResourceType, 'name', 'ecr-cache-staging-node-pull', 'arn');
    const attached = resourcesOf(stack, IamRolePolicyAttachment.tfResourceType);
    expect(attached).toHaveLength(2);
    expect(attached).toEqual(
      expect.arrayContaining([
        { role: 'karpenter-node', policy_arn: policyArn },
        { role: 'eks-managed-node', policy_arn: policyArn },
      ]),
    );
    expect(stack.output.node_role_arn).toBeUndefined();
    expect(stack.output.node_policy_arn.value).toBe(policyArn);
  });

  it('uses the configured recovery window', () => {
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, { name: 'ecr-pullthroughcache/docker-hub', recovery_window_in_days: 30 });
  });
});

describe("the production guard's note in the stack", () => {
  // As cdk.tf.json has it: Testing.synth leaves out every "//".
  const comment = (text: string) => (new EcrCacheStack(Testing.app(), environmentFromText(text, 'shop.yaml')).toTerraform() as { '//': Record<string, unknown> })['//'][STACK_COMMENT];
  const head = 'account: "123456789012"\nregion: eu-west-2\nrules:\n  quay: { upstream: quay }\n';

  it('says whether the environment is production, for scripts/plan-guard.mjs', () => {
    expect(comment(head)).toEqual({ production: false });
    expect(comment(`${head}production: true\n`)).toEqual({ production: true });
  });

  it('carries the addresses its file lets a plan delete or replace, where the guard reads them beside the plan', () => {
    const allowed = ['aws_ecr_pull_through_cache_rule.quay', 'aws_ecr_repository_creation_template.quay'];
    expect(comment(`${head}production: true\nallowDeletions: [${allowed.join(', ')}]\n`)).toEqual({ production: true, allowDeletions: allowed });
    expect(comment(`${head}production: true\nallowDeletions: []\n`)).toEqual({ production: true });
  });
});
