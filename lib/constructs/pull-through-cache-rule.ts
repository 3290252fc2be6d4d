import { DataAwsSecretsmanagerSecretVersions } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-versions';
import { DataAwsSecretsmanagerSecrets } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secrets';
import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import { type ITerraformDependable, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import { addCheck, nameElement, recordMove, terraformAddress } from './addresses';
import { boundedName, IAM_ROLE_NAME_MAX_LENGTH, roleNameProblem } from '../aws/names';
import { LONGEST_REGION_NAME } from '../aws/regions';
import { checkLiteral, isToken } from './tokens';
import { UpstreamCredentialSecret } from './credential-secret';
import { ROOT_PREFIX, cacheRegistryUri } from '../aws/ecr';
import { EcrUpstreamRole } from './ecr-upstream-role';
import { PropagationWait } from './propagation-wait';
import { CacheRepositoryTemplate } from './cache-repository-template';
import {
  createsCredentialSecret,
  createsUpstreamRole,
  credentialSecretName,
  isCrossAccountEcr,
  type RuleOptions,
  ruleProblems,
  type RuleSettings,
  secretValueVariableName,
  upstreamRoleName,
} from '../checks/rule';
import { type CacheRegistry } from '../checks/common';
import { upstream, upstreamRegistryUrl } from '../aws/upstreams';

/** What `PullThroughCache.addRule(prefix, options)` takes: a rule in the environment file's words. */
export interface PullThroughCacheRuleOptions extends RuleOptions {}

export interface PullThroughCacheRuleProps extends PullThroughCacheRuleOptions, CacheRegistry {
  /** The ECR repository prefix, or `ROOT` for none. */
  readonly prefix: string;
  /**
   * Name of the credential secret this construct creates (upstreams that need credentials, without `secretArn`).
   * @default - `ecr-pullthroughcache/<prefix>`
   */
  readonly secretName?: string;
  /**
   * Days Secrets Manager keeps a deleted credential secret.
   * @default 7
   */
  readonly secretRecoveryWindowDays?: number;
  /**
   * Refuse to destroy the created credential secret (`prevent_destroy`).
   * @default false
   */
  readonly preventSecretDestroy?: boolean;
  /**
   * The repository policy of the cache repositories the rule creates (its template's `repository_policy`).
   * @default - none
   */
  readonly repositoryPolicy?: string;
  /**
   * Name of the role created for a cross-account ECR upstream without `roleArn`.
   * @default - `ecr-ptc-<prefix>-<region>`
   */
  readonly upstreamRoleName?: string;
}

/**
 * Whether a `aws_secretsmanager_secret_versions` data source (its reference) lists a version labelled AWSCURRENT: the
 * secret has a value. A secret with no version has no `versions` at all (null): try() makes that false.
 */
const hasCurrentVersion = (versions: string) => `try(anytrue([for version in ${versions}.versions : contains(version.version_stages, "AWSCURRENT")]), false)`;

/** What to do about an empty credential secret: the words both of its messages end with. */
const fillAdvice = (secret: UpstreamCredentialSecret, command = '') =>
  `Put the ${secret.upstreamTitle} credentials in it as JSON {"username", "accessToken"}${command} (docs/credentials.md), then apply again: that apply creates the rule.`;

/**
 * One pull-through cache rule, with what it needs upstream: a credential secret for registries that require
 * one (created unless `secretArn` names an existing one), or an IAM role for another account's ECR registry
 * (created unless `roleArn` names one); and the creation template of the repositories it creates. Checks AWS's
 * rules in the constructor. A template with a KMS key or tags needs a role (`repositories.roleArn`):
 * `PullThroughCache.addRule` creates one when it is missing.
 */
export class PullThroughCacheRule extends Construct {
  readonly rule: EcrPullThroughCacheRule;
  /** The ECR repository prefix (`ROOT` for none). */
  readonly prefix: string;
  /** The secret this construct created, if any. */
  readonly createdSecret?: UpstreamCredentialSecret;
  /** The role this construct created, if any. */
  readonly createdRole?: EcrUpstreamRole;
  /** The credential secret's ARN, created or given. */
  readonly credentialArn?: string;
  /** The role ECR uses for the upstream (`custom_role_arn`), created or given. */
  readonly customRoleArn?: string;
  /** Where the cached images live: `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>`. */
  readonly registryUri: string;
  /** The pause between writing the credential or role and creating the rule, when this construct writes either. */
  readonly propagationWait?: PropagationWait;
  /** The creation template of the rule's cache repositories. */
  readonly template: CacheRepositoryTemplate;
  /** What the rule says, in the environment file's words: what image mapping reads. */
  readonly settings: RuleSettings;
  /**
   * True when the rule exists only once its created secret has a value (`count` 0 until then): the rule's resource
   * is then `aws_ecr_pull_through_cache_rule.<name>[0]`.
   */
  readonly waitsForSecretValue: boolean;

  constructor(scope: Construct, id: string, props: PullThroughCacheRuleProps) {
    super(scope, id);
    // A token (another resource's ARN) is checked for where it may be given; its format is the provider's to check.
    const problems = ruleProblems(props, props, isToken);
    if (problems.length > 0) {
      throw new Error(`rule ${props.prefix}: ${problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ')}`);
    }
    const spec = upstream(props.upstream);
    const crossAccount = isCrossAccountEcr(props, props, isToken);
    if (crossAccount === undefined && props.roleArn === undefined) {
      throw new Error(`rule ${props.prefix}: registry or account is a token, so whether the upstream is another account's is not known: give roleArn`);
    }
    ignoredProps(props, { createsSecret: createsCredentialSecret(props), createsRole: createsUpstreamRole(props, props, isToken) });
    checkLiteral(`rule ${props.prefix}: upstreamRoleName`, props.upstreamRoleName, roleNameProblem);
    this.prefix = props.prefix;
    const { prefix, upstream: upstreamName, registry, upstreamPrefix, secretArn, roleArn, secretValueVersion, repositories } = props;
    this.settings = { prefix, upstream: upstreamName, registry, upstreamPrefix, secretArn, roleArn, secretValueVersion, repositories };

    if (spec.auth === 'secret') {
      if (props.secretArn === undefined) {
        this.createdSecret = new UpstreamCredentialSecret(this, 'credentials', {
          name: props.secretName ?? credentialSecretName(props.prefix),
          upstreamTitle: spec.title,
          recoveryWindowDays: props.secretRecoveryWindowDays,
          preventDestroy: props.preventSecretDestroy,
          ...(props.secretValueVersion !== undefined
            ? { valueFromVariable: { name: secretValueVariableName(props.prefix), version: props.secretValueVersion } }
            : {}),
        });
      }
      this.credentialArn = props.secretArn ?? this.createdSecret?.arn;
    }

    let customRoleArn = props.roleArn;
    if (createsUpstreamRole(props, props, isToken)) {
      this.createdRole = new EcrUpstreamRole(this, 'upstream-role', {
        roleName: props.upstreamRoleName ?? this.defaultUpstreamRoleName(props),
        account: props.account,
        region: props.region,
        prefix: props.prefix,
        registry: props.registry!,
        upstreamPrefix: props.upstreamPrefix,
      });
      customRoleArn = this.createdRole.arn;
    }

    // CreatePullThroughCacheRule checks the secret and the role when the rule is created (its documented errors
    // include SecretNotFoundException and UnableToDecryptSecretValueException): what Terraform writes for the rule
    // in this apply must be in place, and visible to ECR, first.
    const writtenFirst: ITerraformDependable[] = [
      ...(this.createdSecret?.valueVersion ? [this.createdSecret.valueVersion] : []),
      ...(this.createdRole ? [this.createdRole.policy] : []),
    ];
    if (writtenFirst.length > 0) this.propagationWait = new PropagationWait(this, 'propagation', { name: [props.prefix, 'propagation'], after: writtenFirst });

    this.customRoleArn = customRoleArn;
    // A secret the stack creates empty, and whose name is known, gates its rule instead of failing the plan.
    const gate = this.createdSecret && !this.createdSecret.valueVersion && !isToken(this.createdSecret.name) ? this.valueGate(this.createdSecret) : undefined;
    this.waitsForSecretValue = gate !== undefined;
    this.rule = new EcrPullThroughCacheRule(this, 'rule', {
      ...(gate ? { count: Token.asNumber(`\${${gate} ? 1 : 0}`) } : {}),
      ecrRepositoryPrefix: props.prefix,
      upstreamRegistryUrl: upstreamRegistryUrl(props.upstream, props.registry),
      credentialArn: this.credentialArn,
      customRoleArn,
      ...(this.propagationWait ? { dependsOn: [this.propagationWait.resource] } : {}),
      // Optional, ForceNew and not Computed in the provider, while AWS stores ROOT when it is left out and the
      // provider reads that back: unset, every later plan would replace the rule. The provider's own acceptance
      // tests always set it (internal/service/ecr/pull_through_cache_rule_test.go).
      upstreamRepositoryPrefix: spec.supportsUpstreamPrefix ? (props.upstreamPrefix ?? ROOT_PREFIX) : undefined,
      ...(this.createdSecret && !this.createdSecret.valueVersion && !gate ? { lifecycle: { precondition: [this.secretHasValue(this.createdSecret)] } } : {}),
    });
    nameElement(this.rule, props.prefix);
    if (gate) {
      // Before the gate the rule had no count: its object moves to index 0 (docs/deploying.md, "Terraform addresses").
      const address = terraformAddress(this.rule)!;
      recordMove(this, address, `${address}[0]`);
    }
    this.template = new CacheRepositoryTemplate(this, 'template', { prefix: props.prefix, ...props.repositories, repositoryPolicy: props.repositoryPolicy });
    this.registryUri = cacheRegistryUri(props.account, props.region, props.prefix);
  }

  /**
   * `ecr-ptc-<prefix>-<region>`: IAM names are per account, so the region is part of it. A region that is a token (the
   * stack's, read at plan) stays one inside the name, which only its literal part can bound to IAM's 64 characters.
   */
  private defaultUpstreamRoleName(props: PullThroughCacheRuleProps): string {
    if (!isToken(props.region)) return upstreamRoleName(props.prefix, props.region);
    return `${boundedName(['ecr-ptc', props.prefix], IAM_ROLE_NAME_MAX_LENGTH - LONGEST_REGION_NAME - 1)}-${props.region}`;
  }

  /**
   * A secret created empty is filled out of band, and whether ECR accepts a rule whose secret has no value yet is not
   * documented: so the rule exists only once the secret has a value. Every plan reads, by the secret's name (no
   * reference to the secret resource, so the read is never put off to the apply), whether the secret exists
   * (ListSecrets) and has a current version (ListSecretVersionIds); until it does, the rule's count is 0 and a check
   * block names the secret and the next step in a warning, while the rest of the stack plans and applies. The apply
   * after the secret is filled creates the rule. Returns the condition "the secret has a value".
   */
  private valueGate(secret: UpstreamCredentialSecret): string {
    const existing = new DataAwsSecretsmanagerSecrets(this, 'credential-secret', { filter: [{ name: 'name', values: [secret.name] }] });
    nameElement(existing, this.prefix);
    // ListSecrets' name filter matches a prefix of the name: the exact name must be among those found.
    const versions = new DataAwsSecretsmanagerSecretVersions(this, 'credential-versions', { secretId: secret.name });
    versions.addOverride('count', `\${contains(${existing.fqn}.names, ${JSON.stringify(secret.name)}) ? 1 : 0}`);
    nameElement(versions, this.prefix);
    const condition = hasCurrentVersion(`${versions.fqn}[0]`);
    const stack = TerraformStack.of(this).node.id;
    addCheck(
      this,
      `${versions.friendlyUniqueId}_credentials`,
      `\${${condition}}`,
      `${stack}: the secret ${secret.name} has no value yet, so the pull-through cache rule ${this.prefix} waits for it ` +
        `(everything else is planned and applied). ${fillAdvice(secret, `: aws secretsmanager put-secret-value --secret-id ${secret.name} --secret-string file://credentials.json`)}`,
    );
    return condition;
  }

  /**
   * A secret created empty is filled out of band. Whether ECR accepts a rule whose secret has no value yet is not
   * documented, so the rule is never created before it has one: the first apply creates the secret and stops here
   * with the next step, and the apply after the secret is filled creates the rule. The versions are read at apply
   * time on a first deploy (the secret does not exist at plan), at plan time afterwards. That first read needs no
   * propagation wait: the provider's create of the secret returns only once DescribeSecret finds it
   * (terraform-provider-aws internal/service/secretsmanager/secret.go, RetryWhenNotFound after CreateSecret).
   */
  private secretHasValue(secret: UpstreamCredentialSecret): { condition: string; errorMessage: string } {
    const versions = new DataAwsSecretsmanagerSecretVersions(this, 'credential-versions', { secretId: secret.arn });
    nameElement(versions, this.prefix);
    return {
      condition: `\${${hasCurrentVersion(versions.fqn)}}`,
      errorMessage: `The secret ${secret.name} has no value yet, so the pull-through cache rule ${this.prefix} was not created. ${fillAdvice(secret)} Everything else this apply created is in place.`,
    };
  }
}

/** No prop is silently ignored: the ones that shape a secret or a role this rule does not create are refused. */
function ignoredProps(props: PullThroughCacheRuleProps, creates: { createsSecret: boolean; createsRole: boolean }): void {
  const secretProps = (['secretName', 'secretRecoveryWindowDays', 'preventSecretDestroy'] as const).filter((key) => props[key] !== undefined);
  const problems: string[] = [];
  if (!creates.createsSecret && secretProps.length > 0) {
    const why = props.secretArn === undefined ? `${props.upstream} needs no credential secret` : 'secretArn names an existing secret';
    problems.push(`${secretProps.join(', ')}: no secret is created (${why}): remove ${secretProps.length > 1 ? 'them' : 'it'}`);
  }
  if (!creates.createsRole && props.upstreamRoleName !== undefined) {
    const why = props.roleArn === undefined ? 'the upstream is not another account\'s ECR registry' : 'roleArn names an existing role';
    problems.push(`upstreamRoleName: no upstream role is created (${why}): remove it`);
  }
  if (problems.length > 0) throw new Error(`rule ${props.prefix}: ${problems.join('; ')}`);
}
