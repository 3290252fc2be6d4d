import { existsSync } from 'node:fs';
import { checkEnvironments, environmentFilesOrProblem, environmentsDirectory, formatProblem, userPath } from '../config/environments';

/**
 * Validates environment files with the same rules and messages as synth. Named files are checked together with
 * the rest of the environments folder, so quotas and duplicate prefixes across files are caught too.
 */
export function check(files: readonly string[], options: { environments?: string }): number {
  const directory = environmentsDirectory(options.environments);
  // Named files need no folder around them; the whole folder is checked only when it is there.
  const folder = files.length > 0 && !existsSync(directory) ? [] : environmentFilesOrProblem(directory, { allowEmpty: files.length > 0 });
  const missing = files.filter((file) => !existsSync(userPath(file)));
  if (missing.length > 0) {
    for (const file of missing) console.error(`${file}: no such file`);
    return 1;
  }
  const result = files.length > 0 ? checkEnvironments(files.map(userPath), folder) : checkEnvironments(folder);
  for (const warning of result.warnings) console.error(`warning: ${formatProblem(warning)}`);
  for (const problem of result.problems) console.error(formatProblem(problem));
  if (result.problems.length > 0) {
    const fileCount = new Set(result.problems.map((problem) => problem.file)).size;
    console.error(`\n${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${fileCount} file${fileCount === 1 ? '' : 's'}`);
    return 1;
  }
  const names = result.environments.map((environment) => environment.name).join(', ');
  console.log(`ok: ${result.environments.length} environment${result.environments.length === 1 ? '' : 's'} valid (${names})`);
  return 0;
}
