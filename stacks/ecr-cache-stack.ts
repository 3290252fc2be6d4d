import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { CacheRepositoryTemplates } from '../lib/cache-repository-templates';
import { CacheScanning } from '../lib/cache-scanning';
import { ENVIRONMENT_TAG, PROJECT, PROJECT_TAG } from '../lib/environment-schema';
import type { Environment } from '../lib/environments';
import { NodePullPermissions } from '../lib/node-pull-permissions';
import { PolicyChecks } from '../lib/policy-checks';
import { PullThroughCacheRule } from '../lib/pull-through-cache-rule';

/** S3-native locking and ephemeral variables need Terraform 1.10; write-only secret values need 1.11. */
export function requiredTerraformVersion(environment: Environment): string {
  return environment.rules.some((rule) => rule.secretValueVersion !== undefined) ? '>= 1.11' : '>= 1.10';
}

/** One environment's pull-through cache: one Terraform stack, `ecr-cache-<name>`. */
export class EcrCacheStack extends TerraformStack {
  constructor(scope: Construct, readonly environment: Environment) {
    super(scope, environment.stackName);
    const { account, region } = environment;

    new AwsProvider(this, 'aws', {
      region,
      // An apply with another account's credentials fails instead of creating the cache there.
      allowedAccountIds: [account],
      defaultTags: [{ tags: { ...environment.tags, [ENVIRONMENT_TAG]: environment.name, [PROJECT_TAG]: PROJECT } }],
    });

    this.addOverride('terraform.required_version', requiredTerraformVersion(environment));
    // The provider's full source address, as a Terraform user writes it (cdktf writes the short "aws").
    this.addOverride('terraform.required_providers.aws.source', 'hashicorp/aws');

    if (environment.state) {
      const backend = new S3Backend(this, { ...environment.state, encrypt: true });
      // S3-native locking (Terraform >= 1.10); cdktf 0.21's S3Backend predates the option.
      backend.addOverride('use_lockfile', true);
    } else {
      // Relative to the stack's folder (cdktf.out/stacks/<stack>): the project root, where cdktf keeps it by
      // default, without writing this machine's absolute path into the configuration.
      new LocalBackend(this, { path: `../../../terraform.${environment.stackName}.tfstate` });
    }

    const rules = environment.rules.map(
      (rule) =>
        new PullThroughCacheRule(this, `rule-${rule.prefix}`, {
          ...rule,
          account,
          region,
          allowUnlistedRegion: environment.allowUnlistedRegion,
          secretRecoveryWindowInDays: environment.secrets.recoveryWindowDays,
          preventSecretDestroy: environment.production,
        }),
    );

    // Every rule's repositories come from a creation template: lifecycle policy, mutable tags, encryption.
    new CacheRepositoryTemplates(this, 'repositories', {
      account,
      region,
      templates: environment.rules.map((rule) => ({ prefix: rule.prefix, ...environment.repositories, ...rule.repositories })),
      roleName: `${environment.stackName}-repository-template`,
    });

    if (environment.scanning) {
      new CacheScanning(this, 'scanning', {
        scanType: environment.scanning.type === 'enhanced' ? 'ENHANCED' : 'BASIC',
        frequency: environment.scanning.frequency === 'continuous' ? 'CONTINUOUS_SCAN' : 'SCAN_ON_PUSH',
        ...(environment.scanning.scope === 'cache' ? { onlyPrefixes: environment.rules.map((rule) => rule.prefix) } : {}),
      });
    }

    const nodes = new NodePullPermissions(this, 'nodes', {
      account,
      region,
      prefixes: environment.rules.map((rule) => rule.prefix),
      policyName: `${environment.stackName}-node-pull`,
      createRoleName: environment.nodes.createRole,
      existingRoleNames: environment.nodes.existingRoles,
    });

    new TerraformOutput(this, 'registry_uris', {
      description: 'Registry URI of each rule, by prefix: the image.registry value for Helm charts',
      value: Object.fromEntries(rules.map((rule) => [rule.prefix, rule.registryUri])),
    });
    new TerraformOutput(this, 'credential_secret_arns', {
      description: 'ARN of the credential secret of each rule that needs one, by prefix',
      value: Object.fromEntries(rules.filter((rule) => rule.credentialArn).map((rule) => [rule.prefix, rule.credentialArn])),
    });
    new TerraformOutput(this, 'node_policy_arn', {
      description: 'The policy that lets nodes pull through the cache',
      value: nodes.policy.arn,
    });
    if (nodes.role) {
      new TerraformOutput(this, 'node_role_name', { description: 'The EKS node role created here', value: nodes.role.name });
      new TerraformOutput(this, 'node_role_arn', { description: 'The EKS node role created here', value: nodes.role.arn });
    }

    PolicyChecks.applyTo(this);
  }
}
