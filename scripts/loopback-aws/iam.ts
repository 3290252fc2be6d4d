/**
 * IAM and STS in the loopback AWS, over their Query protocol, as the IAM API reference documents each action: roles,
 * their inline policies, customer managed policies with versions, attachments, tags; STS GetCallerIdentity. IAM
 * returns policy documents URL-encoded (API reference, GetRolePolicy and GetPolicyVersion: "The policy document
 * returned in this structure is URL-encoded compliant with RFC 3986").
 */
import { AwsError, checkString, randomId, required, text, withoutTags, withTags } from './protocol';
import type { IamState, LoopbackState, ManagedPolicy, Role } from './state';

export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** IAM API reference, CreateRole / CreatePolicy: names and paths. */
const ROLE_NAME = { min: 1, max: 64, pattern: /^[\w+=,.@-]+$/ };
const POLICY_NAME = { min: 1, max: 128, pattern: /^[\w+=,.@-]+$/ };
const PATH = { min: 1, max: 512, pattern: /^(?:\/|\/[\u0021-\u007E]+\/)$/ };

/**
 * AWS managed policies every account can attach that the stacks use (IAM user guide, "AWS managed policies"; the
 * policy reference lists each). Their documents are not needed here, only that they exist.
 */
const AWS_MANAGED_POLICIES = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryPullOnly', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonSSMManagedInstanceCore'];

const encode = (document: string) => encodeURIComponent(document);

/**
 * The grammar checks IAM makes of a policy document when it is created (IAM API reference: MalformedPolicyDocument;
 * IAM user guide, "IAM JSON policy elements reference"): valid JSON, statements with Effect and Action or NotAction,
 * actions prefixed by a service; a trust policy names a Principal, an identity policy does not and names a Resource.
 */
function checkPolicy(document: string, kind: 'trust' | 'identity'): void {
  const malformed = (why: string) => new AwsError('MalformedPolicyDocument', why);
  let parsed: { Statement?: unknown };
  try {
    parsed = JSON.parse(document) as { Statement?: unknown };
  } catch {
    throw malformed('This policy contains invalid Json');
  }
  const statements = Array.isArray(parsed.Statement) ? parsed.Statement : parsed.Statement ? [parsed.Statement] : [];
  if (statements.length === 0) throw malformed('Syntax errors in policy: no Statement.');
  for (const statement of statements as Record<string, unknown>[]) {
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') throw malformed('Syntax errors in policy: Effect must be Allow or Deny.');
    const actions = statement.Action ?? statement.NotAction;
    if (actions === undefined) throw malformed('Syntax errors in policy: a statement has no Action.');
    for (const action of [actions].flat()) {
      if (typeof action !== 'string' || (action !== '*' && !/^[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+$/.test(action))) throw malformed(`Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. (${text(action)})`);
    }
    if (kind === 'trust' && statement.Principal === undefined && statement.NotPrincipal === undefined) throw malformed('Has prohibited field Resource or is missing Principal in a trust policy.');
    if (kind === 'identity' && (statement.Principal !== undefined || statement.NotPrincipal !== undefined)) throw malformed('Policy document should not specify a principal.');
    if (kind === 'identity' && statement.Resource === undefined && statement.NotResource === undefined) throw malformed('Policy statement must contain resources.');
  }
}

const tagsOf = (body: Record<string, unknown>) => ((body.Tags as { Key: string; Value?: string }[] | undefined) ?? []).map((tag) => ({ Key: tag.Key, Value: tag.Value ?? '' }));

export function iamHandlers(loopback: LoopbackState): Record<string, (body: Record<string, unknown>, iam: IamState) => Record<string, unknown>> {
  const now = () => loopback.now();
  const noRole = (name: string) => new AwsError('NoSuchEntity', `The role with name ${name} cannot be found.`, 404);
  const role = (iam: IamState, body: Record<string, unknown>): Role => {
    const name = checkString(required(body.RoleName, 'RoleName', 'ValidationError'), 'RoleName', ROLE_NAME, 'ValidationError');
    const found = iam.roles.get(name);
    if (!found) throw noRole(name);
    return found;
  };
  const awsManaged = (arn: string): ManagedPolicy | undefined => {
    const name = /^arn:aws:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
    if (!name || !AWS_MANAGED_POLICIES.includes(name)) return undefined;
    const created = new Date('2019-01-01T00:00:00Z');
    return { PolicyName: name, PolicyId: `ANPA${name.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 17)}`, Arn: arn, Path: '/', CreateDate: created, UpdateDate: created, Tags: [], versions: [{ VersionId: 'v1', Document: '{"Version":"2012-10-17","Statement":[]}', IsDefaultVersion: true, CreateDate: created }] };
  };
  const policy = (iam: IamState, arn: unknown): ManagedPolicy => {
    const policyArn = checkString(required(arn, 'PolicyArn', 'ValidationError'), 'PolicyArn', { min: 20, max: 2048 }, 'ValidationError');
    const found = iam.policies.get(policyArn) ?? awsManaged(policyArn);
    if (!found) throw new AwsError('NoSuchEntity', `Policy ${policyArn} does not exist or is not attachable.`, 404);
    return found;
  };
  const attachments = (iam: IamState, arn: string) => [...iam.roles.values()].filter((candidate) => candidate.attached.has(arn));
  const roleView = (found: Role) => ({
    Path: found.Path,
    RoleName: found.RoleName,
    RoleId: found.RoleId,
    Arn: found.Arn,
    CreateDate: found.CreateDate,
    AssumeRolePolicyDocument: encode(found.AssumeRolePolicyDocument),
    Description: found.Description,
    MaxSessionDuration: found.MaxSessionDuration,
    Tags: found.Tags.length > 0 ? found.Tags : undefined,
    RoleLastUsed: {},
  });
  const policyView = (found: ManagedPolicy, iam: IamState) => ({
    PolicyName: found.PolicyName,
    PolicyId: found.PolicyId,
    Arn: found.Arn,
    Path: found.Path,
    DefaultVersionId: found.versions.find((version) => version.IsDefaultVersion)!.VersionId,
    AttachmentCount: attachments(iam, found.Arn).length,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: found.Description,
    CreateDate: found.CreateDate,
    UpdateDate: found.UpdateDate,
    Tags: found.Tags.length > 0 ? found.Tags : undefined,
  });
  const versionView = (version: ManagedPolicy['versions'][number]) => ({ Document: encode(version.Document), VersionId: version.VersionId, IsDefaultVersion: version.IsDefaultVersion, CreateDate: version.CreateDate });
  const list = <T>(key: string, items: T[]) => ({ [key]: items, IsTruncated: false });

  return {
    CreateRole(body, iam) {
      const name = checkString(required(body.RoleName, 'RoleName', 'ValidationError'), 'RoleName', ROLE_NAME, 'ValidationError');
      const document = checkString(required(body.AssumeRolePolicyDocument, 'AssumeRolePolicyDocument', 'ValidationError'), 'AssumeRolePolicyDocument', { min: 1, max: 131072 }, 'ValidationError');
      checkPolicy(document, 'trust');
      const path = body.Path === undefined ? '/' : checkString(body.Path, 'Path', PATH, 'ValidationError');
      if (body.Description !== undefined) checkString(body.Description, 'Description', { max: 1000 }, 'ValidationError');
      // Role names are unique case-insensitively (IAM user guide, "IAM object names").
      if ([...iam.roles.keys()].some((existing) => existing.toLowerCase() === name.toLowerCase())) throw new AwsError('EntityAlreadyExists', `Role with name ${name} already exists.`, 409);
      const created: Role = {
        RoleName: name,
        RoleId: `AROA${randomId(17)}`,
        Arn: `arn:aws:iam::${iam.account}:role${path}${name}`,
        Path: path,
        CreateDate: now(),
        AssumeRolePolicyDocument: document,
        ...(typeof body.Description === 'string' ? { Description: body.Description } : {}),
        MaxSessionDuration: body.MaxSessionDuration === undefined ? 3600 : Number(body.MaxSessionDuration),
        Tags: tagsOf(body),
        inlinePolicies: new Map(),
        attached: new Set(),
      };
      iam.roles.set(name, created);
      return { Role: roleView(created) };
    },
    GetRole: (body, iam) => ({ Role: roleView(role(iam, body)) }),
    DeleteRole(body, iam) {
      const found = role(iam, body);
      // IAM API reference, DeleteRole: its policies must be removed first.
      if (found.attached.size > 0 || found.inlinePolicies.size > 0) throw new AwsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.', 409);
      iam.roles.delete(found.RoleName);
      return {};
    },
    UpdateAssumeRolePolicy(body, iam) {
      const found = role(iam, body);
      const document = checkString(required(body.PolicyDocument, 'PolicyDocument', 'ValidationError'), 'PolicyDocument', { min: 1, max: 131072 }, 'ValidationError');
      checkPolicy(document, 'trust');
      found.AssumeRolePolicyDocument = document;
      return {};
    },
    UpdateRole(body, iam) {
      const found = role(iam, body);
      if (body.Description !== undefined) found.Description = checkString(body.Description, 'Description', { max: 1000 }, 'ValidationError');
      if (body.MaxSessionDuration !== undefined) found.MaxSessionDuration = Number(body.MaxSessionDuration);
      return {};
    },
    UpdateRoleDescription(body, iam) {
      const found = role(iam, body);
      found.Description = checkString(body.Description ?? '', 'Description', { max: 1000 }, 'ValidationError');
      return { Role: roleView(found) };
    },
    TagRole(body, iam) {
      const found = role(iam, body);
      found.Tags = withTags(found.Tags, tagsOf(body), (tag) => tag.Key);
      return {};
    },
    UntagRole(body, iam) {
      const found = role(iam, body);
      found.Tags = withoutTags(found.Tags, body, (tag) => tag.Key);
      return {};
    },
    ListRoleTags: (body, iam) => list('Tags', role(iam, body).Tags),
    ListRolePolicies: (body, iam) => list('PolicyNames', [...role(iam, body).inlinePolicies.keys()].sort()),
    ListAttachedRolePolicies(body, iam) {
      const found = role(iam, body);
      return list('AttachedPolicies', [...found.attached].sort().map((arn) => ({ PolicyArn: arn, PolicyName: arn.slice(arn.lastIndexOf('/') + 1) })));
    },
    ListInstanceProfilesForRole(body, iam) {
      role(iam, body);
      return list('InstanceProfiles', []);
    },
    PutRolePolicy(body, iam) {
      const found = role(iam, body);
      const name = checkString(required(body.PolicyName, 'PolicyName', 'ValidationError'), 'PolicyName', POLICY_NAME, 'ValidationError');
      const document = checkString(required(body.PolicyDocument, 'PolicyDocument', 'ValidationError'), 'PolicyDocument', { min: 1, max: 131072 }, 'ValidationError');
      checkPolicy(document, 'identity');
      // IAM quotas: a role's inline policies total at most 10,240 characters (whitespace not counted).
      const total = [...found.inlinePolicies.entries()].filter(([other]) => other !== name).reduce((sum, [, text]) => sum + text.replace(/\s/g, '').length, document.replace(/\s/g, '').length);
      if (total > 10240) throw new AwsError('LimitExceeded', `Maximum policy size of 10240 bytes exceeded for role ${found.RoleName}`, 409);
      found.inlinePolicies.set(name, document);
      return {};
    },
    GetRolePolicy(body, iam) {
      const found = role(iam, body);
      const name = text(required(body.PolicyName, 'PolicyName', 'ValidationError'));
      const document = found.inlinePolicies.get(name);
      if (document === undefined) throw new AwsError('NoSuchEntity', `The role policy with name ${name} cannot be found.`, 404);
      return { RoleName: found.RoleName, PolicyName: name, PolicyDocument: encode(document) };
    },
    DeleteRolePolicy(body, iam) {
      const found = role(iam, body);
      const name = text(required(body.PolicyName, 'PolicyName', 'ValidationError'));
      if (!found.inlinePolicies.delete(name)) throw new AwsError('NoSuchEntity', `The role policy with name ${name} cannot be found.`, 404);
      return {};
    },
    CreatePolicy(body, iam) {
      const name = checkString(required(body.PolicyName, 'PolicyName', 'ValidationError'), 'PolicyName', POLICY_NAME, 'ValidationError');
      const document = checkString(required(body.PolicyDocument, 'PolicyDocument', 'ValidationError'), 'PolicyDocument', { min: 1, max: 131072 }, 'ValidationError');
      checkPolicy(document, 'identity');
      // IAM quotas: a managed policy is at most 6,144 characters (whitespace not counted).
      if (document.replace(/\s/g, '').length > 6144) throw new AwsError('LimitExceeded', 'Cannot exceed quota for PolicySize: 6144', 409);
      const path = body.Path === undefined ? '/' : checkString(body.Path, 'Path', PATH, 'ValidationError');
      const arn = `arn:aws:iam::${iam.account}:policy${path}${name}`;
      if ([...iam.policies.values()].some((existing) => existing.PolicyName.toLowerCase() === name.toLowerCase())) throw new AwsError('EntityAlreadyExists', `A policy called ${name} already exists. Duplicate names are not allowed.`, 409);
      const created: ManagedPolicy = {
        PolicyName: name,
        PolicyId: `ANPA${randomId(17)}`,
        Arn: arn,
        Path: path,
        CreateDate: now(),
        UpdateDate: now(),
        ...(typeof body.Description === 'string' ? { Description: checkString(body.Description, 'Description', { max: 1000 }, 'ValidationError') } : {}),
        Tags: tagsOf(body),
        versions: [{ VersionId: 'v1', Document: document, IsDefaultVersion: true, CreateDate: now() }],
      };
      iam.policies.set(arn, created);
      return { Policy: policyView(created, iam) };
    },
    GetPolicy: (body, iam) => ({ Policy: policyView(policy(iam, body.PolicyArn), iam) }),
    GetPolicyVersion(body, iam) {
      const found = policy(iam, body.PolicyArn);
      const version = found.versions.find((candidate) => candidate.VersionId === body.VersionId);
      if (!version) throw new AwsError('NoSuchEntity', `Policy ${found.Arn} version ${text(body.VersionId)} does not exist or is not attachable.`, 404);
      return { PolicyVersion: versionView(version) };
    },
    ListPolicyVersions: (body, iam) => list('Versions', policy(iam, body.PolicyArn).versions.map(versionView)),
    CreatePolicyVersion(body, iam) {
      const found = policy(iam, body.PolicyArn);
      const document = checkString(required(body.PolicyDocument, 'PolicyDocument', 'ValidationError'), 'PolicyDocument', { min: 1, max: 131072 }, 'ValidationError');
      checkPolicy(document, 'identity');
      // IAM quotas: at most 5 versions of a managed policy.
      if (found.versions.length >= 5) throw new AwsError('LimitExceeded', `A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.`, 409);
      const next = Math.max(...found.versions.map((version) => Number(version.VersionId.slice(1)))) + 1;
      const setAsDefault = text(body.SetAsDefault) === 'true';
      if (setAsDefault) for (const version of found.versions) version.IsDefaultVersion = false;
      const version = { VersionId: `v${next}`, Document: document, IsDefaultVersion: setAsDefault, CreateDate: now() };
      found.versions.push(version);
      found.UpdateDate = now();
      return { PolicyVersion: versionView(version) };
    },
    DeletePolicyVersion(body, iam) {
      const found = policy(iam, body.PolicyArn);
      const index = found.versions.findIndex((candidate) => candidate.VersionId === body.VersionId);
      if (index < 0) throw new AwsError('NoSuchEntity', `Policy version ${text(body.VersionId)} does not exist.`, 404);
      if (found.versions[index].IsDefaultVersion) throw new AwsError('DeleteConflict', 'Cannot delete the default version of a policy.', 409);
      found.versions.splice(index, 1);
      return {};
    },
    DeletePolicy(body, iam) {
      const found = policy(iam, body.PolicyArn);
      if (!iam.policies.has(found.Arn)) throw new AwsError('AccessDenied', 'An AWS managed policy cannot be deleted.', 403);
      // IAM API reference, DeletePolicy: detach it and delete its other versions first.
      if (attachments(iam, found.Arn).length > 0) throw new AwsError('DeleteConflict', 'Cannot delete a policy attached to entities.', 409);
      if (found.versions.length > 1) throw new AwsError('DeleteConflict', 'This policy has more than one version. Before you delete a policy, you must delete the policy\'s versions. The default version is deleted with the policy.', 409);
      iam.policies.delete(found.Arn);
      return {};
    },
    TagPolicy(body, iam) {
      const found = policy(iam, body.PolicyArn);
      found.Tags = withTags(found.Tags, tagsOf(body), (tag) => tag.Key);
      return {};
    },
    UntagPolicy(body, iam) {
      const found = policy(iam, body.PolicyArn);
      found.Tags = withoutTags(found.Tags, body, (tag) => tag.Key);
      return {};
    },
    ListPolicyTags: (body, iam) => list('Tags', policy(iam, body.PolicyArn).Tags),
    AttachRolePolicy(body, iam) {
      const found = role(iam, body);
      const attached = policy(iam, body.PolicyArn);
      // IAM quotas: 10 managed policies per role by default.
      if (!found.attached.has(attached.Arn) && found.attached.size >= 10) throw new AwsError('LimitExceeded', `Cannot exceed quota for PoliciesPerRole: 10`, 409);
      found.attached.add(attached.Arn);
      return {};
    },
    DetachRolePolicy(body, iam) {
      const found = role(iam, body);
      const arn = text(required(body.PolicyArn, 'PolicyArn', 'ValidationError'));
      if (!found.attached.delete(arn)) throw new AwsError('NoSuchEntity', `Policy ${arn} was not found.`, 404);
      return {};
    },
    ListEntitiesForPolicy(body, iam) {
      const found = policy(iam, body.PolicyArn);
      return { PolicyRoles: attachments(iam, found.Arn).map((attachedTo) => ({ RoleName: attachedTo.RoleName, RoleId: attachedTo.RoleId })), PolicyGroups: [], PolicyUsers: [], IsTruncated: false };
    },
  };
}

/** STS API reference, GetCallerIdentity: the account of the access key. */
export function stsHandlers(): Record<string, (body: Record<string, unknown>, account: string) => Record<string, unknown>> {
  return {
    GetCallerIdentity: (_body, account) => ({ UserId: `AIDA${account}LOOPBACK`, Account: account, Arn: `arn:aws:iam::${account}:user/loopback` }),
  };
}
