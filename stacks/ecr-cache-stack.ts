import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { type IResolvable, LocalBackend, S3Backend, TerraformOutput, TerraformStack, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { EksNodeRole } from '../lib/constructs/eks-node-role';
import { ENVIRONMENT_TAG, PROJECT, PROJECT_TAG } from '../config/schema';
import { cacheOf } from '../config/environment';
import { CREATED_NODE_ROLE_ADDRESS, type Environment } from '../config/environments';
import { PolicyChecks } from '../lib/policy/policy-checks';
import { type IPullThroughCache, PullThroughCache } from '../lib/constructs/pull-through-cache';
import { PULL_TIME_EXCLUSION_PROVIDER, PullTimeUpdateExclusion } from '../lib/constructs/pull-time-update-exclusion';

/** S3-native locking and ephemeral variables need Terraform 1.10; write-only secret values need 1.11. */
export function requiredTerraformVersion(environment: Environment): string {
  return environment.rules.some((rule) => rule.secretValueVersion !== undefined) ? '>= 1.11' : '>= 1.10';
}

/**
 * The provider releases a stack accepts: the one the bindings were generated from and every later release of the
 * same major version (`~> 6.25` for 6.25.0: 6.25.0 and above, below 7.0), so a team takes provider fixes without
 * changing this project. The dependency lock file says which one a pipeline uses (docs/versions.md, "Provider versions").
 */
export function compatibleReleases(generatedFrom: string | undefined): string {
  const match = /^(\d+)\.(\d+)\.\d+$/.exec(generatedFrom ?? '');
  if (!match) throw new Error(`the provider bindings name no release they were generated from ("${generatedFrom}")`);
  return `~> ${match[1]}.${match[2]}`;
}

/**
 * A map as an output's value. cdktf's TerraformOutput asks Node's `util.isArray` of a literal value, which Node 22 and
 * later deprecate with a warning at every synth (cdktf lib/terraform-output.js); a token (resolved to the same map)
 * takes the path that does not.
 */
function mapOutput(value: Record<string, unknown>): IResolvable {
  return Token.asAny(value);
}

/**
 * The Terraform JSON comment ("//" key, which Terraform ignores) where a stack says what scripts/plan-guard.mjs needs
 * to know: whether it is production, and the addresses its environment file lets a plan delete or replace
 * (`allowDeletions`, only when there are any). The guard reads the same key, and its tests read stacks this writes.
 */
export const STACK_COMMENT = 'ecr_pull_through_cache';

/**
 * The Terraform releases a stack declares to CDK Terrain (the `targetVersions` context the fork's feature checks read,
 * cdktn lib/validations/target-versions.js; CDKTF ignores it): Terraform only, from the stack's required_version.
 */
export const TARGET_VERSIONS_CONTEXT = 'targetVersions';
export function targetVersions(environment: Environment): { terraform: string } {
  return { terraform: requiredTerraformVersion(environment).replace(/^>= (\d+\.\d+)$/, '>=$1.0') };
}

/** One environment's pull-through cache: one Terraform stack, `ecr-cache-<name>`. */
export class EcrCacheStack extends TerraformStack {
  constructor(scope: Construct, readonly environment: Environment) {
    super(scope, environment.stackName);
    this.node.setContext(TARGET_VERSIONS_CONTEXT, targetVersions(environment));
    const { account, region } = environment;

    const provider = new AwsProvider(this, 'aws', {
      region,
      // An apply with another account's credentials fails instead of creating the cache there.
      allowedAccountIds: [account],
      defaultTags: [{ tags: { ...environment.tags, [ENVIRONMENT_TAG]: environment.name, [PROJECT_TAG]: PROJECT } }],
    });

    this.addOverride('terraform.required_version', requiredTerraformVersion(environment));
    // What scripts/plan-guard.mjs reads to know a production stack and its override, as a Terraform JSON comment
    // ("//"), which Terraform ignores: the guard runs where only Terraform and Node.js are, on the stack it planned.
    this.addOverride(`//.${STACK_COMMENT}`, {
      production: environment.production,
      ...(environment.allowDeletions.length > 0 ? { allowDeletions: environment.allowDeletions } : {}),
    });
    // The provider's full source address, as a Terraform user writes it (cdktf writes the short "aws").
    this.addOverride('terraform.required_providers.aws.source', 'hashicorp/aws');
    // cdktf pins the exact release its bindings were generated from; any later compatible release will do. Pull-time
    // update exclusions came later than the bindings: a stack with them asks for the release that has them.
    const providerVersion = environment.pullTimeExclusions.length > 0 ? `${PULL_TIME_EXCLUSION_PROVIDER}.0` : provider.terraformGeneratorMetadata?.providerVersion;
    this.addOverride('terraform.required_providers.aws.version', compatibleReleases(providerVersion));

    if (environment.state) {
      const backend = new S3Backend(this, { ...environment.state, encrypt: true });
      // S3-native locking (Terraform >= 1.10); cdktf 0.21's S3Backend predates the option.
      backend.addOverride('use_lockfile', true);
    } else {
      // Relative to the stack's folder (cdktf.out/stacks/<stack>): the project root, where cdktf keeps it by
      // default, without writing this machine's absolute path into the configuration.
      new LocalBackend(this, { path: `../../../terraform.${environment.stackName}.tfstate` });
    }

    const pullPolicyName = `${environment.stackName}-node-pull`;
    const hub = environment.cacheFrom && cacheOf(environment);
    // A consumer pulls through its hub's cache, in the hub's account; it creates only what its nodes need.
    const cache: IPullThroughCache = hub
      ? PullThroughCache.fromRegistry(this, 'cache', {
          account: hub.account,
          region: hub.region,
          allowUnlistedRegion: hub.allowUnlistedRegion,
          rules: hub.rules,
          repositories: hub.repositories,
          pullPolicyName,
        })
      : this.ownCache(pullPolicyName);
    const nodeRole = environment.nodes.createRole !== undefined ? new EksNodeRole(this, 'nodes', {
            roleName: environment.nodes.createRole,
            region,
            addressName: CREATED_NODE_ROLE_ADDRESS,
            ...(environment.nodes.cluster !== undefined ? { cluster: environment.nodes.cluster } : {}),
          }) : undefined;
    if (nodeRole) cache.grantPull(nodeRole.role);
    for (const roleName of environment.nodes.existingRoles) cache.grantPull(roleName);

    new TerraformOutput(this, 'registry_uris', {
      description: hub
        ? `Registry URI of each rule of ${hub.name}, whose cache these nodes pull through, by prefix`
        : 'Registry URI of each rule, by prefix: the image.registry value for Helm charts',
      value: mapOutput(Object.fromEntries(cache.ruleSettings.map((rule) => [rule.prefix, cache.registryUri(rule.prefix)]))),
    });
    if (cache instanceof PullThroughCache) {
      new TerraformOutput(this, 'credential_secret_arns', {
        description: 'ARN of the credential secret of each rule that needs one, by prefix',
        value: mapOutput(Object.fromEntries(cache.rules.filter((rule) => rule.credentialArn).map((rule) => [rule.prefix, rule.credentialArn]))),
      });
      if (cache.alerts) {
        new TerraformOutput(this, 'alert_rule_arn', {
          description: 'The EventBridge rule that sends failed pull-through cache actions to the alert topic',
          value: cache.alerts.rule.arn,
        });
        new TerraformOutput(this, 'alert_topic_arn', { description: 'The SNS topic the cache failure alerts go to', value: cache.alerts.topicArn });
      }
      if (cache.registryPolicy) {
        new TerraformOutput(this, 'consumer_registry_policy', {
          description: "The registry's permissions policy: the consumers may create and import into the cache repositories",
          value: cache.registryPolicy.policy,
        });
        new TerraformOutput(this, 'consumer_repository_policy', {
          description: 'The repository policy that lets the consumers pull: every cache repository created from now on has it',
          // Every template has the same: the first's, as Terraform reads it back.
          value: cache.rules[0].template.template.repositoryPolicy,
        });
      }
    }
    new TerraformOutput(this, 'node_policy_arn', {
      description: 'The policy that lets nodes pull through the cache',
      value: cache.pullPolicy.arn,
    });
    if (nodeRole) {
      new TerraformOutput(this, 'node_role_name', { description: 'The EKS node role created here', value: nodeRole.role.name });
      new TerraformOutput(this, 'node_role_arn', { description: 'The EKS node role created here', value: nodeRole.role.arn });
    }

    // What adopt found already in the account (config/imports.ts): Terraform imports it instead of creating it.
    if (environment.imports) this.addOverride('import', environment.imports);

    PolicyChecks.applyTo(this);
  }

  /**
   * cdktf 0.21's App.synth first resolves every element of every stack only to find references between stacks
   * (TerraformStack.prepareStack), then resolves them all again to write them. An environment's stack never refers to
   * another stack's resources (a consumer takes its hub's account, region and rules as values), and always has its
   * backend, so that first pass is skipped: it was a fifth of synthesis time. The recorded output tests show the
   * Terraform is the same. The CDK Terrain fork also discovers provider features and functions in that pass
   * (`_runPreparingResolve`): there it runs.
   */
  override prepareStack(): void {
    if ('_runPreparingResolve' in this) super.prepareStack();
  }

  /** The environment's own cache: its rules, their templates and secrets, scanning, and its consumers' grants. */
  private ownCache(pullPolicyName: string): PullThroughCache {
    const { environment } = this;
    const cache = new PullThroughCache(this, 'cache', {
      account: environment.account,
      region: environment.region,
      allowUnlistedRegion: environment.allowUnlistedRegion,
      repositories: environment.repositories,
      secrets: { recoveryWindowDays: environment.secrets.recoveryWindowDays, preventDestroy: environment.production },
      templateRoleName: `${environment.stackName}-repository-template`,
      pullPolicyName,
      ...(environment.consumers ? { consumers: environment.consumers } : {}),
    });
    for (const { prefix, ...options } of environment.rules) cache.addRule(prefix, options);
    if (environment.scanning) {
      cache.addScanning(environment.scanning);
    }
    for (const principalArn of environment.pullTimeExclusions) new PullTimeUpdateExclusion(this, `pull-time-exclusion-${principalArn}`, { principalArn });
    if (environment.alerts) cache.addAlerts({ ...environment.alerts, name: `${environment.stackName}-cache-failures` });
    return cache;
  }
}
