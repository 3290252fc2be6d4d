#!/usr/bin/env node
// @ts-check
/**
 * `node scripts/plan-guard.mjs STACK_DIR`: refuses a plan that deletes a credential secret of a production stack.
 * It reads the stack that was planned (`STACK_DIR/cdk.tf.json`, whose `//` comment says whether it is production)
 * and the plan (`STACK_DIR/tfplan.json`, from `terraform show -json tfplan`), and exits 1 with the secrets named when
 * the plan would delete one, 0 otherwise. `prevent_destroy` guards only a secret that is still configured: a removed or
 * renamed rule would take its credential with it.
 *
 * It needs nothing but Node.js, so pipeline jobs that run only Terraform can run it; `npm run plan` runs it too.
 * Exit codes: 0 the plan may go on; 1 it deletes a production credential, or cannot be judged (no plan, not a stack of
 * this project, not a plan in terraform show -json's format): the guard fails closed; 2 usage.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the stack says it is production: a Terraform JSON comment, ignored by Terraform (STACK_COMMENT, stacks/ecr-cache-stack.ts). */
export const STACK_COMMENT = 'ecr_pull_through_cache';

class GuardError extends Error {}

/** @param {string} file @param {string} what */
function readJson(file, what) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new GuardError(`${file}: cannot read ${what}: ${/** @type {Error} */ (error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new GuardError(`${file}: ${what} is not JSON`);
  }
}

/**
 * The credential secrets a plan deletes, replacements (either order) and deposed objects included: their addresses,
 * with their names where the plan knows them.
 * @param {{ resource_changes?: { address: string, type: string, mode?: string, deposed?: string, change: { actions: string[], before?: { name?: unknown } | null } }[] }} plan
 * @returns {string[]}
 */
export function deletedSecrets(plan) {
  return (plan.resource_changes ?? [])
    .filter((change) => change.mode !== 'data' && change.type === 'aws_secretsmanager_secret' && change.change.actions.includes('delete'))
    .map((change) => {
      const name = typeof change.change.before?.name === 'string' ? ` (${change.change.before.name})` : '';
      return `${change.address}${change.deposed ? ` deposed ${change.deposed}` : ''}${name}`;
    });
}

/**
 * What the guard says about one planned stack folder, and whether the plan may go on.
 * @param {string} stackDir
 * @returns {{ ok: boolean, message: string }}
 */
export function guardPlan(stackDir) {
  const stack = readJson(join(stackDir, 'cdk.tf.json'), 'the synthesized stack');
  const plan = readJson(join(stackDir, 'tfplan.json'), 'the plan (terraform show -json tfplan > tfplan.json)');
  // terraform show -json: format 1.x (Terraform's JSON output format, internal/command/jsonplan).
  if (typeof plan.format_version !== 'string' || !plan.format_version.startsWith('1.')) {
    throw new GuardError(`${join(stackDir, 'tfplan.json')}: not a plan in the format of terraform show -json (format_version 1.x)`);
  }
  const name = stack['//']?.metadata?.stackName ?? basename(resolve(stackDir));
  const marker = stack['//']?.[STACK_COMMENT];
  if (typeof marker?.production !== 'boolean') {
    throw new GuardError(`${join(stackDir, 'cdk.tf.json')}: not a stack of ecr-pull-through-cache (no "//".${STACK_COMMENT}.production)`);
  }
  if (!marker.production) return { ok: true, message: `${name} is not production: nothing to guard` };
  const deleted = deletedSecrets(plan);
  if (deleted.length === 0) return { ok: true, message: `${name} is production: the plan deletes no credential secret` };
  return {
    ok: false,
    message:
      `${name} is production: this plan deletes credential secrets: ${deleted.join(', ')}. ` +
      'If that is meant, set production: false for this change, plan and apply, then set it back.',
  };
}

// Compared as real paths: a checkout reached through a symbolic link must still run the guard.
const realPath = (/** @type {string} */ path) => {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
};
const invokedDirectly = process.argv[1] !== undefined && realPath(process.argv[1]) === realPath(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  const [stackDir, ...rest] = process.argv.slice(2);
  if (stackDir === undefined || rest.length > 0 || stackDir.startsWith('-')) {
    console.error('usage: node scripts/plan-guard.mjs STACK_DIR   (the folder with cdk.tf.json and tfplan.json)');
    process.exit(2);
  }
  try {
    const { ok, message } = guardPlan(stackDir);
    (ok ? console.log : console.error)(`plan-guard: ${message}`);
    process.exit(ok ? 0 : 1);
  } catch (error) {
    if (!(error instanceof GuardError)) throw error;
    console.error(`plan-guard: ${error.message}`);
    process.exit(1);
  }
}
