/** A copy of the project as a checkout has it: for the bench's pipeline and the fork check. */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';

/** Copies every file git tracks or would track (not ignored) into `dir`: no node_modules, no build output. */
export function copyCheckout(dir: string): void {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  for (const file of files.split('\0').filter(Boolean)) {
    if (!existsSync(join(PROJECT_ROOT, file))) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(PROJECT_ROOT, file), join(dir, file));
  }
}
