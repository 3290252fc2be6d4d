/**
 * The Terraform of the fixtures and the examples is what was recorded (`npm run record-output`): a refactoring
 * changes nothing a user would plan, and a change that is meant to shows as a diff of the recorded files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { RECORDED_FOLDERS, RECORDED_ROOT, synthesizedStacks } from '../scripts/recorded-output';

describe.each(Object.entries(RECORDED_FOLDERS))('the recorded Terraform of %s', (name, folder) => {
  const now = synthesizedStacks(join(PROJECT_ROOT, folder));

  it('has the same stacks', () => {
    expect([...now.keys()]).toEqual(readdirSync(join(RECORDED_ROOT, name)).sort());
  });

  it.each([...now.keys()])('%s is byte for byte what was recorded', (stack) => {
    expect(now.get(stack)).toBe(readFileSync(join(RECORDED_ROOT, name, stack, 'cdk.tf.json'), 'utf8'));
  });
});
