import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../../lib/environments';

/** tsx's loader by absolute URL, so entry points also run from folders outside the project. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a TypeScript entry point of the project (main.ts, cli/...) as its own process, like users do. */
export function runTs(entry: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = PROJECT_ROOT): Run {
  const result = spawnSync(process.execPath, ['--import', TSX_LOADER, entry, ...args], {
    cwd,
    env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env },
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
