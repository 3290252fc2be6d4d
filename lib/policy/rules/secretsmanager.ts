import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import type { PolicyRule } from '../rule';

/** A value written into the configuration: anything but a reference (`${var.x}`, `${ephemeral...}`) once resolved. */
const isLiteral = (resolved: unknown) => resolved !== undefined && resolved !== null && !(typeof resolved === 'string' && resolved.includes('${'));

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
    id: 'PTC-SM3',
    title: 'secret not encrypted with a customer managed KMS key',
    mirrors: 'checkov CKV_AWS_149, trivy AVD-AWS-0098',
    check: ({ type, config }) =>
      type === SecretsmanagerSecret.tfResourceType && config.kms_key_id === undefined ? { message: 'uses the default aws/secretsmanager key' } : undefined,
  },
];
