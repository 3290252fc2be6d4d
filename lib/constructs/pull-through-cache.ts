import { EcrRegistryPolicy } from '@cdktf/provider-aws/lib/ecr-registry-policy';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { accountPrincipalArn, accountProblem } from '../aws/arns';
import { cacheRegistryUri, cacheRepositoriesArn } from '../aws/ecr';
import { type PolicyPrincipals, policyDocument, principalStatements, REGISTRY_LOGIN_STATEMENT } from '../aws/iam';
import { boundedName, IAM_ROLE_NAME_MAX_LENGTH, roleNameProblem, terraformName } from '../aws/names';
import { CONSUMER_REGISTRY_ACTIONS, CONSUMER_REPOSITORY_ACTIONS, NODE_CACHE_ACTIONS, TEMPLATE_TAGGING_ACTIONS } from '../aws/perms';
import { partitionOf, type RegionOptions, regionProblem } from '../aws/regions';
import type { AlertSettings } from '../checks/alerts';
import { type CacheConsumers, consumersProblems } from '../checks/consumers';
import { type RepositoryTemplateSettings, templateNeedsRole, templateTags } from '../checks/repository-template';
import { createsCredentialSecret, type RuleSettings } from '../checks/rule';
import { cacheImageUri } from '../images/cache-uri';
import { nameElement } from './addresses';
import { CacheAlerts } from './cache-alerts';
import { CacheScanning, type CacheScanningProps } from './cache-scanning';
import { PullThroughCacheRule, type PullThroughCacheRuleOptions } from './pull-through-cache-rule';
import { RepositoryTemplateRole } from './repository-template-role';
import { checkLiteral, isToken } from './tokens';
import { stackAccount, stackRegion } from './stack-registry';
import type { CacheRegistry } from '../checks/common';

/** What every cache takes, created here or not. */
export interface CacheRegistryProps extends RegionOptions {
  /**
   * How every rule's cache repositories are created; a rule's own `repositories` win, setting by setting.
   * @default - expire untagged images after 7 days, keep at most 100 images, MUTABLE tags, AES256, no tags
   */
  readonly repositories?: RepositoryTemplateSettings;
  /**
   * Name of the managed policy `grantPull` attaches.
   * @default - `<stack>-node-pull`
   */
  readonly pullPolicyName?: string;
}

export interface PullThroughCacheProps extends CacheRegistryProps {
  /**
   * The AWS account of the registry that holds the cache (12 digits, or a token).
   * @default - the stack's: the one account its AWS provider allows (`allowed_account_ids`), else the account of
   *   Terraform's credentials (`data.aws_caller_identity.cache_registry`, a token). The provider is read when the cache
   *   is constructed: create it first.
   */
  readonly account?: string;
  /**
   * The AWS region of the registry that holds the cache (a region name, or a token).
   * @default - the stack's: its AWS provider's `region`, else `data.aws_region.cache_registry` (a token, with which
   *   ARNs are written in partition `aws`: give the region in aws-cn or aws-us-gov). The provider is read when the
   *   cache is constructed: create it first.
   */
  readonly region?: string;
  /**
   * The credential secrets the rules create.
   * @default - a 7-day recovery window, and destroy allowed
   */
  readonly secrets?: { readonly recoveryWindowDays?: number; readonly preventDestroy?: boolean };
  /**
   * Name of the role ECR uses to create repositories with a KMS key or tags, created when a rule needs it.
   * @default - `<stack>-repository-template`
   */
  readonly templateRoleName?: string;
  /**
   * Other accounts that pull through this cache (a hub): the registry's permissions policy lets them create and
   * import into the cache's repositories, and every rule's creation template lets them pull from what it creates.
   * The cache then owns the registry's permissions policy: there is one per registry.
   * @default - only this account pulls through the cache; the registry policy is left alone
   */
  readonly consumers?: CacheConsumers;
}

/** What `addScanning` takes: the registry's scanning configuration. */
export interface CacheScanningOptions extends Omit<CacheScanningProps, 'onlyPrefixes'> {
  /**
   * `cache`: scan only the cache prefixes, and every other repository of the registry loses its scanning.
   * @default registry - every repository of the registry
   */
  readonly scope?: 'registry' | 'cache';
}

/** What `addAlerts` takes: where the alerts of failed pull-through cache actions go. */
export interface CacheAlertsOptions extends AlertSettings {
  /**
   * Name of the EventBridge rule, and of the topic when one is created.
   * @default - `<stack>-cache-failures`
   */
  readonly name?: string;
}

/** A pull-through cache: one this app creates, or one of another stack or account that it pulls through. */
export interface IPullThroughCache {
  readonly account: string;
  readonly region: string;
  /** The rules, as their settings say them. */
  readonly ruleSettings: readonly RuleSettings[];
  /** The managed policy that lets a principal of this app's account pull through the cache. */
  readonly pullPolicy: IamPolicy;
  /** Attaches `pullPolicy` to a role; `addressName` names the attachment, and is required for a token role name. */
  grantPull(role: IamRole | string, addressName?: string): IamRolePolicyAttachment;
  registryUri(prefix: string): string;
  cacheImageUri(reference: string): string;
}

/** What every cache does for those that pull through it: a pull policy, grants, URIs. */
abstract class PullThroughCacheBase extends Construct implements IPullThroughCache {
  readonly account: string;
  readonly region: string;
  private readonly pullPolicyName?: string;
  private readonly defaultRepositories: RepositoryTemplateSettings;
  private policy?: IamPolicy;

  protected constructor(scope: Construct, id: string, props: CacheRegistryProps & CacheRegistry) {
    super(scope, id);
    const problems = [
      isToken(props.account) ? undefined : accountProblem(props.account),
      isToken(props.region) ? undefined : regionProblem(props.region, props),
    ].filter((problem) => problem !== undefined);
    if (problems.length > 0) throw new Error(`${new.target.name}: ${problems.join('; ')}`);
    this.account = props.account;
    this.region = props.region;
    this.pullPolicyName = props.pullPolicyName;
    this.defaultRepositories = props.repositories ?? {};
  }

  abstract get ruleSettings(): readonly RuleSettings[];

  /**
   * The customer managed policy that lets a principal pull through the cache: pull, refresh from upstream and create
   * the repositories of every rule's prefix, and log in to the registry.
   */
  get pullPolicy(): IamPolicy {
    if (!this.policy) {
      this.policy = new IamPolicy(this, 'pull-policy', {
        name: this.pullPolicyName ?? boundedName([TerraformStack.of(this).node.id, 'node-pull'], 128),
        description: 'Pull through the ECR pull-through cache, creating cache repositories on first pull',
        policy: this.pullDocument(),
      });
      nameElement(this.policy, 'node_pull');
      this.node.addValidation({ validate: () => (this.ruleSettings.length === 0 ? [`${this.node.path}: the pull policy covers no rule; add one`] : []) });
    }
    return this.policy;
  }

  /**
   * Lets a role pull through the cache: attaches `pullPolicy` to an IamRole of this app, or to a role by name (an
   * existing role's, or a token such as a data source's `name`). The attachment's address is
   * `aws_iam_role_policy_attachment.<addressName>_cache_pull`.
   * @param addressName names the attachment's address; required for a role name that is a token, whose text is not
   *   stable enough to name an address.
   * @default - the role name, or the IamRole's construct id made unique
   */
  grantPull(role: IamRole | string, addressName?: string): IamRolePolicyAttachment {
    if (typeof role === 'string' && isToken(role) && addressName === undefined) {
      throw new Error(`${this.node.path}: grantPull: the role name is a token; give addressName, or the IamRole itself, so the attachment's address stays the same`);
    }
    const name = addressName !== undefined ? terraformName(addressName) : typeof role === 'string' ? terraformName(role) : role.friendlyUniqueId;
    const attachment = new IamRolePolicyAttachment(this, `grant-${name}`, {
      role: typeof role === 'string' ? role : role.name,
      policyArn: this.pullPolicy.arn,
    });
    nameElement(attachment, name, 'cache_pull');
    return attachment;
  }

  /** Where a rule's images live: `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>`, the registry for ROOT. */
  registryUri(prefix: string): string {
    return cacheRegistryUri(this.account, this.region, prefix);
  }

  /** The cache URI of an image reference, through the rules; throws ImageMappingError when none serves it. */
  cacheImageUri(reference: string): string {
    return cacheImageUri({ account: this.account, region: this.region, rules: this.ruleSettings }, reference);
  }

  /** The cache repositories of every rule: what pulling through the cache may touch. */
  protected repositoriesArns(): string[] {
    return this.ruleSettings.map((rule) => cacheRepositoriesArn(this.account, this.region, rule.prefix));
  }

  /** The creation template settings of a rule: the registry's, with the rule's own winning setting by setting. */
  protected templateSettings(rule: { readonly repositories?: RepositoryTemplateSettings }): RepositoryTemplateSettings {
    return { ...this.defaultRepositories, ...rule.repositories };
  }

  /** The cache repositories of the rules whose creation template tags them: the first pull there tags too. */
  protected taggedRepositoriesArns(): string[] {
    return this.ruleSettings.filter((rule) => templateTags(this.templateSettings(rule))).map((rule) => cacheRepositoriesArn(this.account, this.region, rule.prefix));
  }

  /** Brings the pull policy up to date with the rules; subclasses call it when a rule is added. */
  protected rulesChanged(): void {
    if (this.policy) this.policy.policy = this.pullDocument();
  }

  private pullDocument(): string {
    const tagged = this.taggedRepositoriesArns();
    return policyDocument(
      REGISTRY_LOGIN_STATEMENT,
      { Sid: 'PullThroughCache', Effect: 'Allow', Action: [...NODE_CACHE_ACTIONS], Resource: this.repositoriesArns() },
      // A first pull into a prefix whose template tags creates a tagged repository: ECR authorizes the tags too.
      ...(tagged.length > 0 ? [{ Sid: 'TagCacheRepositories', Effect: 'Allow' as const, Action: [...TEMPLATE_TAGGING_ACTIONS], Resource: tagged }] : []),
    );
  }
}

/**
 * A cache this app does not create: a hub of another account or stack, which this app's nodes pull through. Its
 * `repositories` are the hub's: whether its templates tag decides whether the pull policy allows ecr:TagResource.
 */
export interface PullThroughCacheAttributes extends CacheRegistryProps {
  /** The AWS account of the hub's registry. */
  readonly account: string;
  /** The AWS region of the hub's registry. */
  readonly region: string;
  /** The hub's rules (their prefixes decide the repositories its pull policy covers; mapping needs their upstreams). */
  readonly rules: readonly RuleSettings[];
}

class ImportedPullThroughCache extends PullThroughCacheBase {
  readonly ruleSettings: readonly RuleSettings[];

  constructor(scope: Construct, id: string, attributes: PullThroughCacheAttributes) {
    super(scope, id, attributes);
    this.ruleSettings = [...attributes.rules];
  }
}

/**
 * The pull-through cache of one registry (account and region): its rules, each with its credential secret or
 * upstream role and its creation template; the role the templates need for KMS or tags; the registry's scanning
 * configuration; the policy that lets nodes pull through it; and, for a hub, what lets other accounts pull through it.
 * A rule added after the policies or the scanning is covered by them too.
 *
 * ```ts
 * new AwsProvider(stack, 'aws', { region: 'eu-west-2', allowedAccountIds: ['111111111111'] });
 * const cache = new PullThroughCache(stack, 'cache', {}); // the stack's account and region, or give them
 * cache.addRule('docker-hub', { upstream: 'docker-hub' });
 * cache.grantPull(nodeRole);
 * cache.cacheImageUri('nginx:1.27'); // 111111111111.dkr.ecr.eu-west-2.amazonaws.com/docker-hub/library/nginx:1.27
 * ```
 */
export class PullThroughCache extends PullThroughCacheBase {
  /**
   * A cache of another account or stack (a hub) that this app's nodes pull through: its pull policy and grants cover
   * the hub's repositories, and its URIs are the hub's. The hub must list this account among its consumers.
   */
  static fromRegistry(scope: Construct, id: string, attributes: PullThroughCacheAttributes): IPullThroughCache {
    return new ImportedPullThroughCache(scope, id, attributes);
  }

  /**
   * The repository policy of every cache repository, when the cache has consumers: what lets them pull. Apply it to
   * repositories created before the templates had it (see docs/organization.md).
   */
  readonly consumerRepositoryPolicy?: string;
  /** The registry's permissions policy, when the cache has consumers. */
  readonly registryPolicy?: EcrRegistryPolicy;
  private readonly props: PullThroughCacheProps;
  private readonly ruleList: PullThroughCacheRule[] = [];
  private readonly consumerPrincipals?: PolicyPrincipals;
  private templateRole?: RepositoryTemplateRole;
  private scanning?: CacheScanning;
  private alertsConstruct?: CacheAlerts;

  constructor(scope: Construct, id: string, props: PullThroughCacheProps) {
    super(scope, id, { ...props, account: props.account ?? stackAccount(scope), region: props.region ?? stackRegion(scope) });
    this.props = props;
    if (props.consumers) {
      const problems = consumersProblems(props.consumers, { account: this.account, region: this.region }, isToken);
      if (problems.length > 0) throw new Error(`PullThroughCache consumers: ${problems.map((problem) => problem.message).join('; ')}`);
      const partition = isToken(this.region) ? 'aws' : partitionOf(this.region);
      this.consumerPrincipals = {
        accountArns: (props.consumers.accounts ?? []).map((account) => accountPrincipalArn(partition, account)),
        ...(props.consumers.organization !== undefined ? { organization: props.consumers.organization } : {}),
      };
      this.consumerRepositoryPolicy = policyDocument(...principalStatements('ConsumersPull', this.consumerPrincipals, CONSUMER_REPOSITORY_ACTIONS));
      // One permissions policy per registry: a second one anywhere would replace this (terraform-provider-aws #35940).
      this.registryPolicy = new EcrRegistryPolicy(this, 'registry-policy', { policy: this.registryDocument() });
      nameElement(this.registryPolicy, 'registry');
      this.node.addValidation({ validate: () => (this.ruleList.length === 0 ? [`${this.node.path}: consumers, but no rule to pull through; add one`] : []) });
    }
  }

  /** The rules, in the order they were added. */
  get rules(): readonly PullThroughCacheRule[] {
    return this.ruleList;
  }

  get ruleSettings(): readonly RuleSettings[] {
    return this.ruleList.map((rule) => rule.settings);
  }

  /** Adds a rule for `prefix` (`ROOT` for none), with its secret or role and its creation template. */
  addRule(prefix: string, options: PullThroughCacheRuleOptions): PullThroughCacheRule {
    // AWS keeps one rule per prefix in a registry: said here before cdktf's generic "There is already a Construct".
    if (this.ruleList.some((rule) => rule.prefix === prefix)) {
      throw new Error(`PullThroughCache ${this.node.path}: a rule for prefix "${prefix}" is added already; a registry has one rule per prefix`);
    }
    const repositories = this.templateSettings(options);
    const needsRole = templateNeedsRole(repositories) && repositories.roleArn === undefined;
    const role = needsRole ? this.templateRoleFor(prefix, repositories.kmsKey) : undefined;
    const rule = new PullThroughCacheRule(this, `rule-${prefix}`, {
      ...options,
      prefix,
      account: this.account,
      region: this.region,
      allowUnlistedRegion: this.props.allowUnlistedRegion,
      // The registry's defaults for the secrets it creates, given only to a rule that creates one.
      ...(createsCredentialSecret(options)
        ? { secretRecoveryWindowDays: this.props.secrets?.recoveryWindowDays, preventSecretDestroy: this.props.secrets?.preventDestroy }
        : {}),
      repositories: role ? { ...repositories, roleArn: role.arn } : repositories,
      repositoryPolicy: this.consumerRepositoryPolicy,
    });
    this.ruleList.push(rule);
    this.rulesChanged();
    if (this.registryPolicy) this.registryPolicy.policy = this.registryDocument();
    this.scanning?.addPrefix(prefix);
    this.alertsConstruct?.addPrefix(prefix);
    return rule;
  }

  /** The failure alerts, once added. */
  get alerts(): CacheAlerts | undefined {
    return this.alertsConstruct;
  }

  /**
   * Alerts when a pull-through cache action of one of the cache's rules fails (rules added later too): an EventBridge
   * rule on ECR's events, to an SNS topic (see CacheAlerts).
   */
  addAlerts(options: CacheAlertsOptions): CacheAlerts {
    if (this.alertsConstruct) throw new Error('PullThroughCache: the failure alerts are added already');
    const { name, ...settings } = options;
    this.alertsConstruct = new CacheAlerts(this, 'alerts', {
      ...settings,
      account: this.account,
      region: this.region,
      prefixes: this.ruleList.map((rule) => rule.prefix),
      name: name ?? boundedName([TerraformStack.of(this).node.id, 'cache-failures'], 64),
    });
    return this.alertsConstruct;
  }

  /** Owns the registry's scanning configuration (one per registry): see CacheScanning for what that means. */
  addScanning(options: CacheScanningOptions): CacheScanning {
    if (this.scanning) throw new Error('PullThroughCache: the registry has one scanning configuration, and it is added already');
    const { scope, ...scanning } = options;
    this.scanning = new CacheScanning(this, 'scanning', {
      ...scanning,
      ...(scope === 'cache' ? { onlyPrefixes: this.ruleList.map((rule) => rule.prefix) } : {}),
    });
    return this.scanning;
  }

  private templateRoleFor(prefix: string, kmsKey: string | undefined): RepositoryTemplateRole {
    if (!this.templateRole) {
      checkLiteral('PullThroughCache templateRoleName', this.props.templateRoleName, roleNameProblem);
      this.templateRole = new RepositoryTemplateRole(this, 'template-role', {
        roleName: this.props.templateRoleName ?? boundedName([TerraformStack.of(this).node.id, 'repository-template'], IAM_ROLE_NAME_MAX_LENGTH),
        account: this.account,
        region: this.region,
      });
    }
    this.templateRole.allow(prefix, kmsKey);
    return this.templateRole;
  }

  /**
   * Consumers may create the cache's repositories and import into them on a first pull, and tag them where the
   * template tags (their side of the cross-account evaluation: see TEMPLATE_TAGGING_ACTIONS); nothing else.
   */
  private registryDocument(): string {
    const tagged = this.taggedRepositoriesArns();
    return policyDocument(
      ...principalStatements('ConsumersCreateAndImport', this.consumerPrincipals!, CONSUMER_REGISTRY_ACTIONS, this.repositoriesArns()),
      ...(tagged.length > 0 ? principalStatements('ConsumersTag', this.consumerPrincipals!, TEMPLATE_TAGGING_ACTIONS, tagged) : []),
    );
  }
}
