import { createHash } from 'node:crypto';

/** IAM role names: 1-64 characters (IAM user guide, reference_iam-quotas). */
export const IAM_ROLE_NAME_MAX_LENGTH = 64;

/** IAM's characters for a role name (IAM API reference, CreateRole: `[\w+=,.@-]+`), as a character class. */
export const IAM_ROLE_NAME_CHARACTER = '[\\w+=,.@-]';
const IAM_ROLE_NAME_CHARACTERS = new RegExp(`^${IAM_ROLE_NAME_CHARACTER}+$`);

/** What IAM would refuse in a role name, or undefined: what every construct that creates a role asks. */
export function roleNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > IAM_ROLE_NAME_MAX_LENGTH) return `role name "${name}" must be 1-${IAM_ROLE_NAME_MAX_LENGTH} characters`;
  if (!IAM_ROLE_NAME_CHARACTERS.test(name)) return `role name "${name}" may hold only letters, digits and +=,.@_-`;
  return undefined;
}

/**
 * An EKS cluster name (EKS API reference, CreateCluster, `name`): 1-100 characters, pattern
 * `^[0-9A-Za-z][A-Za-z0-9\-_]*`; "alphanumeric characters (case-sensitive), hyphens, and underscores".
 */
export const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
export const EKS_CLUSTER_NAME_RULE = '1-100 letters, digits, "-" or "_", starting with a letter or digit';

/** Why `name` cannot be an EKS cluster's name, or undefined. */
export function eksClusterNameProblem(name: string): string | undefined {
  return EKS_CLUSTER_NAME.test(name) ? undefined : `"${name}" is not an EKS cluster name: ${EKS_CLUSTER_NAME_RULE}`;
}

/**
 * Joins parts into a resource name of at most `maxLength` characters. Names that would be longer keep their
 * start and end in a short hash, so they stay unique and stable.
 */
export function boundedName(parts: readonly string[], maxLength: number): string {
  const name = parts.join('-').replace(/[^A-Za-z0-9+=,.@_-]/g, '-');
  if (name.length <= maxLength) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, maxLength - hash.length - 1)}-${hash}`;
}

/** A Terraform name from parts: letters and digits kept, every other run of characters one "_". */
export function terraformName(...parts: readonly string[]): string {
  const name = parts
    .map((part) => part.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, ''))
    .filter((part) => part.length > 0)
    .join('_');
  if (name.length === 0) throw new Error(`no Terraform name can be made of ${JSON.stringify(parts)}`);
  // A name starts with a letter or "_".
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/**
 * Why Terraform's S3 backend would refuse `key` as the state's object key, or undefined. `terraform init` checks it
 * before any call (hashicorp/terraform internal/backend/remote-state/s3/backend.go, PrepareConfig: the validators
 * validateStringNotEmpty, validateStringS3Path and validateStringDoesNotContain("//") of validate.go): not empty or
 * only spaces, not starting or ending with "/" (S3 drops a leading one; a trailing one names a folder), no "//".
 */
export function s3BackendKeyProblem(key: string): string | undefined {
  if (key.trim() === '') return 'must not be empty: the object key of the state, for example ecr-pull-through-cache/<environment>.tfstate';
  const faults = [
    ...(key.startsWith('/') ? ['starts with "/"'] : []),
    ...(key.endsWith('/') ? ['ends with "/"'] : []),
    ...(key.includes('//') ? ['holds "//"'] : []),
  ];
  if (faults.length === 0) return undefined;
  const listed = faults.length === 1 ? faults[0] : `${faults.slice(0, -1).join(', ')} and ${faults.at(-1)}`;
  const fixed = key.replace(/\/{2,}/g, '/').replace(/^\/+|\/+$/g, '');
  return `"${key}" ${listed}: Terraform's S3 backend refuses such a key; write "${fixed || 'ecr-pull-through-cache/<environment>.tfstate'}"`;
}
