/**
 * AWS's rules for one pull-through cache rule, checked before anything is planned. The environment-file
 * validation and the constructs both call `ruleProblems`, so a rule is judged the same way everywhere.
 */
import { CREDENTIAL_SECRET_NAME_PREFIX, ROOT_PREFIX, parsePrivateRegistryHost, repositoryPrefixProblem } from '../aws/ecr';
import { parseArn } from '../aws/arns';
import { partitionOf } from '../aws/regions';
import { boundedName, IAM_ROLE_NAME_MAX_LENGTH } from '../aws/names';
import type { RepositoryTemplateSettings } from './repository-template';
import { type CacheRegistry, type IsToken, literalRegistry, NO_TOKENS, roleArnProblem } from './common';
import { type UpstreamName, isUpstreamName, upstream, upstreamRegistryProblem } from '../aws/upstreams';

/** Days Secrets Manager keeps a deleted credential secret: this project's bounds and default. */
export const RECOVERY_WINDOW_DAYS = { default: 7, min: 7, max: 30 } as const;

/** The input variable a rule's credential secret value comes from: `credentials_<prefix>`, set as TF_VAR_credentials_<prefix>. */
export function secretValueVariableName(prefix: string): string {
  return `credentials_${prefix.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;
}

/** The credential secret a rule creates, unless given `secretName`: `ecr-pullthroughcache/<prefix>`. */
export function credentialSecretName(prefix: string): string {
  return `${CREDENTIAL_SECRET_NAME_PREFIX}${prefix}`;
}

/** The role created for a cross-account ECR upstream: IAM names are per account, so the region is part of it. */
export function upstreamRoleName(prefix: string, region: string): string {
  return boundedName(['ecr-ptc', prefix, region], IAM_ROLE_NAME_MAX_LENGTH);
}

/** What a rule says besides its prefix, in the words of the environment file. */
export interface RuleOptions {
  /** AWS's name for the upstream registry. */
  readonly upstream: UpstreamName;
  /** The upstream host, where it varies (`azure-container-registry`, `ecr`). */
  readonly registry?: string;
  /** ECR-to-ECR only: the upstream repository prefix that `<prefix>/` maps to. */
  readonly upstreamPrefix?: string;
  /** An existing credential secret to use instead of creating one. */
  readonly secretArn?: string;
  /** ECR-to-ECR only: an existing role for `custom_role_arn` instead of the one created cross-account. */
  readonly roleArn?: string;
  /** Write the created secret's value from an ephemeral variable; `secret_string_wo_version`. */
  readonly secretValueVersion?: number;
  /**
   * How the cache repositories of this rule are created (its repository creation template).
   * @default - expire untagged images after 7 days, keep at most 100 images, MUTABLE tags, AES256
   */
  readonly repositories?: RepositoryTemplateSettings;
}

/** A rule: its prefix and what it says. */
export interface RuleSettings extends RuleOptions {
  /** The ECR repository prefix, or `ROOT` for no prefix. */
  readonly prefix: string;
}

/** A problem with one field of a rule; `field` is undefined for the rule as a whole. */
export interface RuleProblem {
  readonly field?: keyof RuleSettings;
  readonly message: string;
}

/**
 * Problems with a rule; checks that compare with the cache's account and region need `registry`. A field that is a
 * token is checked for where it may be given, not for its format.
 */
export function ruleProblems(rule: RuleSettings, registry?: CacheRegistry, isToken: IsToken = NO_TOKENS): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (field: keyof RuleSettings | undefined, message: string | undefined) => {
    if (message !== undefined) problems.push({ ...(field ? { field } : {}), message });
  };
  const literal = (value: string | undefined): value is string => value !== undefined && !isToken(value);
  const known = literalRegistry(registry, isToken);

  // The prefix names the rule's resources and their addresses: it must be known when synthesizing.
  if (isToken(rule.prefix)) return [{ field: 'prefix', message: 'must be a literal string, not a token: it names the rule and its resources' }];
  add('prefix', repositoryPrefixProblem(rule.prefix));
  if (!isUpstreamName(rule.upstream)) {
    add('upstream', `"${String(rule.upstream)}" is not an upstream registry AWS supports`);
    return problems;
  }
  const spec = upstream(rule.upstream);
  if (rule.registry === undefined || literal(rule.registry)) add('registry', upstreamRegistryProblem(rule.upstream, rule.registry, registry));

  if (rule.upstreamPrefix !== undefined) {
    if (!spec.supportsUpstreamPrefix) {
      add('upstreamPrefix', `only ECR-to-ECR rules (upstream: ecr) map to an upstream prefix; ${rule.upstream} does not`);
    } else if (rule.prefix === ROOT_PREFIX && rule.upstreamPrefix !== ROOT_PREFIX) {
      add('upstreamPrefix', `a ${ROOT_PREFIX} rule cannot map to an upstream prefix; give the rule a prefix of its own`);
    } else if (literal(rule.upstreamPrefix)) {
      add('upstreamPrefix', repositoryPrefixProblem(rule.upstreamPrefix));
    }
  }

  if (rule.secretArn !== undefined) {
    if (spec.auth !== 'secret') {
      add('secretArn', `${rule.upstream} takes no credential secret${spec.auth === 'role' ? ' (it uses an IAM role: roleArn)' : ''}`);
    } else if (literal(rule.secretArn)) {
      add('secretArn', secretArnProblem(rule.secretArn, known));
    }
  }

  if (rule.secretValueVersion !== undefined) {
    if (spec.auth !== 'secret') add('secretValueVersion', `${rule.upstream} takes no credential secret`);
    else if (rule.secretArn !== undefined) add('secretValueVersion', 'only for the secret this project creates, not with secretArn');
  }

  if (rule.roleArn !== undefined) {
    if (spec.auth !== 'role') add('roleArn', `${rule.upstream} takes no IAM role; only ECR-to-ECR rules (upstream: ecr) do`);
    else if (literal(rule.roleArn)) add('roleArn', roleArnProblem(rule.roleArn, known));
  }

  if (rule.upstream === 'ecr' && literal(rule.registry) && known) {
    const source = parsePrivateRegistryHost(rule.registry);
    if (source && source.account === known.account && source.region === known.region) {
      add('registry', `${rule.registry} is this cache's own registry; an ECR upstream must be another region or account`);
    }
  }
  return problems;
}

/** A credential secret must be named `ecr-pullthroughcache/...`, in the cache's own account and region. */
export function secretArnProblem(secretArn: string, registry?: CacheRegistry): string | undefined {
  const arn = parseArn(secretArn);
  if (!arn || arn.service !== 'secretsmanager' || !arn.resource.startsWith('secret:')) {
    return `"${secretArn}" is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)`;
  }
  const wrong: string[] = [];
  if (!arn.resource.startsWith(`secret:${CREDENTIAL_SECRET_NAME_PREFIX}`)) {
    wrong.push(`its name must start with "${CREDENTIAL_SECRET_NAME_PREFIX}" (ECR may read no other secret)`);
  }
  if (registry) {
    if (arn.account !== registry.account) wrong.push(`it is in account ${arn.account}, not the cache's account ${registry.account}`);
    if (arn.region !== registry.region) wrong.push(`it is in region ${arn.region}, not the cache's region ${registry.region}`);
    if (arn.partition !== partitionOf(registry.region)) wrong.push(`it is in partition ${arn.partition}`);
  }
  return wrong.length > 0 ? `secret ${secretArn}: ${wrong.join('; ')}` : undefined;
}

/**
 * True when the rule's upstream is another account's private ECR registry, which needs `custom_role_arn`;
 * undefined when a token hides the upstream's account or the cache's.
 */
export function isCrossAccountEcr(rule: RuleSettings, registry: CacheRegistry, isToken: IsToken = NO_TOKENS): boolean | undefined {
  if (rule.upstream !== 'ecr' || rule.registry === undefined) return false;
  if (isToken(rule.registry) || isToken(registry.account)) return undefined;
  const source = parsePrivateRegistryHost(rule.registry);
  return source !== undefined && source.account !== registry.account;
}

/** Whether a rule creates its credential secret: an upstream that needs one, and no `secretArn`. */
export function createsCredentialSecret(rule: Pick<RuleSettings, 'upstream' | 'secretArn'>): boolean {
  return isUpstreamName(rule.upstream) && upstream(rule.upstream).auth === 'secret' && rule.secretArn === undefined;
}

/** Whether a rule creates the role of its upstream: another account's ECR registry, and no `roleArn`. */
export function createsUpstreamRole(rule: RuleSettings, registry: CacheRegistry, isToken: IsToken = NO_TOKENS): boolean {
  return isCrossAccountEcr(rule, registry, isToken) === true && rule.roleArn === undefined;
}
