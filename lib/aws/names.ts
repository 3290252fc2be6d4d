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
 * EKS cluster names: 1-100 characters, a letter or digit first, then letters, digits, hyphens and underscores (EKS API
 * reference, CreateCluster `name`: pattern `^[0-9A-Za-z][A-Za-z0-9\-_]*`).
 */
export const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;
export const EKS_CLUSTER_NAME_RULE = '1-100 letters, digits, - or _, starting with a letter or digit';

/** What EKS would refuse in a cluster name, or undefined. */
export function eksClusterNameProblem(name: string): string | undefined {
  return EKS_CLUSTER_NAME.test(name) ? undefined : `"${name}" is not an EKS cluster name (${EKS_CLUSTER_NAME_RULE})`;
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
