import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import { EcrRegistryScanningConfiguration } from '@cdktf/provider-aws/lib/ecr-registry-scanning-configuration';
import { EcrRepositoryCreationTemplate } from '@cdktf/provider-aws/lib/ecr-repository-creation-template';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { TerraformStack, Testing } from 'cdktf';
import { join } from 'node:path';
import { CacheRepositoryTemplate } from '../lib/constructs/cache-repository-template';
import { CacheScanning } from '../lib/constructs/cache-scanning';
import { loadEnvironment, PROJECT_ROOT } from '../config/environments';
import { environmentFromText, exampleEnvironments, parseStack, referenceTo, resourcesOf, synthEnvironment } from './support/stacks';

const examples = exampleEnvironments();
const allUpstreams = loadEnvironment('all-upstreams', join(PROJECT_ROOT, 'examples'));
const lifecycle = (template: Record<string, unknown>) => JSON.parse(template.lifecycle_policy as string);
const templatesByPrefix = (synthesized: string) =>
  new Map(resourcesOf(parseStack(synthesized), EcrRepositoryCreationTemplate.tfResourceType).map((template) => [template.prefix, template]));

describe('repository creation templates', () => {
  const dev = synthEnvironment(examples.get('dev')!);

  it.each(['docker-hub', 'github', 'k8s', 'ecr', 'quay'])('give the cache repositories of %s a lifecycle, mutable tags and AES256', (prefix) => {
    expect(dev).toHaveResourceWithProperties(EcrRepositoryCreationTemplate, {
      prefix,
      applied_for: ['PULL_THROUGH_CACHE'],
      image_tag_mutability: 'MUTABLE',
      encryption_configuration: [{ encryption_type: 'AES256' }],
    });
    const template = templatesByPrefix(dev).get(prefix)!;
    expect(template.custom_role_arn).toBeUndefined();
    expect(lifecycle(template)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: 'Expire untagged images after 7 days',
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
          action: { type: 'expire' },
        },
        {
          rulePriority: 2,
          description: 'Keep at most 100 images',
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 },
          action: { type: 'expire' },
        },
      ],
    });
  });

  it('take the environment settings, and a rule its own over them', () => {
    const templates = templatesByPrefix(synthEnvironment(allUpstreams));
    expect(templates.size).toBe(11);
    expect(lifecycle(templates.get('quay')!).rules[1].selection.countNumber).toBe(200);
    expect(templates.get('azure')!.resource_tags).toEqual({ owner: 'payments' });
  });

  it('get a role, created for KMS and tags, trusted by ECR and limited to those prefixes and that key', () => {
    const synthesized = synthEnvironment(allUpstreams);
    const stack = parseStack(synthesized);
    const roleArn = referenceTo(stack, IamRole.tfResourceType, 'name', 'ecr-cache-all-upstreams-repository-template', 'arn');
    const templates = templatesByPrefix(synthesized);
    expect(templates.get('azure')!.custom_role_arn).toBe(roleArn);
    expect(templates.get('shared')!.custom_role_arn).toBe(roleArn);
    expect(templates.get('shared')!.encryption_configuration).toEqual([
      { encryption_type: 'KMS', kms_key: 'arn:aws:kms:eu-west-2:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
    ]);
    expect(templates.get('quay')!.custom_role_arn).toBeUndefined();

    const [role] = resourcesOf(stack, IamRole.tfResourceType).filter((candidate) => candidate.name === 'ecr-cache-all-upstreams-repository-template');
    // Exactly the trust policy of the ECR user guide (repository-creation-templates-create-iam): no condition.
    expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'ecr.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    const [policy] = resourcesOf(stack, IamRolePolicy.tfResourceType).filter((candidate) => candidate.name === 'ecr-repository-creation-template');
    expect(JSON.parse(policy.policy as string).Statement).toEqual([
      {
        Sid: 'CreateCacheRepositories',
        Effect: 'Allow',
        Action: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'],
        Resource: ['arn:aws:ecr:eu-west-2:333333333333:repository/azure/*', 'arn:aws:ecr:eu-west-2:333333333333:repository/shared/*'],
      },
      {
        Sid: 'EncryptCacheRepositories',
        Effect: 'Allow',
        Action: ['kms:CreateGrant', 'kms:RetireGrant', 'kms:DescribeKey'],
        Resource: ['arn:aws:kms:eu-west-2:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
      },
    ]);
  });

  it('use a given role instead of creating one, and exclusion filters with MUTABLE_WITH_EXCLUSION', () => {
    const synthesized = synthEnvironment(
      environmentFromText(`account: "123456789012"
region: eu-west-2
repositories:
  tags: { team: platform }
  roleArn: "arn:aws:iam::123456789012:role/ecr-templates"
  tagMutability: MUTABLE_WITH_EXCLUSION
  immutableTags: ["release-*"]
rules:
  quay: { upstream: quay }
`),
    );
    expect(synthesized).toHaveResourceWithProperties(EcrRepositoryCreationTemplate, {
      prefix: 'quay',
      custom_role_arn: 'arn:aws:iam::123456789012:role/ecr-templates',
      image_tag_mutability: 'MUTABLE_WITH_EXCLUSION',
      image_tag_mutability_exclusion_filter: [{ filter: 'release-*', filter_type: 'WILDCARD' }],
    });
    expect(resourcesOf(parseStack(synthesized), IamRole.tfResourceType).map((role) => role.name)).toEqual(['ecr-cache-test-node']);
  });

  it('refuse immutable tags, and KMS or tags without a role, in the construct too', () => {
    const app = Testing.app();
    expect(() => new CacheRepositoryTemplate(app, 'a', { prefix: 'quay', tagMutability: 'IMMUTABLE' as never })).toThrow(
      /tagMutability: IMMUTABLE stops the cache from refreshing a tag from upstream/,
    );
    expect(() => new CacheRepositoryTemplate(app, 'b', { prefix: 'quay', tags: { a: 'b' } })).toThrow(/roleArn: KMS encryption and resource tags need a role/);
  });
});

describe('credential secrets', () => {
  it('cannot be destroyed in production, and can elsewhere', () => {
    const prod = resourcesOf(parseStack(synthEnvironment(examples.get('prod')!)), SecretsmanagerSecret.tfResourceType);
    const dev = resourcesOf(parseStack(synthEnvironment(examples.get('dev')!)), SecretsmanagerSecret.tfResourceType);
    expect(prod.map((secret) => secret.lifecycle)).toEqual([{ prevent_destroy: true }, { prevent_destroy: true }]);
    expect(dev.map((secret) => secret.lifecycle)).toEqual([undefined, undefined]);
  });

  it('take their value, when asked, from an ephemeral sensitive variable, write-only', () => {
    const synthesized = synthEnvironment(
      environmentFromText(`account: "123456789012"
region: eu-west-2
rules:
  docker-hub: { upstream: docker-hub, secretValueVersion: 2 }
  github: { upstream: github-container-registry }
`),
    );
    const stack = parseStack(synthesized);
    expect((stack as unknown as { variable: unknown }).variable).toEqual({
      credentials_docker_hub: {
        type: 'string',
        sensitive: true,
        nullable: false,
        ephemeral: true,
        description: 'Docker Hub credentials for ecr-pullthroughcache/docker-hub: JSON {"username", "accessToken"}',
      },
    });
    expect(resourcesOf(stack, SecretsmanagerSecretVersion.tfResourceType)).toEqual([
      {
        secret_id: referenceTo(stack, SecretsmanagerSecret.tfResourceType, 'name', 'ecr-pullthroughcache/docker-hub', 'id'),
        secret_string_wo: '${var.credentials_docker_hub}',
        secret_string_wo_version: 2,
      },
    ]);
    expect(synthesized).not.toContain('"secret_string"');
    // The rule is created after the value is written and Secrets Manager had time to show it; not in parallel.
    const [wait] = Object.entries(stack.resource.terraform_data);
    expect(wait[1].depends_on).toEqual([`${SecretsmanagerSecretVersion.tfResourceType}.${Object.keys(stack.resource[SecretsmanagerSecretVersion.tfResourceType])[0]}`]);
    const rules = Object.fromEntries(resourcesOf(stack, EcrPullThroughCacheRule.tfResourceType).map((rule) => [rule.ecr_repository_prefix, rule]));
    expect(rules['docker-hub']!.depends_on).toEqual([`terraform_data.${wait[0]}`]);
    // The value is Terraform's to write: no check that someone else wrote it.
    expect(rules['docker-hub']!.lifecycle).toBeUndefined();
    expect(rules.github!.depends_on).toBeUndefined();
    // Write-only arguments arrived in Terraform 1.11.
    expect(stack.terraform.required_version).toBe('>= 1.11');
  });
});

describe('a rule whose secret the stack creates empty', () => {
  const stack = parseStack(synthEnvironment(examples.get('dev')!));
  const rules = Object.fromEntries(resourcesOf(stack, EcrPullThroughCacheRule.tfResourceType).map((rule) => [rule.ecr_repository_prefix, rule]));

  it.each(['docker-hub', 'github'])(
    '%s exists only once its secret has a current value, read at every plan by name, and a check names the secret meanwhile',
    (prefix) => {
      const name = prefix.replace(/-/g, '_');
      const secret = `ecr-pullthroughcache/${prefix}`;
      // Read by the secret's name, not from the secret resource: the read is never put off to the apply.
      expect(stack.data!['aws_secretsmanager_secrets'][name]).toMatchObject({ filter: [{ name: 'name', values: [secret] }] });
      expect(stack.data!['aws_secretsmanager_secret_versions'][name]).toMatchObject({
        secret_id: secret,
        count: `\${contains(data.aws_secretsmanager_secrets.${name}.names, "${secret}") ? 1 : 0}`,
      });
      const hasValue = `try(anytrue([for version in data.aws_secretsmanager_secret_versions.${name}[0].versions : contains(version.version_stages, "AWSCURRENT")]), false)`;
      expect(rules[prefix]!.count).toBe(`\${${hasValue} ? 1 : 0}`);
      expect(rules[prefix]!.lifecycle).toBeUndefined();
      const check = (stack as unknown as { check: Record<string, { assert: { condition: string; error_message: string }[] }> }).check[`${name}_credentials`];
      expect(check.assert).toHaveLength(1);
      expect(check.assert[0].condition).toBe(`\${${hasValue}}`);
      expect(check.assert[0].error_message).toMatch(
        new RegExp(`^ecr-cache-dev: the secret ${secret} has no value yet, so the pull-through cache rule ${prefix} waits for it \\(everything else is planned and applied\\)\\. `),
      );
      expect(check.assert[0].error_message).toContain(`aws secretsmanager put-secret-value --secret-id ${secret} --secret-string file://credentials.json`);
      // Its object, from before the gate, moves to index 0 instead of being replaced.
      expect((stack as unknown as { moved: { from: string; to: string }[] }).moved).toContainEqual({
        from: `aws_ecr_pull_through_cache_rule.${name}`,
        to: `aws_ecr_pull_through_cache_rule.${name}[0]`,
      });
    },
  );

  it('is not held back when there is no secret: quay, k8s and ECR Public need none', () => {
    for (const prefix of ['k8s', 'ecr', 'quay']) expect([rules[prefix]!.lifecycle, rules[prefix]!.count]).toEqual([undefined, undefined]);
  });
});

describe('registry scanning', () => {
  it("covers every repository of the registry by default, so the account's own repositories keep their scanning", () => {
    const synthesized = synthEnvironment(allUpstreams);
    expect(synthesized).toHaveResourceWithProperties(EcrRegistryScanningConfiguration, {
      scan_type: 'BASIC',
      rule: [{ scan_frequency: 'SCAN_ON_PUSH', repository_filter: [{ filter: '*', filter_type: 'WILDCARD' }] }],
    });
    expect(synthEnvironment(examples.get('dev')!)).not.toHaveResource(EcrRegistryScanningConfiguration);
  });

  it('scans only the cache prefixes when the file says so, continuously with enhanced scanning', () => {
    const synthesized = synthEnvironment(
      environmentFromText(
        'account: "123456789012"\nregion: eu-west-2\nscanning: { type: enhanced, frequency: continuous, scope: cache }\nrules:\n  quay: { upstream: quay }\n  k8s: { upstream: k8s }\n',
      ),
    );
    expect(synthesized).toHaveResourceWithProperties(EcrRegistryScanningConfiguration, {
      scan_type: 'ENHANCED',
      rule: [
        {
          scan_frequency: 'CONTINUOUS_SCAN',
          repository_filter: [
            { filter: 'quay/*', filter_type: 'WILDCARD' },
            { filter: 'k8s/*', filter_type: 'WILDCARD' },
          ],
        },
      ],
    });
    expect(() => new CacheScanning(Testing.app(), 's', { type: 'basic', frequency: 'continuous' })).toThrow(/continuous needs type enhanced/);
    const stack = new TerraformStack(Testing.app(), 'stack');
    new CacheScanning(stack, 's', { type: 'basic', onlyPrefixes: [] });
    expect(() => Testing.synth(stack, true)).toThrow(/leave it out to scan the whole registry/);
  });
});
