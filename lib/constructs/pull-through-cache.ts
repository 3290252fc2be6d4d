import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { nameElement } from './addresses';
import { isToken } from './tokens';
import { CacheScanning, type CacheScanningProps } from './cache-scanning';
import { cacheImageUri } from '../images/cache-uri';
import { accountProblem } from '../aws/arns';
import { cacheRegistryUri, cacheRepositoriesArn } from '../aws/ecr';
import { type RegionOptions, regionProblem } from '../aws/regions';
import { policyDocument, REGISTRY_LOGIN_STATEMENT } from '../aws/iam';
import { boundedName, IAM_ROLE_NAME_MAX_LENGTH, terraformName } from '../aws/names';
import { NODE_CACHE_ACTIONS } from '../aws/perms';
import { PullThroughCacheRule, type PullThroughCacheRuleOptions } from './pull-through-cache-rule';
import { type RepositoryTemplateSettings, templateNeedsRole } from '../checks/repository-template';
import { RepositoryTemplateRole } from './repository-template-role';

export interface PullThroughCacheProps extends RegionOptions {
  /** The AWS account of the registry that holds the cache. */
  readonly account: string;
  /** The AWS region of the registry that holds the cache. */
  readonly region: string;
  /**
   * How every rule's cache repositories are created; a rule's own `repositories` win, setting by setting.
   * @default - expire untagged images after 7 days, keep at most 100 images, MUTABLE tags, AES256, no tags
   */
  readonly repositories?: RepositoryTemplateSettings;
  /**
   * The credential secrets the rules create.
   * @default - a 7-day recovery window, and destroy allowed
   */
  readonly secrets?: { readonly recoveryWindowInDays?: number; readonly preventDestroy?: boolean };
  /**
   * Name of the role ECR uses to create repositories with a KMS key or tags, created when a rule needs it.
   * @default - `<stack>-repository-template`
   */
  readonly templateRoleName?: string;
  /**
   * Name of the managed policy `grantPull` attaches.
   * @default - `<stack>-node-pull`
   */
  readonly pullPolicyName?: string;
}

/** What `addScanning` takes: the registry's scanning configuration. */
export interface CacheScanningOptions extends Omit<CacheScanningProps, 'onlyPrefixes'> {
  /**
   * `cache`: scan only the cache prefixes, and every other repository of the registry loses its scanning.
   * @default registry - every repository of the registry
   */
  readonly scope?: 'registry' | 'cache';
}

/**
 * The pull-through cache of one registry (account and region): its rules, each with its credential secret or
 * upstream role and its creation template; the role the templates need for KMS or tags; the registry's scanning
 * configuration; and the policy that lets nodes pull through it. A rule added after the policy or the scanning is
 * covered by them too.
 *
 * ```ts
 * const cache = new PullThroughCache(stack, 'cache', { account: '111111111111', region: 'eu-west-2' });
 * cache.addRule('docker-hub', { upstream: 'docker-hub' });
 * cache.grantPull(nodeRole);
 * cache.cacheImageUri('nginx:1.27'); // 111111111111.dkr.ecr.eu-west-2.amazonaws.com/docker-hub/library/nginx:1.27
 * ```
 */
export class PullThroughCache extends Construct {
  readonly account: string;
  readonly region: string;
  private readonly props: PullThroughCacheProps;
  private readonly ruleList: PullThroughCacheRule[] = [];
  private templateRole?: RepositoryTemplateRole;
  private scanning?: CacheScanning;
  private policy?: IamPolicy;

  constructor(scope: Construct, id: string, props: PullThroughCacheProps) {
    super(scope, id);
    const problems = [
      isToken(props.account) ? undefined : accountProblem(props.account),
      isToken(props.region) ? undefined : regionProblem(props.region, props),
    ].filter((problem) => problem !== undefined);
    if (problems.length > 0) throw new Error(`PullThroughCache: ${problems.join('; ')}`);
    this.props = props;
    this.account = props.account;
    this.region = props.region;
  }

  /** The rules, in the order they were added. */
  get rules(): readonly PullThroughCacheRule[] {
    return this.ruleList;
  }

  /** Adds a rule for `prefix` (`ROOT` for none), with its secret or role and its creation template. */
  addRule(prefix: string, options: PullThroughCacheRuleOptions): PullThroughCacheRule {
    const repositories: RepositoryTemplateSettings = { ...this.props.repositories, ...options.repositories };
    const needsRole = templateNeedsRole(repositories) && repositories.roleArn === undefined;
    const role = needsRole ? this.templateRoleFor(prefix, repositories.kmsKey) : undefined;
    const rule = new PullThroughCacheRule(this, `rule-${prefix}`, {
      ...options,
      prefix,
      account: this.account,
      region: this.region,
      allowUnlistedRegion: this.props.allowUnlistedRegion,
      secretRecoveryWindowInDays: this.props.secrets?.recoveryWindowInDays,
      preventSecretDestroy: this.props.secrets?.preventDestroy,
      repositories: role ? { ...repositories, roleArn: role.arn } : repositories,
    });
    this.ruleList.push(rule);
    if (this.policy) this.policy.policy = this.pullDocument();
    this.scanning?.addPrefix(prefix);
    return rule;
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

  /**
   * The customer managed policy that lets a principal pull through the cache: pull, refresh from upstream and create
   * the repositories of every rule's prefix, and log in to the registry.
   */
  get pullPolicy(): IamPolicy {
    if (!this.policy) {
      this.policy = new IamPolicy(this, 'pull-policy', {
        name: this.props.pullPolicyName ?? boundedName([TerraformStack.of(this).node.id, 'node-pull'], 128),
        description: 'Pull through the ECR pull-through cache, creating cache repositories on first pull',
        policy: this.pullDocument(),
      });
      nameElement(this.policy, 'node_pull');
      this.node.addValidation({ validate: () => (this.ruleList.length === 0 ? ['PullThroughCache: the pull policy covers no rule; add one'] : []) });
    }
    return this.policy;
  }

  /**
   * Lets a role pull through the cache: attaches `pullPolicy` to an IamRole of this app, or to an existing role by
   * name. The attachment's address is `aws_iam_role_policy_attachment.<role>_cache_pull`.
   */
  grantPull(role: IamRole | string): IamRolePolicyAttachment {
    const name = typeof role === 'string' ? terraformName(role) : role.friendlyUniqueId;
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

  /** The cache URI of an image reference, through the rules added so far; throws ImageMappingError when none serves it. */
  cacheImageUri(reference: string): string {
    return cacheImageUri({ account: this.account, region: this.region, rules: this.ruleList.map((rule) => rule.settings) }, reference);
  }

  private templateRoleFor(prefix: string, kmsKey: string | undefined): RepositoryTemplateRole {
    if (!this.templateRole) {
      this.templateRole = new RepositoryTemplateRole(this, 'template-role', {
        roleName: this.props.templateRoleName ?? boundedName([TerraformStack.of(this).node.id, 'repository-template'], IAM_ROLE_NAME_MAX_LENGTH),
        account: this.account,
        region: this.region,
      });
    }
    this.templateRole.allow(prefix, kmsKey);
    return this.templateRole;
  }

  private pullDocument(): string {
    return policyDocument(REGISTRY_LOGIN_STATEMENT, {
      Sid: 'PullThroughCache',
      Effect: 'Allow',
      Action: [...NODE_CACHE_ACTIONS],
      Resource: this.ruleList.map((rule) => cacheRepositoriesArn(this.account, this.region, rule.prefix)),
    });
  }
}
