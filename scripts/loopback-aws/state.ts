/**
 * What the loopback AWS holds: per account, IAM (global); per account and region, the ECR registry, Secrets Manager
 * and EKS clusters. Its clock can be moved forward, so a test can let a secret's recovery window end.
 */
import { randomId } from './protocol';

export interface SecretVersion {
  readonly versionId: string;
  stages: string[];
  readonly secretString?: string;
  readonly createdAt: Date;
}

export class Secret {
  readonly versions: SecretVersion[] = [];
  description?: string;
  kmsKeyId?: string;
  tags: { Key: string; Value: string }[] = [];
  policy?: string;
  /** When DeleteSecret scheduled it: it is gone once `deletionDate` has passed. */
  deletedAt?: Date;
  deletionDate?: Date;
  constructor(
    readonly name: string,
    readonly arn: string,
    readonly createdAt: Date,
  ) {}

  currentVersion(): SecretVersion | undefined {
    return this.versions.find((version) => version.stages.includes('AWSCURRENT'));
  }
}

export interface Role {
  readonly RoleName: string;
  readonly RoleId: string;
  readonly Arn: string;
  readonly Path: string;
  readonly CreateDate: Date;
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  Tags: { Key: string; Value: string }[];
  readonly inlinePolicies: Map<string, string>;
  readonly attached: Set<string>;
}

export interface ManagedPolicy {
  readonly PolicyName: string;
  readonly PolicyId: string;
  readonly Arn: string;
  readonly Path: string;
  readonly CreateDate: Date;
  UpdateDate: Date;
  Description?: string;
  Tags: { Key: string; Value: string }[];
  readonly versions: { VersionId: string; Document: string; IsDefaultVersion: boolean; CreateDate: Date }[];
}

export class IamState {
  readonly roles = new Map<string, Role>();
  readonly policies = new Map<string, ManagedPolicy>();
  constructor(readonly account: string) {}
  roleByArn(arn: string): Role | undefined {
    return [...this.roles.values()].find((role) => role.Arn === arn);
  }
}

export interface AccessEntry {
  readonly clusterName: string;
  readonly principalArn: string;
  readonly type: string;
  readonly username: string;
  readonly kubernetesGroups: string[];
  readonly accessEntryArn: string;
  readonly createdAt: Date;
  modifiedAt: Date;
  tags: Record<string, string>;
}

/** An SNS topic (SNS API reference, CreateTopic): its attributes as SNS names them, and its tags. */
export interface Topic {
  readonly arn: string;
  readonly name: string;
  attributes: Record<string, string>;
  tags: { Key: string; Value: string }[];
}

/** An SNS subscription; an email one waits for its address to confirm (SNS API reference, Subscribe). */
export interface Subscription {
  readonly arn: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly owner: string;
  pendingConfirmation: boolean;
  attributes: Record<string, string>;
}

/** An EventBridge rule of the default event bus and its targets (EventBridge API reference, PutRule and PutTargets). */
export interface EventRule {
  readonly name: string;
  readonly arn: string;
  eventPattern?: string;
  scheduleExpression?: string;
  description?: string;
  state: string;
  roleArn?: string;
  tags: { Key: string; Value: string }[];
  readonly targets: Map<string, Record<string, unknown>>;
}

/** A KMS key (KMS API reference, CreateKey). */
export interface KmsKeyState {
  readonly keyId: string;
  readonly arn: string;
  readonly createdAt: Date;
  description: string;
  policy: string;
  keyState: 'Enabled' | 'PendingDeletion';
  rotation: boolean;
  rotationPeriodInDays?: number;
  deletionDate?: Date;
  pendingWindowInDays?: number;
  tags: { TagKey: string; TagValue: string }[];
}

/** An image of a repository, as DescribeImages reports it (ECR API reference, ImageDetail). */
export interface ImageState {
  readonly imageDigest: string;
  imageTags: string[];
  readonly imageSizeInBytes: number;
  readonly imagePushedAt: Date;
  lastRecordedPullTime?: Date;
  readonly imageManifestMediaType: string;
}

/** A private repository (ECR API reference, Repository), with its images. */
export interface RepositoryState {
  readonly repositoryName: string;
  readonly repositoryArn: string;
  readonly createdAt: Date;
  readonly images: ImageState[];
}

export class RegionState {
  readonly rules = new Map<string, Record<string, unknown>>();
  /** The registry's repositories, by name. */
  readonly repositories = new Map<string, RepositoryState>();
  readonly topics = new Map<string, Topic>();
  readonly subscriptions = new Map<string, Subscription>();
  readonly eventRules = new Map<string, EventRule>();
  readonly kmsKeys = new Map<string, KmsKeyState>();
  readonly templates = new Map<string, Record<string, unknown>>();
  registryPolicy?: string;
  /** A registry starts with BASIC scanning and no rules (ECR user guide, image-scanning). */
  scanning: { scanType: string; rules: unknown[] } = { scanType: 'BASIC', rules: [] };
  readonly secrets = new Map<string, Secret>();
  /** The passwords of the registry authorization tokens GetAuthorizationToken issued. */
  readonly authorizationPasswords: string[] = [];
  /** EKS clusters that exist, by name, with their access entries by principal ARN. */
  readonly clusters = new Map<string, Map<string, AccessEntry>>();
  constructor(
    readonly account: string,
    readonly region: string,
  ) {}
}

export class LoopbackState {
  private readonly regions = new Map<string, RegionState>();
  private readonly iamStates = new Map<string, IamState>();
  private clockOffsetMs = 0;
  /** ValidatePullThroughCacheRule answers a test sets, by `<account>/<region>/<prefix>`. */
  readonly validationAnswers = new Map<string, { isValid: boolean; failure?: string; upstreamRegistryUrl?: string }>();

  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  /** Moves the clock on: secrets whose recovery window has ended are then gone. */
  advance(days: number): void {
    this.clockOffsetMs += days * 86_400_000;
  }

  region(account: string, region: string): RegionState {
    const key = `${account}/${region}`;
    let state = this.regions.get(key);
    if (!state) this.regions.set(key, (state = new RegionState(account, region)));
    // Secrets Manager deletes a scheduled secret when its recovery window ends (API reference, DeleteSecret).
    for (const [name, secret] of state.secrets) if (secret.deletionDate && secret.deletionDate <= this.now()) state.secrets.delete(name);
    // KMS deletes a key when its waiting period ends (KMS API reference, ScheduleKeyDeletion).
    for (const [id, key] of state.kmsKeys) if (key.deletionDate && key.deletionDate <= this.now()) state.kmsKeys.delete(id);
    return state;
  }

  iam(account: string): IamState {
    let state = this.iamStates.get(account);
    if (!state) this.iamStates.set(account, (state = new IamState(account)));
    return state;
  }

  /** Every region state, for tests and for what a destroy left. */
  allRegions(): RegionState[] {
    return [...this.regions.values()];
  }
  allIam(): IamState[] {
    return [...this.iamStates.values()];
  }

  /** A secret ARN as Secrets Manager makes it: the name and a hyphen with six random characters (user guide, "Secret ARN"). */
  secretArn(account: string, region: string, name: string): string {
    return `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${randomId(6, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`;
  }
}
