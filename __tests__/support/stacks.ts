import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { checkEnvironmentFile, type Environment, loadEnvironments, PROJECT_ROOT } from '../../config/environments';
import { EcrCacheStack } from '../../stacks';

/**
 * The seed article's environments (dev and prod), as the tests' own fixtures: the files under environments/ are the
 * user's, and adding, changing or removing one must not change what these tests see.
 */
export const FIXTURE_ENVIRONMENTS = join(PROJECT_ROOT, '__tests__', 'fixtures', 'environments');

/** The fixture environments, by name. */
export function exampleEnvironments(): Map<string, Environment> {
  return new Map(loadEnvironments(FIXTURE_ENVIRONMENTS).environments.map((environment) => [environment.name, environment]));
}

/** Synthesizes one environment's stack: the JSON string cdktf's matchers take. */
export function synthEnvironment(environment: Environment): string {
  return Testing.synth(new EcrCacheStack(Testing.app(), environment));
}

export interface SynthesizedStack {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly output: Record<string, { value: unknown; description?: string }>;
  readonly provider: Record<string, Record<string, unknown>[]>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly terraform: { readonly required_version?: string; readonly backend?: unknown; readonly required_providers?: Record<string, { source: string; version: string }> };
}

export function parseStack(synthesized: string): SynthesizedStack {
  return JSON.parse(synthesized) as SynthesizedStack;
}

/** Every resource of a type, without cdktf's metadata. */
export function resourcesOf(stack: SynthesizedStack, type: string): Record<string, unknown>[] {
  return Object.values(stack.resource[type] ?? {}).map(({ '//': _metadata, ...values }) => values);
}

/** `${type.address.attribute}` for the one resource of `type` whose `key` is `value`. */
export function referenceTo(stack: SynthesizedStack, type: string, key: string, value: unknown, attribute: string): string {
  const matches = Object.entries(stack.resource[type] ?? {}).filter(([, values]) => values[key] === value);
  if (matches.length !== 1) throw new Error(`expected one ${type} with ${key} = ${String(value)}, found ${matches.length}`);
  return `\${${type}.${matches[0][0]}.${attribute}}`;
}

/** Writes YAML files into a fresh temporary folder; returns the folder. */
export function environmentsFolder(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecr-cache-envs-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Validates one environment file's text, as if it were environments/<name>. */
export function environmentFromText(text: string, name = 'test.yaml'): Environment {
  const dir = environmentsFolder({ [name]: text });
  try {
    const result = checkEnvironmentFile(join(dir, name));
    if (!result.environment) throw new Error(result.problems.map((problem) => problem.message).join('\n'));
    return result.environment;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
