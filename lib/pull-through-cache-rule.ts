import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import { Construct } from 'constructs';
import { UpstreamCredentialSecret } from './credential-secret';
import { CREDENTIAL_SECRET_NAME_PREFIX, ROOT_PREFIX, cacheRegistryUri } from './ecr-facts';
import { EcrUpstreamRole } from './ecr-upstream-role';
import { type CacheRegistry, type RuleSettings, isCrossAccountEcr, ruleProblems, secretValueVariableName, upstreamRoleName } from './rule-checks';
import { upstream, upstreamRegistryUrl } from './upstreams';

export interface PullThroughCacheRuleProps extends RuleSettings, CacheRegistry {
  /**
   * Name of the credential secret this construct creates (upstreams that need credentials, without `secretArn`).
   * @default - `ecr-pullthroughcache/<prefix>`
   */
  readonly secretName?: string;
  /**
   * Days Secrets Manager keeps a deleted credential secret.
   * @default 7
   */
  readonly secretRecoveryWindowInDays?: number;
  /**
   * Refuse to destroy the created credential secret (`prevent_destroy`).
   * @default false
   */
  readonly preventSecretDestroy?: boolean;
  /**
   * Name of the role created for a cross-account ECR upstream without `roleArn`.
   * @default - `ecr-ptc-<prefix>-<region>`
   */
  readonly upstreamRoleName?: string;
}

/**
 * One pull-through cache rule, with what it needs upstream: a credential secret for registries that require
 * one (created unless `secretArn` names an existing one), or an IAM role for another account's ECR registry
 * (created unless `roleArn` names one). Checks AWS's rules in the constructor.
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
  /** Where the cached images live: `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>`. */
  readonly registryUri: string;

  constructor(scope: Construct, id: string, props: PullThroughCacheRuleProps) {
    super(scope, id);
    const problems = ruleProblems(props, props);
    if (problems.length > 0) {
      throw new Error(`rule ${props.prefix}: ${problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ')}`);
    }
    const spec = upstream(props.upstream);
    this.prefix = props.prefix;

    if (spec.auth === 'secret') {
      if (props.secretArn === undefined) {
        this.createdSecret = new UpstreamCredentialSecret(this, 'credentials', {
          name: props.secretName ?? `${CREDENTIAL_SECRET_NAME_PREFIX}${props.prefix}`,
          upstreamTitle: spec.title,
          recoveryWindowInDays: props.secretRecoveryWindowInDays,
          preventDestroy: props.preventSecretDestroy,
          ...(props.secretValueVersion !== undefined
            ? { valueFromVariable: { name: secretValueVariableName(props.prefix), version: props.secretValueVersion } }
            : {}),
        });
      }
      this.credentialArn = props.secretArn ?? this.createdSecret?.arn;
    }

    let customRoleArn = props.roleArn;
    if (customRoleArn === undefined && isCrossAccountEcr(props, props)) {
      this.createdRole = new EcrUpstreamRole(this, 'upstream-role', {
        roleName: props.upstreamRoleName ?? upstreamRoleName(props.prefix, props.region),
        account: props.account,
        region: props.region,
        prefix: props.prefix,
        upstreamRegistry: props.registry!,
        upstreamPrefix: props.upstreamPrefix,
      });
      customRoleArn = this.createdRole.arn;
    }

    this.rule = new EcrPullThroughCacheRule(this, 'rule', {
      ecrRepositoryPrefix: props.prefix,
      upstreamRegistryUrl: upstreamRegistryUrl(props.upstream, props.registry),
      credentialArn: this.credentialArn,
      customRoleArn,
      // ECR checks the role when the rule is created: its permissions must be in place by then.
      ...(this.createdRole ? { dependsOn: [this.createdRole.policy] } : {}),
      // ROOT is the API's default; leaving it out keeps the plan free of a no-op attribute.
      upstreamRepositoryPrefix: props.upstreamPrefix === ROOT_PREFIX ? undefined : props.upstreamPrefix,
    });
    this.registryUri = cacheRegistryUri(props.account, props.region, props.prefix);
  }
}
