import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { nameElement } from './addresses';
import { isToken } from './tokens';
import { CREDENTIAL_SECRET_NAME_PREFIX } from '../aws/ecr';
import { RECOVERY_WINDOW_DAYS } from '../checks/rule';

/** The write-only value of a credential secret, from an ephemeral input variable. */
export interface SecretValueFromVariable {
  /** The Terraform variable's name: set it as `TF_VAR_<name>` when planning and applying. */
  readonly name: string;
  /** `secret_string_wo_version`: bump it to write a new value. */
  readonly version: number;
}

export interface UpstreamCredentialSecretProps {
  /** The secret's name; must start with `ecr-pullthroughcache/`. */
  readonly name: string;
  /** Who the credential is for, shown in the secret's description. */
  readonly upstreamTitle: string;
  /**
   * Days Secrets Manager keeps a deleted secret before it is gone (7-30).
   * @default 7 - the shortest window: a deleted secret's name stays taken (restorable) for a week
   */
  readonly recoveryWindowDays?: number;
  /**
   * Write the value from an ephemeral, sensitive input variable through the write-only `secret_string_wo`, so it
   * never reaches the configuration, the plan or the state.
   * @default - no value is written: put it out of band (see docs/credentials.md)
   */
  readonly valueFromVariable?: SecretValueFromVariable;
  /**
   * Refuse to destroy the secret (`prevent_destroy`), for production.
   * @default false
   */
  readonly preventDestroy?: boolean;
}

/**
 * The Secrets Manager secret that holds an upstream registry's credentials, as JSON
 * `{"username": "...", "accessToken": "..."}`. Its value never passes through `secret_string`: it is put out of
 * band, or written write-only from an ephemeral variable. It always uses the default `aws/secretsmanager` key:
 * ECR cannot read a pull-through cache secret under a customer managed key (the policy checks know a rule's secret:
 * PTC-SM3 and PTC-SM4).
 */
export class UpstreamCredentialSecret extends Construct {
  readonly secret: SecretsmanagerSecret;
  /** The secret's name, `ecr-pullthroughcache/...`. */
  readonly name: string;
  /** Whose credentials it holds. */
  readonly upstreamTitle: string;
  /** The secret's ARN, for `credential_arn`. */
  readonly arn: string;
  /** The input variable the value comes from, when it does. */
  readonly valueVariable?: TerraformVariable;
  /** The version that writes the value, when Terraform writes it: what a rule using the secret waits for. */
  readonly valueVersion?: SecretsmanagerSecretVersion;

  constructor(scope: Construct, id: string, props: UpstreamCredentialSecretProps) {
    super(scope, id);
    if (!isToken(props.name) && !props.name.startsWith(CREDENTIAL_SECRET_NAME_PREFIX)) {
      throw new Error(`secret name "${props.name}" must start with "${CREDENTIAL_SECRET_NAME_PREFIX}": ECR may read no other secret`);
    }
    this.name = props.name;
    this.upstreamTitle = props.upstreamTitle;
    const recoveryWindowInDays = props.recoveryWindowDays ?? RECOVERY_WINDOW_DAYS.default;
    if (!Number.isInteger(recoveryWindowInDays) || recoveryWindowInDays < RECOVERY_WINDOW_DAYS.min || recoveryWindowInDays > RECOVERY_WINDOW_DAYS.max) {
      throw new Error(`UpstreamCredentialSecret ${props.name}: recoveryWindowDays ${recoveryWindowInDays} must be a whole number of days from ${RECOVERY_WINDOW_DAYS.min} to ${RECOVERY_WINDOW_DAYS.max}`);
    }
    this.secret = new SecretsmanagerSecret(this, 'secret', {
      name: props.name,
      description: `ECR pull-through cache credentials for ${props.upstreamTitle}: JSON {"username", "accessToken"}`,
      recoveryWindowInDays,
      ...(props.preventDestroy ? { lifecycle: { preventDestroy: true } } : {}),
    });
    // Its address is its name without `ecr-pullthroughcache/`: aws_secretsmanager_secret.docker_hub.
    const addressName = isToken(props.name) ? this.node.id : props.name.slice(CREDENTIAL_SECRET_NAME_PREFIX.length);
    nameElement(this.secret, addressName);
    this.arn = this.secret.arn;

    if (props.valueFromVariable) {
      const { name, version } = props.valueFromVariable;
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`"${name}" is not a usable variable name`);
      if (!Number.isInteger(version) || version < 1) throw new Error(`secret value version ${version} must be a whole number from 1`);
      this.valueVariable = new TerraformVariable(this, 'value', {
        type: 'string',
        sensitive: true,
        nullable: false,
        description: `${props.upstreamTitle} credentials for ${props.name}: JSON {"username", "accessToken"}`,
      });
      // The variable's name is what users set (TF_VAR_<name>), so it is chosen, not derived from the construct path.
      this.valueVariable.overrideLogicalId(name);
      // Terraform >= 1.10: the value is kept out of the plan and the state; cdktf 0.21 predates the option.
      this.valueVariable.addOverride('ephemeral', true);
      this.valueVersion = new SecretsmanagerSecretVersion(this, 'version', {
        secretId: this.secret.id,
        secretStringWo: this.valueVariable.stringValue,
        secretStringWoVersion: version,
      });
      nameElement(this.valueVersion, addressName);
    }
  }
}
