/** What `npm run record-output` records and the recorded-output test compares: every stack of these folders. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { synthesize } from '../stacks';

export const RECORDED_ROOT = join(PROJECT_ROOT, '__tests__', 'recorded');

/** Recorded name -> folder of environment files, relative to the project. */
export const RECORDED_FOLDERS: Readonly<Record<string, string>> = {
  fixtures: join('__tests__', 'fixtures', 'environments'),
  examples: 'examples',
  organization: join('examples', 'organization'),
};

/** The cdk.tf.json of every stack of a folder of environments, by stack name. */
export function synthesizedStacks(environments: string): Map<string, string> {
  const outdir = mkdtempSync(join(tmpdir(), 'ecr-cache-record-'));
  try {
    synthesize({ environments, outdir });
    const stacks = join(outdir, 'stacks');
    return new Map(readdirSync(stacks).sort().map((stack) => [stack, readFileSync(join(stacks, stack, 'cdk.tf.json'), 'utf8')]));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
