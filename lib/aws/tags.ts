/** AWS's rules for resource tags. */

/**
 * AWS's limits on resource tags (Tagging AWS resources, "Tag naming limits and requirements"; IAM, Secrets Manager
 * and ECR enforce the same): 50 tags per resource, keys of 1-128 and values of 0-256 characters of these, and no key
 * that starts with `aws:`, which AWS reserves. The provider checks none of it: AWS refuses it at apply.
 */
export const TAG_LIMITS = { maxTags: 50, maxKeyLength: 128, maxValueLength: 256, reservedPrefix: 'aws:', characters: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u } as const;

/** Problems of a set of tags, by key (undefined for the set as a whole); `alsoApplied` counts tags added to them. */
export function tagProblems(tags: Readonly<Record<string, string>>, alsoApplied = 0): { key?: string; message: string }[] {
  const problems: { key?: string; message: string }[] = [];
  const count = Object.keys(tags).length + alsoApplied;
  if (count > TAG_LIMITS.maxTags) {
    const added = alsoApplied > 0 ? ` with the ${alsoApplied} the stack adds` : '';
    problems.push({ message: `has ${count} tags${added}; AWS allows at most ${TAG_LIMITS.maxTags} per resource` });
  }
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > TAG_LIMITS.maxKeyLength) problems.push({ key, message: `the key is ${key.length} characters; AWS allows 1 to ${TAG_LIMITS.maxKeyLength}` });
    if (key.toLowerCase().startsWith(TAG_LIMITS.reservedPrefix)) problems.push({ key, message: `keys that start with "${TAG_LIMITS.reservedPrefix}" are reserved for AWS` });
    if (value.length > TAG_LIMITS.maxValueLength) problems.push({ key, message: `the value is ${value.length} characters; AWS allows at most ${TAG_LIMITS.maxValueLength}` });
    if (!TAG_LIMITS.characters.test(key) || !TAG_LIMITS.characters.test(value)) {
      problems.push({ key, message: 'AWS allows letters, digits, spaces and _ . : / = + - @ in tags' });
    }
  }
  return problems;
}
