/**
 * Finds, parses and validates environment files. Every problem of every file is collected before anything is
 * synthesized, each naming the file and the field (`environments/prod.yaml: rules.Docker-Hub: ...`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closest } from 'fastest-levenshtein';
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type RepositoryTemplateSettings, repositoryTemplateProblems } from './repository-template-checks';
import {
  MAX_RULES_PER_REGISTRY,
  ROOT_PREFIX,
  type RegionOptions,
  regionNameProblem,
  regionProblem,
  repositoryPrefixProblem,
  unscannedRepositoriesEffect,
} from './ecr-facts';
import { environmentSchema, knownKeysAt, ruleSchema, type SCANNING_SCOPES } from './environment-schema';
import type { CacheRegistry, RuleSettings } from './rule-checks';
import { UserError } from './errors';
import { terraformName } from './names';
import { isCrossAccountEcr, RECOVERY_WINDOW_DAYS, ruleProblems, secretValueVariableName, upstreamRoleName } from './rule-checks';

/** One validated environment: everything a stack needs, defaults applied. */
export interface Environment extends CacheRegistry {
  /** The file's base name: `prod` for environments/prod.yaml. */
  readonly name: string;
  /** The Terraform stack: `ecr-cache-<name>`. */
  readonly stackName: string;
  /** The file it came from, as displayed in messages. */
  readonly file: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly state?: { readonly bucket: string; readonly key: string; readonly region: string };
  readonly nodes: { readonly createRole?: string; readonly existingRoles: readonly string[] };
  readonly secrets: { readonly recoveryWindowDays: number };
  /** Production: credential secrets get prevent_destroy. */
  readonly production: boolean;
  /** Creation template settings of every rule's cache repositories (a rule's own `repositories` win). */
  readonly repositories: RepositoryTemplateSettings;
  readonly scanning?: {
    readonly type: 'basic' | 'enhanced';
    readonly frequency: 'scan-on-push' | 'continuous';
    /** `registry`: every repository; `cache`: only the cache prefixes, and every other repository loses scanning. */
    readonly scope: (typeof SCANNING_SCOPES)[number];
  };
  readonly rules: readonly RuleSettings[];
}

export type FieldPath = readonly (string | number)[];

export interface Problem {
  readonly file: string;
  readonly path: FieldPath;
  readonly message: string;
  readonly line?: number;
}

export interface LoadResult {
  readonly environments: Environment[];
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

export const STACK_NAME_PREFIX = 'ecr-cache-';
/** The address name of the node role a stack creates (`aws_iam_role.node`), which a grant to an existing role must not take. */
export const CREATED_NODE_ROLE_ADDRESS = 'node';
const ENVIRONMENT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/;
export const YAML_EXTENSIONS = ['.yaml', '.yml'];

/** The project's root: where main.ts and environments/ live. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Environment files are read whole and checked line by line: a larger one is a mistake, not an environment. */
export const MAX_ENVIRONMENT_FILE_BYTES = 256 * 1024;

/**
 * The folder the user typed relative paths in. npm runs scripts in the project's root and says where the user was in
 * INIT_CWD, so `cd cli && ECR_CACHE_ENVIRONMENTS=../examples npm run synth` means cli/../examples.
 */
export function userDirectory(): string {
  // Only an npm script in this project: a process it starts elsewhere inherits INIT_CWD, but was given its own folder.
  const npmScript = process.env.npm_lifecycle_event !== undefined && resolve(process.cwd()) === PROJECT_ROOT;
  return (npmScript && process.env.INIT_CWD) || process.cwd();
}

/** A path the user gave, absolute. */
export function userPath(path: string): string {
  return resolve(userDirectory(), path);
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

export function formatProblem(problem: Problem): string {
  const field = formatPath(problem.path);
  const line = problem.line !== undefined ? ` (line ${problem.line})` : '';
  return `${problem.file}: ${field ? `${field}: ` : ''}${problem.message}${line}`;
}

export function formatPath(path: FieldPath): string {
  return path.map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : `${index > 0 ? '.' : ''}${segment}`)).join('');
}

export class EnvironmentError extends UserError {
  constructor(readonly problems: readonly Problem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
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
    throw new EnvironmentError([
      { file: displayPath(directory), path: [], message: `has no environment "${name}" (it has ${known.join(', ')})` },
    ]);
  }
  const result = checkEnvironmentFile(file);
  if (!result.environment) throw new EnvironmentError(result.problems);
  return result.environment;
}

/** Loads every environment of a folder; throws EnvironmentError listing every problem. */
export function loadEnvironments(directory = environmentsDirectory()): LoadResult {
  const result = checkEnvironments(environmentFilesOrProblem(directory));
  if (result.problems.length > 0) throw new EnvironmentError(result.problems);
  return result;
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

/**
 * Validates `files` together: each on its own, then across files (the 50-rule quota and duplicate prefixes per
 * account and region, IAM role names per account). Files in `context` take part in the cross-file checks, but
 * only problems of `files` are reported.
 */
export function checkEnvironments(files: readonly string[], context: readonly string[] = []): LoadResult {
  const checked = new Set(files.map((file) => resolve(file)));
  const all = [...checked, ...context.map((file) => resolve(file)).filter((file) => !checked.has(file))];
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const byName = new Map<string, string[]>();
  for (const file of all) byName.set(basename(file, extname(file)), [...(byName.get(basename(file, extname(file))) ?? []), displayPath(file)]);
  for (const [name, files] of byName) {
    if (files.length < 2) continue;
    for (const file of files) {
      const others = files.filter((other) => other !== file).join(', ');
      problems.push({ file, path: [], message: `environment "${name}" is also defined by ${others}` });
    }
  }

  const environments: Environment[] = [];
  for (const file of all) {
    const result = checkEnvironmentFile(file);
    problems.push(...result.problems);
    warnings.push(...result.warnings);
    if (result.environment && byName.get(result.environment.name)!.length === 1) environments.push(result.environment);
  }
  problems.push(...crossEnvironmentProblems(environments));

  const reported = new Set([...checked].map(displayPath));
  return {
    environments: environments.filter((environment) => reported.has(environment.file)),
    problems: problems.filter((problem) => reported.has(problem.file)),
    warnings: warnings.filter((warning) => reported.has(warning.file)),
  };
}

interface FileResult {
  readonly environment?: Environment;
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

/** Parses and validates one environment file. */
export function checkEnvironmentFile(path: string): FileResult {
  const file = displayPath(path);
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const name = basename(path, extname(path));
  if (!ENVIRONMENT_NAME.test(name)) {
    problems.push({
      file,
      path: [],
      message: `"${name}" is not a usable environment name: use 1-24 lower-case letters, digits or "-" (it names the stack ${STACK_NAME_PREFIX}${name})`,
    });
  }

  const extension = extname(path);
  if (!YAML_EXTENSIONS.includes(extension)) {
    problems.push({ file, path: [], message: `environment files end in ${YAML_EXTENSIONS.join(' or ')}, in lower case, not "${extension}"` });
  }

  let text: string;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return { problems: [...problems, { file, path: [], message: 'is a folder: an environment is a file' }], warnings };
    if (stat.size > MAX_ENVIRONMENT_FILE_BYTES) {
      const size = stat.size >= 1024 * 1024 ? `${(stat.size / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(stat.size / 1024)} KiB`;
      return { problems: [...problems, { file, path: [], message: `is ${size}; an environment file is at most ${MAX_ENVIRONMENT_FILE_BYTES / 1024} KiB` }], warnings };
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { problems: [...problems, { file, path: [], message: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }], warnings };
  }

  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const line = lineCounter.linePos(error.pos[0]).line;
      if (error.code === 'DUPLICATE_KEY') {
        problems.push({ file, path: pathAtOffset(document, error.pos[0]), message: 'duplicate key: YAML keys must be unique', line });
      } else if (error.code === 'MULTIPLE_DOCS') {
        problems.push({ file, path: [], message: 'holds more than one YAML document (a "---" line): an environment file is one document', line });
      } else {
        problems.push({ file, path: [], message: `is not valid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '')}`, line });
      }
    }
    // A duplicate key leaves a usable document (the last one wins): go on and report the rest too.
    if (document.errors.some((error) => error.code !== 'DUPLICATE_KEY')) return { problems, warnings };
  }

  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    // yaml refuses aliases that expand without bound ("billion laughs").
    problems.push({ file, path: [], message: `cannot be read as data: ${(error as Error).message}` });
    return { problems, warnings };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    problems.push({ file, path: [], message: 'must be a YAML map of settings (account, region, rules)' });
    return { problems, warnings };
  }

  const lineOf = (path: FieldPath) => lineAt(document, lineCounter, path);
  const add = (path: FieldPath, message: string) => problems.push({ file, path, message, line: lineOf(path) });

  const parsed = environmentSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      for (const { path, message } of describeIssue(issue)) add(path, message);
    }
  }

  // Rules whose own fields parse are checked against AWS's rules even when other parts of the file do not.
  const raw = data as Record<string, unknown>;
  const regionOptions = { allowUnlistedRegion: raw.allowUnlistedRegion === true };
  if (typeof raw.region === 'string') {
    const problem = regionProblem(raw.region, regionOptions);
    if (problem) add(['region'], problem);
  }
  const stateRegion = (raw.state as Record<string, unknown> | undefined)?.region;
  if (typeof stateRegion === 'string') {
    const problem = regionNameProblem(stateRegion, regionOptions);
    if (problem) add(['state', 'region'], problem);
  }
  const registry = parsedRegistry(raw, regionOptions);
  const rules: RuleSettings[] = [];
  const rawRules = raw.rules;
  if (rawRules !== null && typeof rawRules === 'object' && !Array.isArray(rawRules)) {
    const entries = Object.entries(rawRules);
    if (entries.length === 0) add(['rules'], 'needs at least one rule');
    for (const [prefix, rawRule] of entries) {
      const rule = ruleSchema.safeParse(rawRule);
      if (!rule.success) {
        const prefixProblem = repositoryPrefixProblem(prefix);
        if (prefixProblem) add(['rules', prefix], prefixProblem);
        continue;
      }
      const settings: RuleSettings = { prefix, ...rule.data };
      rules.push(settings);
      for (const problem of ruleProblems(settings, registry)) {
        add(problem.field && problem.field !== 'prefix' ? ['rules', prefix, problem.field] : ['rules', prefix], problem.message);
      }
    }
    checkRepositoryTemplates(raw.repositories, rules, registry, add);
    if (registry) {
      const roles = new Map<string, string>();
      for (const rule of rules) {
        if (!isCrossAccountEcr(rule, registry) || rule.roleArn !== undefined) continue;
        const role = upstreamRoleName(rule.prefix, registry.region);
        const other = roles.get(role);
        if (other !== undefined) add(['rules', rule.prefix], `its upstream role ${role} would also be rule ${other}'s: rename one of the prefixes`);
        roles.set(role, rule.prefix);
      }
    }
    // Names Terraform tracks that a rule's prefix gives: two rules must not share one.
    const derivedNames = [
      { what: 'Terraform address name', field: undefined, of: (rule: RuleSettings) => terraformName(rule.prefix) },
      {
        what: 'variable',
        field: 'secretValueVersion',
        of: (rule: RuleSettings) => (rule.secretValueVersion === undefined ? undefined : secretValueVariableName(rule.prefix)),
      },
    ] as const;
    for (const { what, field, of } of derivedNames) {
      const owners = new Map<string, string>();
      for (const rule of rules) {
        const derived = of(rule);
        if (derived === undefined) continue;
        const other = owners.get(derived);
        if (other !== undefined) add(['rules', rule.prefix, ...(field ? [field] : [])], `its ${what} ${derived} is also rule ${other}'s: rename one of the prefixes`);
        owners.set(derived, rule.prefix);
      }
    }
    if (entries.length > MAX_RULES_PER_REGISTRY) {
      add(['rules'], `has ${entries.length} rules; ECR allows at most ${MAX_RULES_PER_REGISTRY} per account and region`);
    }
    for (const outer of rules) {
      for (const inner of rules) {
        if (outer.prefix === ROOT_PREFIX || !inner.prefix.startsWith(`${outer.prefix}/`)) continue;
        warnings.push({
          file,
          path: ['rules', inner.prefix],
          message:
            `nests inside rule ${outer.prefix}: ECR serves ${inner.prefix}/... from this rule, so images of ${outer.upstream} ` +
            `whose path starts with ${inner.prefix.slice(outer.prefix.length + 1)}/ cannot be pulled through ${outer.prefix}`,
          line: lineOf(['rules', inner.prefix]),
        });
      }
    }
    if (Object.hasOwn(rawRules, ROOT_PREFIX)) {
      warnings.push({
        file,
        path: ['rules', ROOT_PREFIX],
        message: 'a ROOT rule covers the whole registry: the node policy lets nodes create and import into every repository',
        line: lineOf(['rules', ROOT_PREFIX]),
      });
    }
  }

  const scanning = parsed.success ? parsed.data.scanning : undefined;
  if (scanning?.type === 'basic' && scanning.frequency === 'continuous') {
    add(['scanning', 'frequency'], 'continuous scanning needs type: enhanced; basic scanning scans on push');
  }
  if (scanning?.scope === 'cache' && registry) {
    warnings.push({
      file,
      path: ['scanning', 'scope'],
      message:
        `scans only the cache prefixes: every other repository of account ${registry.account} in ${registry.region} ` +
        `${unscannedRepositoriesEffect(scanning.type === 'enhanced' ? 'ENHANCED' : 'BASIC')}, for as long as this stack owns the registry's scanning configuration`,
      line: lineOf(['scanning', 'scope']),
    });
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (!parsed.success || problems.length > 0) return { problems, warnings };
  const settings = parsed.data;
  const createRole = settings.nodes?.createRole === false ? undefined : (settings.nodes?.createRole ?? `${STACK_NAME_PREFIX}${name}-node`);
  const existingRoles = settings.nodes?.existingRoles ?? [];
  existingRoles.forEach((role, index) => {
    const sameName = existingRoles.findIndex((other) => terraformName(other) === terraformName(role));
    if (role === createRole) add(['nodes', 'existingRoles', index], `"${role}" is the role this stack creates (createRole)`);
    else if (existingRoles.indexOf(role) !== index) add(['nodes', 'existingRoles', index], `"${role}" is listed twice`);
    else if (sameName !== index) {
      add(['nodes', 'existingRoles', index], `"${role}" and "${existingRoles[sameName]}" would share the Terraform address name ${terraformName(role)}`);
    } else if (createRole !== undefined && terraformName(role) === CREATED_NODE_ROLE_ADDRESS) {
      add(['nodes', 'existingRoles', index], `"${role}" would share the Terraform address name ${CREATED_NODE_ROLE_ADDRESS} of the role this stack creates`);
    }
  });
  if (problems.length > 0) return { problems, warnings };
  if (createRole === undefined && existingRoles.length === 0) {
    add(['nodes'], 'with createRole: false, list existingRoles: otherwise no node may pull through the cache');
    return { problems, warnings };
  }
  const environment: Environment = {
    name,
    stackName: `${STACK_NAME_PREFIX}${name}`,
    file,
    account: settings.account,
    region: settings.region,
    ...(settings.allowUnlistedRegion ? { allowUnlistedRegion: true } : {}),
    tags: settings.tags ?? {},
    ...(settings.state
      ? {
          state: {
            bucket: settings.state.bucket,
            key: settings.state.key ?? `ecr-pull-through-cache/${name}.tfstate`,
            region: settings.state.region ?? settings.region,
          },
        }
      : {}),
    nodes: { ...(createRole !== undefined ? { createRole } : {}), existingRoles },
    secrets: { recoveryWindowDays: settings.secrets?.recoveryWindowDays ?? RECOVERY_WINDOW_DAYS.default },
    production: settings.production ?? false,
    repositories: settings.repositories ?? {},
    ...(settings.scanning
      ? { scanning: { type: settings.scanning.type, frequency: settings.scanning.frequency ?? 'scan-on-push', scope: settings.scanning.scope ?? 'registry' } }
      : {}),
    rules,
  };
  return { environment, problems, warnings };
}

/**
 * Each rule's creation template is the environment's `repositories` with the rule's own over it: checked as merged,
 * each problem reported where its field is set.
 */
function checkRepositoryTemplates(
  rawDefaults: unknown,
  rules: readonly RuleSettings[],
  registry: CacheRegistry | undefined,
  add: (path: FieldPath, message: string) => void,
): void {
  const parsedDefaults = environmentSchema.shape.repositories.safeParse(rawDefaults);
  if (!parsedDefaults.success) return;
  const defaults = { data: parsedDefaults.data ?? {} };
  const reported = new Set<string>();
  const targets: { path: FieldPath; own: RepositoryTemplateSettings }[] = rules.map((rule) => ({
    path: ['rules', rule.prefix, 'repositories'],
    own: rule.repositories ?? {},
  }));
  if (targets.length === 0) targets.push({ path: ['repositories'], own: {} });
  for (const { path, own } of targets) {
    for (const problem of repositoryTemplateProblems({ ...defaults.data, ...own }, registry)) {
      // Reported where the field is set; a field set nowhere, where the rule or the environment has settings.
      const field = problem.field ? [problem.field] : [];
      const inRule = problem.field !== undefined && (problem.field in own || (!(problem.field in defaults.data) && Object.keys(own).length > 0));
      const where = inRule ? [...path, ...field] : ['repositories', ...field];
      const key = `${formatPath(where)}: ${problem.message}`;
      if (!reported.has(key)) add(where, problem.message);
      reported.add(key);
    }
  }
}

/** The account and region, when both are valid: some rule checks need them. */
function parsedRegistry(raw: Record<string, unknown>, regionOptions: RegionOptions): CacheRegistry | undefined {
  const account = environmentSchema.shape.account.safeParse(raw.account);
  const region = typeof raw.region === 'string' && regionProblem(raw.region, regionOptions) === undefined ? raw.region : undefined;
  return account.success && region !== undefined ? { account: account.data, region, ...regionOptions } : undefined;
}

function describeIssue(issue: z.core.$ZodIssue): { path: FieldPath; message: string }[] {
  const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path);
    return issue.keys.map((key) => ({
      path: [...path, key],
      message: `unknown key${known.length > 0 ? ` (did you mean "${closest(key, known)}"?)` : ''}`,
    }));
  }
  // Zod's own wording is replaced; messages the schema words itself are kept.
  const zodWording = issue.message.startsWith('Invalid input');
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [{ path, message: zodWording ? 'is required' : issue.message }];
  }
  if (issue.code === 'invalid_type' && zodWording) {
    return [{ path, message: `must be ${article(issue.expected)}, not ${describeValue(issue.input)}` }];
  }
  return [{ path, message: issue.message }];
}

function article(expected: string): string {
  const names: Record<string, string> = { object: 'a map', array: 'a list', record: 'a map' };
  return names[expected] ?? `a ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function lineAt(document: Document, lineCounter: LineCounter, path: FieldPath): number | undefined {
  // The deepest node that exists on the path: a missing key is reported at its parent.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = document.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node?.range && depth > 0) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** The field path of the map entry whose key starts at `offset`. */
function pathAtOffset(document: Document, offset: number): FieldPath {
  const path: (string | number)[] = [];
  let node: unknown = document.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && within(item.key, offset, item.value));
      if (!pair) return path;
      path.push(isScalar(pair.key) ? String(pair.key.value) : '?');
      if (isScalar(pair.key) && (pair.key.range?.[0] ?? -1) === offset) return path;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => within(item, offset, item));
      if (index < 0) return path;
      path.push(index);
      node = node.items[index];
    } else {
      return path;
    }
  }
}

function within(start: unknown, offset: number, end: unknown): boolean {
  const from = (start as { range?: number[] } | null)?.range?.[0];
  const to = (end as { range?: number[] } | null)?.range?.[2] ?? (start as { range?: number[] } | null)?.range?.[2];
  return from !== undefined && to !== undefined && from <= offset && offset <= to;
}

function crossEnvironmentProblems(environments: readonly Environment[]): Problem[] {
  const problems: Problem[] = [];
  const byRegistry = new Map<string, Environment[]>();
  for (const environment of environments) {
    const key = `${environment.account}/${environment.region}`;
    byRegistry.set(key, [...(byRegistry.get(key) ?? []), environment]);
  }
  for (const sharing of byRegistry.values()) {
    if (sharing.length < 2) continue;
    const total = sharing.reduce((sum, environment) => sum + environment.rules.length, 0);
    if (total > MAX_RULES_PER_REGISTRY) {
      const counts = sharing.map((environment) => `${environment.file} (${environment.rules.length})`).join(', ');
      for (const environment of sharing) {
        problems.push({
          file: environment.file,
          path: ['rules'],
          message:
            `account ${environment.account} in ${environment.region} would have ${total} rules across ${counts}; ` +
            `ECR allows at most ${MAX_RULES_PER_REGISTRY} per account and region`,
        });
      }
    }
    const owner = new Map<string, Environment>();
    for (const environment of sharing) {
      for (const rule of environment.rules) {
        const first = owner.get(rule.prefix);
        if (!first) {
          owner.set(rule.prefix, environment);
          continue;
        }
        for (const [here, there] of [
          [environment, first],
          [first, environment],
        ] as const) {
          problems.push({
            file: here.file,
            path: ['rules', rule.prefix],
            message: `${there.file} has a rule with the same prefix in account ${here.account}, ${here.region}; a registry has one rule per prefix`,
          });
        }
      }
    }
  }
  // A registry has one scanning configuration: two environments would overwrite each other's.
  for (const sharing of byRegistry.values()) {
    const scanning = sharing.filter((environment) => environment.scanning);
    for (const environment of scanning.slice(1)) {
      problems.push({
        file: environment.file,
        path: ['scanning'],
        message: `${scanning[0]!.file} already sets the scanning configuration of account ${environment.account} in ${environment.region}; a registry has one`,
      });
    }
  }
  // IAM is global: a role name is unique in an account, whatever the region.
  const roleOwner = new Map<string, Environment>();
  for (const environment of environments) {
    const role = environment.nodes.createRole;
    if (role === undefined) continue;
    const key = `${environment.account}/${role}`;
    const first = roleOwner.get(key);
    if (!first) roleOwner.set(key, environment);
    else {
      problems.push({
        file: environment.file,
        path: ['nodes', 'createRole'],
        message: `${first.file} already creates the role "${role}" in account ${environment.account}; IAM role names are unique per account`,
      });
    }
  }
  return problems;
}

/** A path as the user knows it: relative to the folder they are in when inside it. */
export function displayPath(path: string): string {
  const relativePath = relative(userDirectory(), resolve(path));
  return relativePath && !relativePath.startsWith('..') && !isAbsolute(relativePath) ? relativePath : resolve(path);
}
