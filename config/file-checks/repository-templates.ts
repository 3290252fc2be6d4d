/**
 * Each rule's creation template is the environment's `repositories` with the rule's own over it: checked as merged,
 * each problem reported where its field is set.
 */
import { type RepositoryTemplateSettings, repositoryTemplateProblems } from '../../lib/checks/repository-template';
import { type FieldPath, formatPath } from '../problems';
import { environmentSchema } from '../schema';
import type { FileCheck } from './context';

export const repositoryTemplates: FileCheck = ({ raw, rules, registry, add }) => {
  const parsedDefaults = environmentSchema.shape.repositories.safeParse(raw.repositories);
  if (!parsedDefaults.success) return;
  const defaults: RepositoryTemplateSettings = parsedDefaults.data ?? {};
  const reported = new Set<string>();
  const targets: { path: FieldPath; own: RepositoryTemplateSettings }[] = rules.map((rule) => ({
    path: ['rules', rule.prefix, 'repositories'],
    own: rule.repositories ?? {},
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
