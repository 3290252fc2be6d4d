import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { parseArn } from '../../aws/arns';
import { CREDENTIAL_SECRET_NAME_PREFIX, isDefaultSecretsManagerKey } from '../../aws/ecr';
import type { CheckedResource, PolicyRule } from '../rule';

/** A value written into the configuration: anything but a reference (`${var.x}`, `${ephemeral...}`) once resolved. */
const isLiteral = (resolved: unknown) => resolved !== undefined && resolved !== null && !(typeof resolved === 'string' && resolved.includes('${'));

/**
 * AWS's rule for the key of a pull-through cache rule's credential secret. ECR user guide, "Storing your upstream
 * repository credentials in an AWS Secrets Manager secret" (pull-through-cache-creating-secret.html): "You must use the
 * default aws/secretsmanager encryption key to encrypt your secret." ECR does not support a customer managed key for it
 * (the same page).
 */
export const PULL_THROUGH_CACHE_SECRET_KEY =
  'ECR user guide, "Storing your upstream repository credentials in an AWS Secrets Manager secret": "You must use the default aws/secretsmanager encryption key to encrypt your secret"';

/**
 * Why a rule's secret is under the default key: the reason written into its `//` block. Its words predate the check
 * knowing rules' secrets (the README and the recorded outputs quote them); the source is PULL_THROUGH_CACHE_SECRET_KEY.
 */
export const PULL_THROUGH_CACHE_SECRET_EXCEPTION = 'ECR pull-through cache can only read secrets under the default aws/secretsmanager key';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A secret named with the prefix AWS requires of a pull-through cache rule's credential secret (ECR user guide, the
 * same page: the name must begin with `ecr-pullthroughcache/`): one a rule of this or another stack reads.
 */
function isCredentialSecretName(secret: CheckedResource): boolean {
  const name = secret.resolve(secret.config.name);
  return typeof name === 'string' && name.startsWith(CREDENTIAL_SECRET_NAME_PREFIX);
}

/**
 * The prefixes of the pull-through cache rules of the stack whose `credential_arn` is this secret: a reference to it
 * (`${aws_secretsmanager_secret.<name>.arn}`, or `.id`, which is the ARN too), or its ARN written out, matched by the
 * secret's name (Secrets Manager appends `-` and 6 characters to the name in a secret's ARN).
 */
function rulesUsing(secret: CheckedResource): string[] {
  const name = secret.resolve(secret.config.name);
  // Not preceded by `data.` or another name: only this resource's own attributes.
  const reference = new RegExp(`(?<![\\w.-])${escapeRegExp(secret.address)}\\.(arn|id)\\b`);
  const isThisSecret = (credentialArn: unknown): boolean => {
    if (typeof credentialArn !== 'string') return false;
    if (reference.test(credentialArn)) return true;
    const arn = parseArn(credentialArn);
    if (typeof name !== 'string' || name.includes('${') || arn?.service !== 'secretsmanager') return false;
    return arn.resource === `secret:${name}` || new RegExp(`^secret:${escapeRegExp(name)}-[A-Za-z0-9]{6}$`).test(arn.resource);
  };
  return secret
    .stackResources(EcrPullThroughCacheRule.tfResourceType)
    .filter((rule) => isThisSecret(secret.resolve(rule.credential_arn)))
    .map((rule) => String(secret.resolve(rule.ecr_repository_prefix)));
}

export const SECRETS_MANAGER_RULES: readonly PolicyRule[] = [
  {
    id: 'PTC-SM1',
    title: 'secret value in the configuration (and so in the Terraform state)',
    mirrors: 'checkov secrets scanning (CKV_SECRET_*), trivy secret scanning; a value in state is beyond both',
    check: ({ type, config, resolve }) => {
      if (type !== SecretsmanagerSecretVersion.tfResourceType) return undefined;
      if (config.secret_string !== undefined || config.secret_binary !== undefined) {
        return {
          message:
            'sets secret_string or secret_binary: the value lands in the configuration and the Terraform state; use secret_string_wo from an ephemeral variable',
        };
      }
      return isLiteral(resolve(config.secret_string_wo)) ? { message: 'writes a literal secret_string_wo: the value is in the synthesized configuration' } : undefined;
    },
  },
  {
    id: 'PTC-SM2',
    title: 'secret deleted without a recovery window',
    mirrors: 'none in checkov or trivy: this project requires 7-30 days',
    check: ({ type, config }) =>
      type === SecretsmanagerSecret.tfResourceType && config.recovery_window_in_days === 0
        ? { message: 'recovery_window_in_days = 0 deletes the secret at once, with no way back' }
        : undefined,
  },
  {
    // The general rule, for every secret but a pull-through cache rule's credential secret, for which AWS documents
    // the opposite (PTC-SM4): there the default key is an exception, named with its source.
    id: 'PTC-SM3',
    title: 'secret not encrypted with a customer managed KMS key',
    mirrors: 'checkov CKV_AWS_149, trivy AVD-AWS-0098',
    check: (resource) => {
      if (resource.type !== SecretsmanagerSecret.tfResourceType || resource.config.kms_key_id !== undefined) return undefined;
      const rules = rulesUsing(resource);
      if (rules.length > 0) {
        return { message: `uses the default aws/secretsmanager key, as the credential secret of the pull-through cache rule ${rules.join(', ')} must`, exception: PULL_THROUGH_CACHE_SECRET_EXCEPTION };
      }
      if (isCredentialSecretName(resource)) {
        return { message: `uses the default aws/secretsmanager key, as a secret named ${CREDENTIAL_SECRET_NAME_PREFIX}... (a pull-through cache rule's, in any stack) must`, exception: PULL_THROUGH_CACHE_SECRET_EXCEPTION };
      }
      return { message: 'uses the default aws/secretsmanager key' };
    },
  },
  {
    id: 'PTC-SM4',
    title: "pull-through cache rule's credential secret under another key than aws/secretsmanager",
    mirrors: `none in checkov or trivy: AWS's rule (${PULL_THROUGH_CACHE_SECRET_KEY})`,
    check: (resource) => {
      if (resource.type !== SecretsmanagerSecret.tfResourceType) return undefined;
      const key = resource.config.kms_key_id;
      if (key === undefined || isDefaultSecretsManagerKey(resource.resolve(key))) return undefined;
      const rules = rulesUsing(resource);
      const what = rules.length > 0 ? `is the credential secret of the pull-through cache rule ${rules.join(', ')}` : isCredentialSecretName(resource) ? `is named ${String(resource.resolve(resource.config.name))}, a pull-through cache rule's credential secret` : undefined;
      return what === undefined ? undefined : { message: `${what}, encrypted with kms_key_id ${String(resource.resolve(key))}: ECR cannot read it; leave kms_key_id out` };
    },
  },
];
