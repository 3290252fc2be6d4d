/**
 * AWS KMS in the loopback AWS (awsJson1_1, target prefix `TrentService.`), as the KMS API reference documents each
 * action: symmetric keys with their key policy, rotation and tags, and deletion as KMS does it: ScheduleKeyDeletion
 * puts the key in PendingDeletion for a waiting period of 7 to 30 days, after which it is gone. It encrypts nothing.
 */
import { randomUUID } from 'node:crypto';
import { AwsError, checkString, epochSeconds, required, text, withoutTags, withTags } from './protocol';
import type { KmsKeyState, LoopbackState, RegionState } from './state';

export const KMS_TARGET = 'TrentService.';

/**
 * KMS refuses a key policy that would lock the caller out of the key unless BypassPolicyLockoutSafetyCheck is set (API
 * reference, CreateKey and PutKeyPolicy: "The key policy must allow the calling principal to make a subsequent
 * PutKeyPolicy request"). The loopback AWS's callers are the account's root: a statement that allows the account
 * root (or `*`) kms:PutKeyPolicy, kms:* or * passes.
 */
function checkLockout(policy: string, account: string): void {
  const malformed = (why: string) => new AwsError('MalformedPolicyDocumentException', why);
  let parsed: { Statement?: unknown };
  try {
    parsed = JSON.parse(policy) as { Statement?: unknown };
  } catch {
    throw malformed('The key policy is not valid JSON.');
  }
  const statements = (Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement]) as { Effect?: string; Principal?: unknown; Action?: unknown }[];
  const admins = statements.some((statement) => {
    if (statement?.Effect !== 'Allow') return false;
    const principal = statement.Principal as { AWS?: string | string[] } | string | undefined;
    const aws = principal === '*' ? ['*'] : [typeof principal === 'object' ? principal.AWS : undefined].flat();
    const actions = [statement.Action].flat();
    return aws.some((arn) => arn === '*' || arn === account || arn === `arn:aws:iam::${account}:root`) && actions.some((action) => ['kms:*', '*', 'kms:PutKeyPolicy'].includes(text(action)));
  });
  if (!admins) throw malformed('The new key policy will not allow you to update the key policy in the future.');
}

export function kmsHandlers(loopback: LoopbackState): Record<string, (body: Record<string, unknown>, state: RegionState) => unknown> {
  const find = (state: RegionState, id: unknown): KmsKeyState => {
    const keyId = checkString(required(id, 'KeyId', 'ValidationException'), 'KeyId', { min: 1, max: 2048 }, 'ValidationException');
    // A key is named by its id or its ARN (API reference, KeyId).
    const key = state.kmsKeys.get(keyId) ?? [...state.kmsKeys.values()].find((candidate) => candidate.arn === keyId);
    if (!key) throw new AwsError('NotFoundException', `Key '${keyId}' does not exist`);
    return key;
  };
  const usable = (state: RegionState, id: unknown): KmsKeyState => {
    const key = find(state, id);
    if (key.keyState === 'PendingDeletion') throw new AwsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    return key;
  };
  const metadata = (state: RegionState, key: KmsKeyState) => ({
    AWSAccountId: state.account,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: epochSeconds(key.createdAt),
    Enabled: key.keyState === 'Enabled',
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.keyState,
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
    ...(key.deletionDate ? { DeletionDate: epochSeconds(key.deletionDate), PendingDeletionWindowInDays: key.pendingWindowInDays } : {}),
  });

  return {
    // API reference, CreateKey: a symmetric encryption key unless told otherwise; the default policy lets the account administer it.
    CreateKey(body, state) {
      if (body.KeySpec !== undefined && body.KeySpec !== 'SYMMETRIC_DEFAULT') {
        throw new AwsError('UnsupportedOperationException', `The loopback AWS makes only SYMMETRIC_DEFAULT keys, not ${text(body.KeySpec)}.`);
      }
      if (body.Description !== undefined) checkString(body.Description, 'Description', { max: 8192 }, 'ValidationException');
      const policy = body.Policy === undefined ? JSON.stringify({ Version: '2012-10-17', Id: 'key-default-1', Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${state.account}:root` }, Action: 'kms:*', Resource: '*' }] }) : text(body.Policy);
      if (body.BypassPolicyLockoutSafetyCheck !== true) checkLockout(policy, state.account);
      const keyId = randomUUID();
      const key: KmsKeyState = {
        keyId,
        arn: `arn:aws:kms:${state.region}:${state.account}:key/${keyId}`,
        createdAt: loopback.now(),
        description: text(body.Description ?? ''),
        policy,
        keyState: 'Enabled',
        rotation: false,
        tags: ((body.Tags as { TagKey: string; TagValue?: string }[] | undefined) ?? []).map((tag) => ({ TagKey: tag.TagKey, TagValue: tag.TagValue ?? '' })),
      };
      state.kmsKeys.set(keyId, key);
      return { KeyMetadata: metadata(state, key) };
    },
    DescribeKey(body, state) {
      return { KeyMetadata: metadata(state, find(state, body.KeyId)) };
    },
    // API reference, GetKeyPolicy: the only policy name is "default".
    GetKeyPolicy(body, state) {
      const key = find(state, body.KeyId);
      if (body.PolicyName !== undefined && body.PolicyName !== 'default') throw new AwsError('NotFoundException', `No such policy ${text(body.PolicyName)}.`);
      return { Policy: key.policy, PolicyName: 'default' };
    },
    PutKeyPolicy(body, state) {
      const key = usable(state, body.KeyId);
      const policy = checkString(required(body.Policy, 'Policy', 'ValidationException'), 'Policy', { min: 1, max: 32768 }, 'ValidationException');
      if (body.BypassPolicyLockoutSafetyCheck !== true) checkLockout(policy, state.account);
      key.policy = policy;
      return {};
    },
    UpdateKeyDescription(body, state) {
      usable(state, body.KeyId).description = text(body.Description ?? '');
      return {};
    },
    GetKeyRotationStatus(body, state) {
      const key = find(state, body.KeyId);
      return { KeyRotationEnabled: key.rotation, KeyId: key.arn, ...(key.rotation ? { RotationPeriodInDays: key.rotationPeriodInDays ?? 365 } : {}) };
    },
    // API reference, EnableKeyRotation: RotationPeriodInDays 90-2560, 365 by default.
    EnableKeyRotation(body, state) {
      const key = usable(state, body.KeyId);
      const period = body.RotationPeriodInDays === undefined ? 365 : Number(body.RotationPeriodInDays);
      if (!Number.isInteger(period) || period < 90 || period > 2560) throw new AwsError('ValidationException', 'RotationPeriodInDays must be from 90 to 2560.');
      key.rotation = true;
      key.rotationPeriodInDays = period;
      return {};
    },
    DisableKeyRotation(body, state) {
      usable(state, body.KeyId).rotation = false;
      return {};
    },
    ListResourceTags(body, state) {
      return { Tags: find(state, body.KeyId).tags, Truncated: false };
    },
    TagResource(body, state) {
      const key = usable(state, body.KeyId);
      const added = ((body.Tags as { TagKey: string; TagValue?: string }[] | undefined) ?? []).map((tag) => ({ TagKey: tag.TagKey, TagValue: tag.TagValue ?? '' }));
      key.tags = withTags(key.tags, added, (tag) => tag.TagKey);
      return {};
    },
    UntagResource(body, state) {
      const key = usable(state, body.KeyId);
      key.tags = withoutTags(key.tags, body, (tag) => tag.TagKey);
      return {};
    },
    // API reference, ScheduleKeyDeletion: a waiting period of 7 to 30 days (30 by default).
    ScheduleKeyDeletion(body, state) {
      const key = usable(state, body.KeyId);
      const days = body.PendingWindowInDays === undefined ? 30 : Number(body.PendingWindowInDays);
      if (!Number.isInteger(days) || days < 7 || days > 30) throw new AwsError('ValidationException', 'PendingWindowInDays must be from 7 to 30.');
      key.keyState = 'PendingDeletion';
      key.pendingWindowInDays = days;
      key.deletionDate = new Date(loopback.now().getTime() + days * 86_400_000);
      return { KeyId: key.arn, DeletionDate: epochSeconds(key.deletionDate), KeyState: key.keyState, PendingWindowInDays: days };
    },
  };
}
