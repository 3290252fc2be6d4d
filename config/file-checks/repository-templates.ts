/**
 * Each rule's creation template is the environment's `repositories` with the rule's own over it: checked as merged,
 * each problem reported where its field is set. Every field that parses takes part, whatever else of the file does
 * not, so that every problem is reported at once (a KMS key in another region beside IMMUTABLE tags).
 */
import { type RepositoryTemplateSettings, repositoryTemplateProblems } from '../../lib/checks/repository-template';
import { type FieldPath, formatPath } from '../problems';
import { environmentSchema } from '../schema';
import type { FileCheck } from './context';

const REPOSITORIES = environmentSchema.shape.repositories.unwrap();

/**
 * The fields of a `repositories` map that parse on their own. `tagMutability` is kept as written when it is a string:
 * AWS's rules name IMMUTABLE themselves, and say where `immutableTags` needs MUTABLE_WITH_EXCLUSION.
 */
function parsedFields(raw: unknown): RepositoryTemplateSettings {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return {};
  const settings: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(raw)) {
    if (!Object.hasOwn(REPOSITORIES.shape, field)) continue;
    const parsed = REPOSITORIES.shape[field as keyof typeof REPOSITORIES.shape].safeParse(value);
    if (parsed.success) settings[field] = parsed.data;
    else if (field === 'tagMutability' && typeof value === 'string') settings[field] = value;
  }
  return settings;
}

export const repositoryTemplates: FileCheck = ({ raw, registry, add }) => {
  const defaults = parsedFields(raw.repositories);
  const rawRules = raw.rules !== null && typeof raw.rules === 'object' && !Array.isArray(raw.rules) ? (raw.rules as Record<string, unknown>) : {};
  const reported = new Set<string>();
  const targets: { path: FieldPath; own: RepositoryTemplateSettings }[] = Object.entries(rawRules).map(([prefix, rule]) => ({
    path: ['rules', prefix, 'repositories'],
    own: parsedFields((rule as { repositories?: unknown } | null)?.repositories),
  }));
  if (targets.length === 0) targets.push({ path: ['repositories'], own: {} });
  for (const { path, own } of targets) {
    for (const problem of repositoryTemplateProblems({ ...defaults, ...own }, registry)) {
      // Reported where the field is set; a field set nowhere, where the rule or the environment has settings.
      const field = problem.field ? [problem.field] : [];
      const inRule = problem.field !== undefined && (problem.field in own || (!(problem.field in defaults) && Object.keys(own).length > 0));
      const where = inRule ? [...path, ...field] : ['repositories', ...field];
      const key = `${formatPath(where)}: ${problem.message}`;
      if (!reported.has(key)) add(where, problem.message);
      reported.add(key);
    }
  }
};
