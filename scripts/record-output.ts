/**
 * `npm run record-output`: writes the synthesized stacks of the test fixtures and of every example into
 * __tests__/recorded/, which a test compares with what the code synthesizes now. Re-record after a change that is
 * meant to change the Terraform (and review the diff of the recorded files: it is the change a user will plan).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { RECORDED_FOLDERS, RECORDED_ROOT, synthesizedStacks } from './recorded-output';

rmSync(RECORDED_ROOT, { recursive: true, force: true });
for (const [name, folder] of Object.entries(RECORDED_FOLDERS)) {
  for (const [stack, text] of synthesizedStacks(join(PROJECT_ROOT, folder))) {
    const target = join(RECORDED_ROOT, name, stack, 'cdk.tf.json');
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, text);
    console.log(`wrote ${target}`);
  }
}
