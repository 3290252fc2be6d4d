/** A problem of an environment file, named by its file, field and line. */
import { UserError } from './errors';

export type FieldPath = readonly (string | number)[];

export interface Problem {
  readonly file: string;
  readonly path: FieldPath;
  readonly message: string;
  readonly line?: number;
}

export function formatPath(path: FieldPath): string {
  return path.map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : `${index > 0 ? '.' : ''}${segment}`)).join('');
}

export function formatProblem(problem: Problem): string {
  const field = formatPath(problem.path);
  const line = problem.line !== undefined ? ` (line ${problem.line})` : '';
  return `${problem.file}: ${field ? `${field}: ` : ''}${problem.message}${line}`;
}

/** Problems of environment files, printed one per line. */
export class EnvironmentError extends UserError {
  constructor(readonly problems: readonly Problem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}
