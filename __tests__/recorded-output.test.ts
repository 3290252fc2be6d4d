/**
 * The Terraform of the fixtures and the examples is what was recorded (`npm run record-output`): a refactoring
 * changes nothing a user would plan, and a change that is meant to shows as a diff of the recorded files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { underFork, withoutForkDifferences } from '../scripts/fork';
import { RECORDED_FOLDERS, RECORDED_ROOT, synthesizedStacks } from '../scripts/recorded-output';

/** Recorded with CDKTF; under CDK Terrain (npm run fork-check), equal but for FORK_DIFFERENCES (scripts/fork.ts). */
const fork = underFork();

describe.each(Object.entries(RECORDED_FOLDERS))('the recorded Terraform of %s', (name, folder) => {
  const now = synthesizedStacks(join(PROJECT_ROOT, folder));

  it('has the same stacks', () => {
    expect([...now.keys()]).toEqual(readdirSync(join(RECORDED_ROOT, name)).sort());
  });

  it.each([...now.keys()])(fork ? '%s is what was recorded, but for the fork\'s allowed differences' : '%s is byte for byte what was recorded', (stack) => {
    const recorded = readFileSync(join(RECORDED_ROOT, name, stack, 'cdk.tf.json'), 'utf8');
    if (!fork) expect(now.get(stack)).toBe(recorded);
    else expect(withoutForkDifferences(now.get(stack)!)).toEqual(withoutForkDifferences(recorded));
  });
});
