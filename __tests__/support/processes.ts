import { execFile, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/environments';

/** The tests' own environments unless a test names others: the files under environments/ are the user's. */
const FIXTURES = { ECR_CACHE_ENVIRONMENTS: join(PROJECT_ROOT, '__tests__', 'fixtures', 'environments') };

/** tsx's require hook by absolute path, so entry points also run from folders outside the project. */
const TSX_REQUIRE_HOOK = createRequire(import.meta.url).resolve('tsx/cjs');

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a TypeScript entry point of the project (main.ts, cli/...) as its own process, like users do. */
export function runTs(entry: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = PROJECT_ROOT): Run {
  const result = spawnSync(process.execPath, ['--require', TSX_REQUIRE_HOOK, entry, ...args], {
    cwd,
    env: { ...process.env, CHECKPOINT_DISABLE: '1', ...FIXTURES, ...env },
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs ./bin/ecr-cache as users do. */
export function ecrCache(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = PROJECT_ROOT): Run {
  const result = spawnSync(join(PROJECT_ROOT, 'bin', 'ecr-cache'), args, { cwd, env: { ...process.env, ...FIXTURES, ...env }, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** ./bin/ecr-cache (or another copy's) without blocking this process: for tests that serve its HTTP calls themselves. */
export function ecrCacheAsync(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = PROJECT_ROOT, bin = join(PROJECT_ROOT, 'bin', 'ecr-cache')): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { cwd, env: { ...process.env, ...FIXTURES, ...env }, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`${bin} did not run: ${error.message}`));
      else resolve({ status: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}
