/**
 * Finds, reads and validates environment files. Every problem of every file is collected before anything is
 * synthesized, each naming the file and the field (`environments/prod.yaml: rules.Docker-Hub: ...`): the checks of
 * one file are file-checks/, the checks across files cross-checks.ts.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { RegionOptions } from '../lib/aws/regions';
import { regionProblem } from '../lib/aws/regions';
import type { CacheRegistry } from '../lib/checks/common';
import type { RuleSettings } from '../lib/checks/rule';
import { CROSS_CHECKS, withHubs } from './cross-checks';
import { type Environment, toEnvironment } from './environment';
import { UserError } from './errors';
import { FILE_CHECKS, type FileContext } from './file-checks';
import { readImports } from './imports';
import { displayPath, PROJECT_ROOT, userPath } from './paths';
import { EnvironmentError, formatProblem, type Problem } from './problems';
import { readEnvironmentFile, YAML_EXTENSIONS } from './read-file';
import { environmentSchema, ruleSchema } from './schema';

export { CREATED_NODE_ROLE_ADDRESS, type Environment } from './environment';
export { displayPath, PROJECT_ROOT, userDirectory, userPath } from './paths';
export { EnvironmentError, type FieldPath, formatPath, formatProblem, type Problem } from './problems';
export { MAX_ENVIRONMENT_FILE_BYTES, STACK_NAME_PREFIX, YAML_EXTENSIONS } from './read-file';

export interface LoadResult {
  readonly environments: Environment[];
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

/** `--environments`, else `ECR_CACHE_ENVIRONMENTS`, else the project's environments/ folder. */
export function environmentsDirectory(override?: string): string {
  const fromVariable = process.env.ECR_CACHE_ENVIRONMENTS;
  if (override === undefined && fromVariable !== undefined && fromVariable.trim() === '') {
    throw new UserError('ECR_CACHE_ENVIRONMENTS is set but empty: unset it to use environments/, or set it to a folder of environment files');
  }
  return userPath(override ?? fromVariable ?? join(PROJECT_ROOT, 'environments'));
}

/**
 * The environment files of a folder, sorted by name: every entry whose name ends in .yaml or .yml, whatever its case,
 * so that checking it says what is wrong with a folder named like a file or an upper-case extension. Hidden entries
 * (`.name.yaml`, an editor's or a tool's) are not environments and are left out.
 */
export function environmentFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((entry) => !entry.startsWith('.') && YAML_EXTENSIONS.includes(extname(entry).toLowerCase()))
    .sort()
    .map((entry) => join(directory, entry));
}

/** The environment files of a folder, or an EnvironmentError that says why there are none. */
export function environmentFilesOrProblem(directory: string, options: { allowEmpty?: boolean } = {}): string[] {
  if (!existsSync(directory)) throw new EnvironmentError([{ file: displayPath(directory), path: [], message: 'no such folder of environment files' }]);
  if (!statSync(directory).isDirectory()) {
    throw new EnvironmentError([{ file: displayPath(directory), path: [], message: 'is a file, not a folder of environment files' }]);
  }
  const files = environmentFiles(directory);
  if (files.length === 0 && !options.allowEmpty) {
    throw new EnvironmentError([{ file: displayPath(directory), path: [], message: 'holds no environment files (<name>.yaml)' }]);
  }
  return files;
}

/** Loads one environment by name from a folder; throws EnvironmentError when it is missing or invalid. */
export function loadEnvironment(name: string, directory = environmentsDirectory()): Environment {
  const files = environmentFilesOrProblem(directory);
  const named = files.filter((candidate) => basename(candidate, extname(candidate)) === name);
  const [file] = named;
  if (named.length > 1) {
    throw new EnvironmentError(named.map((candidate) => ({ file: displayPath(candidate), path: [], message: `environment "${name}" is defined twice` })));
  }
  if (!file) {
    const known = files.map((candidate) => basename(candidate, extname(candidate)));
    throw new EnvironmentError([{ file: displayPath(directory), path: [], message: `has no environment "${name}" (it has ${known.join(', ')})` }]);
  }
  // Checked with the folder: a consumer's hub is another file of it.
  const result = checkEnvironments([file], files);
  if (result.problems.length > 0) throw new EnvironmentError(result.problems);
  return result.environments[0];
}

/** Loads every environment of a folder; throws EnvironmentError listing every problem. */
export function loadEnvironments(directory = environmentsDirectory()): LoadResult {
  const result = checkEnvironments(environmentFilesOrProblem(directory));
  if (result.problems.length > 0) throw new EnvironmentError(result.problems);
  return result;
}

/**
 * Validates `files` together: each on its own, then across files. Files in `context` take part in the cross-file
 * checks, but only problems of `files` are reported.
 */
export function checkEnvironments(files: readonly string[], context: readonly string[] = []): LoadResult {
  const checked = new Set(files.map((file) => resolve(file)));
  const all = [...checked, ...context.map((file) => resolve(file)).filter((file) => !checked.has(file))];
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const byName = new Map<string, string[]>();
  for (const file of all) byName.set(basename(file, extname(file)), [...(byName.get(basename(file, extname(file))) ?? []), displayPath(file)]);
  for (const [name, sharing] of byName) {
    if (sharing.length < 2) continue;
    for (const file of sharing) {
      problems.push({ file, path: [], message: `environment "${name}" is also defined by ${sharing.filter((other) => other !== file).join(', ')}` });
    }
  }

  const checkedFiles: Environment[] = [];
  for (const file of all) {
    const result = checkEnvironmentFile(file);
    problems.push(...result.problems);
    warnings.push(...result.warnings);
    if (result.environment && byName.get(result.environment.name)!.length === 1) checkedFiles.push(result.environment);
  }
  const environments = withHubs(checkedFiles);
  const reported = new Set([...checked].map(displayPath));
  const folder = { environments, names: new Set(byName.keys()), warn: (warning: Problem) => warnings.push(warning), reported: (file: string) => reported.has(file) };
  for (const check of CROSS_CHECKS) problems.push(...check(folder));

  const failed = new Set(problems.map((problem) => problem.file));
  return {
    environments: environments.filter((environment) => reported.has(environment.file) && !failed.has(environment.file)),
    problems: problems.filter((problem) => reported.has(problem.file)),
    warnings: warnings.filter((warning) => reported.has(warning.file)),
  };
}

interface FileResult {
  readonly environment?: Environment;
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

/** A file read as far as it reads, as its checks see it; what they report lands in `problems` and `warnings`. */
export interface CheckedFile {
  readonly context?: FileContext;
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

/** Reads one environment file into the context its checks see; no check has run yet. */
export function fileContext(path: string): CheckedFile {
  const read = readEnvironmentFile(path);
  const { file, name, raw, lineAt } = read;
  const problems = [...read.problems];
  const warnings: Problem[] = [];
  if (!raw || !lineAt) return { problems, warnings };

  const at = (path: readonly (string | number)[]) => ({ file, path, line: lineAt(path) });
  const parsed = environmentSchema.safeParse(raw, { reportInput: true });
  const regionOptions: RegionOptions = { allowUnlistedRegion: raw.allowUnlistedRegion === true };
  const registry = parsedRegistry(raw, regionOptions);
  const context: FileContext = {
    file,
    name,
    raw,
    ...(parsed.success ? { settings: parsed.data } : {}),
    schemaIssues: parsed.success ? [] : parsed.error.issues,
    regionOptions,
    ...(registry ? { registry } : {}),
    rules: parsedRules(raw),
    // Two checks may find one problem (the schema and AWS's rules both refuse IMMUTABLE tags): it is reported once.
    add: (path, message) => {
      const problem = { ...at(path), message };
      if (!problems.some((other) => formatProblem(other) === formatProblem(problem))) problems.push(problem);
    },
    warn: (path, message) => warnings.push({ ...at(path), message }),
  };
  return { context, problems, warnings };
}

/** Reads one environment file and applies every check of FILE_CHECKS to it. */
export function checkEnvironmentFile(path: string): FileResult {
  const { context, problems, warnings } = fileContext(path);
  if (!context) return { problems, warnings };
  for (const check of FILE_CHECKS) check(context);
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const imported = readImports(path, context.name);
  problems.push(...imported.problems);
  if (problems.length > 0 || !context.settings || !context.registry) return { problems, warnings };
  const environment = toEnvironment({ ...context, settings: context.settings, registry: context.registry });
  return { environment: imported.imports.length > 0 ? { ...environment, imports: imported.imports } : environment, problems, warnings };
}

/** The account and region, when both are valid: some rule checks need them. */
function parsedRegistry(raw: Record<string, unknown>, regionOptions: RegionOptions): CacheRegistry | undefined {
  const account = environmentSchema.shape.account.safeParse(raw.account);
  const region = typeof raw.region === 'string' && regionProblem(raw.region, regionOptions) === undefined ? raw.region : undefined;
  return account.success && region !== undefined ? { account: account.data, region, ...regionOptions } : undefined;
}

/** The rules whose own fields parse, with their prefixes. */
function parsedRules(raw: Record<string, unknown>): RuleSettings[] {
  const rules = raw.rules;
  if (rules === null || typeof rules !== 'object' || Array.isArray(rules)) return [];
  return Object.entries(rules).flatMap(([prefix, rule]) => {
    const parsed = ruleSchema.safeParse(rule);
    return parsed.success ? [{ prefix, ...parsed.data }] : [];
  });
}
