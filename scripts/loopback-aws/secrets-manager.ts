/**
 * AWS Secrets Manager in the loopback AWS, as its API reference documents each action: secrets with versions and
 * staging labels, and deletion as AWS does it: DeleteSecret schedules the deletion for a recovery window of 7 to 30
 * days (30 by default) during which the name stays taken (CreateSecret fails) until RestoreSecret or the window's end.
 */
import { AwsError, checkString, epochSeconds, required, text, withoutTags, withTags } from './protocol';
import { Secret, type LoopbackState, type RegionState } from './state';

export const SECRETS_MANAGER_TARGET = 'secretsmanager.';

/** API reference, CreateSecret: Name, 1-512 characters of letters, digits and /_+=.@- . */
const NAME_PATTERN = /^[a-zA-Z0-9/_+=.@-]+$/;
const MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion.";

type Tags = { Key: string; Value: string }[];

export function secretsManagerHandlers(loopback: LoopbackState): Record<string, (body: Record<string, unknown>, state: RegionState) => unknown> {
  const find = (state: RegionState, id: unknown): Secret => {
    const secretId = checkString(required(id, 'SecretId'), 'SecretId', { min: 1, max: 2048 });
    // A secret is found by its name or by its ARN (API reference, SecretId).
    const secret = state.secrets.get(secretId) ?? [...state.secrets.values()].find((candidate) => candidate.arn === secretId);
    if (!secret) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  };
  const active = (state: RegionState, id: unknown): Secret => {
    const secret = find(state, id);
    if (secret.deletedAt) throw new AwsError('InvalidRequestException', MARKED_FOR_DELETION);
    return secret;
  };
  /** Writes a version and moves AWSCURRENT to it, the old current becoming AWSPREVIOUS (API reference, PutSecretValue). */
  const putVersion = (secret: Secret, secretString: string | undefined, token: unknown, stages: string[] = ['AWSCURRENT']) => {
    const versionId = typeof token === 'string' ? checkString(token, 'ClientRequestToken', { min: 32, max: 64 }) : crypto.randomUUID();
    const existing = secret.versions.find((version) => version.versionId === versionId);
    if (existing) {
      // Idempotent with the same value; another value under the same token is refused.
      if (existing.secretString !== secretString) throw new AwsError('ResourceExistsException', `A version with the ClientRequestToken ${versionId} already exists with another value.`);
      return existing;
    }
    if (stages.includes('AWSCURRENT')) {
      for (const version of secret.versions) version.stages = version.stages.filter((stage) => stage !== 'AWSPREVIOUS');
      const current = secret.currentVersion();
      if (current) current.stages = [...current.stages.filter((stage) => stage !== 'AWSCURRENT'), 'AWSPREVIOUS'];
    }
    const version = { versionId, stages: [...stages], secretString, createdAt: loopback.now() };
    secret.versions.push(version);
    return version;
  };
  const versionIdsToStages = (secret: Secret) => Object.fromEntries(secret.versions.filter((version) => version.stages.length > 0).map((version) => [version.versionId, version.stages]));
  const checkTags = (tags: unknown): Tags => {
    const list = (tags as Tags | undefined) ?? [];
    for (const tag of list) {
      checkString(tag.Key, 'Tags.Key', { min: 1, max: 128 }, 'InvalidParameterException');
      checkString(tag.Value ?? '', 'Tags.Value', { max: 256 }, 'InvalidParameterException');
    }
    return list;
  };

  return {
    CreateSecret(body, state) {
      const name = checkString(required(body.Name, 'Name'), 'Name', { min: 1, max: 512, pattern: NAME_PATTERN }, 'InvalidParameterException');
      const existing = state.secrets.get(name);
      // API reference, CreateSecret: a name scheduled for deletion cannot be used until it is restored or deleted.
      if (existing?.deletedAt) throw new AwsError('InvalidRequestException', `You can't create this secret because a secret with this name is already scheduled for deletion (${name}). Restore it (aws secretsmanager restore-secret --secret-id ${name}) or wait for its recovery window to end.`);
      if (existing) throw new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
      if (body.SecretString !== undefined && body.SecretBinary !== undefined) throw new AwsError('InvalidParameterException', 'You can\'t specify both a binary secret value and a string secret value in the same secret.');
      const secret = new Secret(name, loopback.secretArn(state.account, state.region, name), loopback.now());
      if (typeof body.Description === 'string') secret.description = checkString(body.Description, 'Description', { max: 2048 });
      if (typeof body.KmsKeyId === 'string') secret.kmsKeyId = body.KmsKeyId;
      secret.tags = checkTags(body.Tags);
      state.secrets.set(name, secret);
      const version = body.SecretString !== undefined ? putVersion(secret, text(body.SecretString), body.ClientRequestToken) : undefined;
      return { ARN: secret.arn, Name: name, ...(version ? { VersionId: version.versionId } : {}) };
    },
    DescribeSecret(body, state) {
      const secret = find(state, body.SecretId);
      return {
        ARN: secret.arn,
        Name: secret.name,
        Description: secret.description,
        KmsKeyId: secret.kmsKeyId,
        RotationEnabled: false,
        CreatedDate: epochSeconds(secret.createdAt),
        LastChangedDate: epochSeconds(secret.createdAt),
        ...(secret.deletedAt ? { DeletedDate: epochSeconds(secret.deletedAt) } : {}),
        Tags: secret.tags,
        VersionIdsToStages: versionIdsToStages(secret),
      };
    },
    GetResourcePolicy(body, state) {
      const secret = find(state, body.SecretId);
      return { ARN: secret.arn, Name: secret.name, ...(secret.policy ? { ResourcePolicy: secret.policy } : {}) };
    },
    /** API reference, DeleteSecret: RecoveryWindowInDays 7-30 (default 30) or ForceDeleteWithoutRecovery, not both. */
    DeleteSecret(body, state) {
      const secret = active(state, body.SecretId);
      if (body.RecoveryWindowInDays !== undefined && body.ForceDeleteWithoutRecovery === true) {
        throw new AwsError('InvalidParameterException', "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
      }
      if (body.ForceDeleteWithoutRecovery === true) {
        state.secrets.delete(secret.name);
        return { ARN: secret.arn, Name: secret.name, DeletionDate: epochSeconds(loopback.now()) };
      }
      const days = body.RecoveryWindowInDays === undefined ? 30 : Number(body.RecoveryWindowInDays);
      if (!Number.isInteger(days) || days < 7 || days > 30) throw new AwsError('InvalidParameterException', 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
      secret.deletedAt = loopback.now();
      secret.deletionDate = new Date(secret.deletedAt.getTime() + days * 86_400_000);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: epochSeconds(secret.deletionDate) };
    },
    RestoreSecret(body, state) {
      const secret = find(state, body.SecretId);
      delete secret.deletedAt;
      delete secret.deletionDate;
      return { ARN: secret.arn, Name: secret.name };
    },
    PutSecretValue(body, state) {
      const secret = active(state, body.SecretId);
      if (body.SecretString === undefined && body.SecretBinary === undefined) throw new AwsError('InvalidParameterException', 'You must provide either SecretString or SecretBinary.');
      const version = putVersion(secret, body.SecretString === undefined ? undefined : text(body.SecretString), body.ClientRequestToken, (body.VersionStages as string[] | undefined) ?? ['AWSCURRENT']);
      return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: version.stages };
    },
    GetSecretValue(body, state) {
      const secret = active(state, body.SecretId);
      const stage = typeof body.VersionStage === 'string' ? body.VersionStage : 'AWSCURRENT';
      const version =
        typeof body.VersionId === 'string' ? secret.versions.find((candidate) => candidate.versionId === body.VersionId) : secret.versions.find((candidate) => candidate.stages.includes(stage));
      if (!version) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label: " + stage);
      return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: version.stages, SecretString: version.secretString, CreatedDate: epochSeconds(version.createdAt) };
    },
    /** API reference, ListSecretVersionIds: versions with no staging label are deprecated, listed only when asked. */
    ListSecretVersionIds(body, state) {
      const secret = find(state, body.SecretId);
      const versions = secret.versions
        .filter((version) => body.IncludeDeprecated === true || version.stages.length > 0)
        .map((version) => ({ VersionId: version.versionId, VersionStages: version.stages, CreatedDate: epochSeconds(version.createdAt) }));
      return { ARN: secret.arn, Name: secret.name, Versions: versions };
    },
    UpdateSecretVersionStage(body, state) {
      const secret = active(state, body.SecretId);
      const stage = checkString(required(body.VersionStage, 'VersionStage'), 'VersionStage', { min: 1, max: 256 });
      if (typeof body.RemoveFromVersionId === 'string') {
        const from = secret.versions.find((version) => version.versionId === body.RemoveFromVersionId);
        if (!from?.stages.includes(stage)) throw new AwsError('InvalidParameterException', `The staging label ${stage} is not attached to version ${text(body.RemoveFromVersionId)}.`);
        if (stage === 'AWSCURRENT' && typeof body.MoveToVersionId !== 'string') throw new AwsError('InvalidParameterException', 'AWSCURRENT can only be moved to another version, not removed.');
        from.stages = from.stages.filter((label) => label !== stage);
      }
      if (typeof body.MoveToVersionId === 'string') {
        const to = secret.versions.find((version) => version.versionId === body.MoveToVersionId);
        if (!to) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret version.");
        for (const version of secret.versions) version.stages = version.stages.filter((label) => label !== stage);
        to.stages.push(stage);
      }
      return { ARN: secret.arn, Name: secret.name };
    },
    UpdateSecret(body, state) {
      const secret = active(state, body.SecretId);
      if (typeof body.Description === 'string') secret.description = body.Description;
      if (typeof body.KmsKeyId === 'string') secret.kmsKeyId = body.KmsKeyId;
      const version = body.SecretString !== undefined ? putVersion(secret, text(body.SecretString), body.ClientRequestToken) : undefined;
      return { ARN: secret.arn, Name: secret.name, ...(version ? { VersionId: version.versionId } : {}) };
    },
    TagResource(body, state) {
      const secret = active(state, body.SecretId);
      secret.tags = withTags(secret.tags, checkTags(body.Tags), (tag) => tag.Key);
      return {};
    },
    UntagResource(body, state) {
      const secret = active(state, body.SecretId);
      secret.tags = withoutTags(secret.tags, body, (tag) => tag.Key);
      return {};
    },
    /** API reference, ListSecrets: `name` filters match a prefix of the name; planned deletions only when asked. */
    ListSecrets(body, state) {
      const filters = (body.Filters as { Key: string; Values: string[] }[] | undefined) ?? [];
      const secrets = [...state.secrets.values()].filter((secret) => {
        if (secret.deletedAt && body.IncludePlannedDeletion !== true) return false;
        return filters.every((filter) => filter.Key !== 'name' || filter.Values.some((value) => secret.name.startsWith(value)));
      });
      return {
        SecretList: secrets.map((secret) => ({
          ARN: secret.arn,
          Name: secret.name,
          Description: secret.description,
          CreatedDate: epochSeconds(secret.createdAt),
          ...(secret.deletedAt ? { DeletedDate: epochSeconds(secret.deletedAt) } : {}),
          Tags: secret.tags,
          SecretVersionsToStages: versionIdsToStages(secret),
        })),
      };
    },
  };
}

