import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { Construct } from 'constructs';
import { CREDENTIAL_SECRET_NAME_PREFIX } from './ecr-facts';

export const RECOVERY_WINDOW_DAYS = { default: 7, min: 7, max: 30 } as const;

export interface UpstreamCredentialSecretProps {
  /** The secret's name; must start with `ecr-pullthroughcache/`. */
  readonly name: string;
  /** Who the credential is for, shown in the secret's description. */
  readonly upstreamTitle: string;
  /**
   * Days Secrets Manager keeps a deleted secret before it is gone.
   * @default 7 - the shortest window, so a removed rule can be recreated within a week
   */
  readonly recoveryWindowInDays?: number;
}

/**
 * The Secrets Manager secret that holds an upstream registry's credentials, as JSON
 * `{"username": "...", "accessToken": "..."}`. Only the secret is created: its value is put out of band
 * (see the README), so no credential passes through the configuration or the Terraform state.
 * It always uses the default `aws/secretsmanager` key: ECR cannot read a secret under a customer managed key.
 */
export class UpstreamCredentialSecret extends Construct {
  readonly secret: SecretsmanagerSecret;
  /** The secret's ARN, for `credential_arn`. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: UpstreamCredentialSecretProps) {
    super(scope, id);
    if (!props.name.startsWith(CREDENTIAL_SECRET_NAME_PREFIX)) {
      throw new Error(`secret name "${props.name}" must start with "${CREDENTIAL_SECRET_NAME_PREFIX}": ECR may read no other secret`);
    }
    const recoveryWindowInDays = props.recoveryWindowInDays ?? RECOVERY_WINDOW_DAYS.default;
    if (!Number.isInteger(recoveryWindowInDays) || recoveryWindowInDays < RECOVERY_WINDOW_DAYS.min || recoveryWindowInDays > RECOVERY_WINDOW_DAYS.max) {
      throw new Error(`recovery window ${recoveryWindowInDays} must be a whole number of days from ${RECOVERY_WINDOW_DAYS.min} to ${RECOVERY_WINDOW_DAYS.max}`);
    }
    this.secret = new SecretsmanagerSecret(this, 'secret', {
      name: props.name,
      description: `ECR pull-through cache credentials for ${props.upstreamTitle}: JSON {"username", "accessToken"}`,
      recoveryWindowInDays,
    });
    this.arn = this.secret.arn;
  }
}
