#!/usr/bin/env node
// @ts-check
/**
 * `node scripts/plan-guard.mjs STACK_DIR`: refuses a plan that deletes or replaces what a production cache depends on.
 * It reads the stack that was planned (`STACK_DIR/cdk.tf.json`, whose `//` comment says whether it is production and
 * which deletions its environment file allows) and the plan (`STACK_DIR/tfplan.json`, from `terraform show -json
 * tfplan`), and exits 1, naming each address and why, when the plan would delete or replace a guarded resource that
 * the environment's `allowDeletions` does not list. `prevent_destroy` guards only a secret that is still configured,
 * and nothing else: a removed or renamed rule takes its template and its credential with it.
 *
 * It needs nothing but Node.js, so pipeline jobs that run only Terraform can run it; `npm run plan` runs it too.
 * Exit codes: 0 the plan may go on; 1 it deletes or replaces a guarded resource, or cannot be judged (no plan, not a
 * stack of this project, not a complete plan in terraform show -json's format): the guard fails closed; 2 usage.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the stack says what the guard needs: a Terraform JSON comment, ignored by Terraform (STACK_COMMENT, stacks/ecr-cache-stack.ts). */
export const STACK_COMMENT = 'ecr_pull_through_cache';
/** The environment file's field, copied into the stack's comment, that lists the addresses a plan may delete or replace. */
export const OVERRIDE_FIELD = 'allowDeletions';
/** A stack is `ecr-cache-<environment>` (STACK_NAME_PREFIX, config/read-file.ts). */
export const STACK_NAME_PREFIX = 'ecr-cache-';

const PLAN_FILE = 'tfplan.json';
const SHOW = 'terraform show -json tfplan > tfplan.json';

class GuardError extends Error {}

/** @typedef {Record<string, unknown>} Values */
/**
 * One entry of the plan's resource_changes (Terraform's JSON output format, internal/command/jsonplan/plan.go).
 * @typedef {{ address: string, type: string, mode?: string, deposed?: string, action_reason?: string,
 *   change: { actions: string[], before?: Values | null, replace_paths?: unknown[] } }} ResourceChange
 */

/**
 * What each guarded resource type is, and what a production cache loses while it is gone; undefined for a resource of
 * the type that the guard leaves alone. The only IAM policy a stack creates is the node pull policy; its attachments
 * are the `aws_iam_role_policy_attachment`s of that policy, not those of the node role's AWS managed policies.
 * @type {Record<string, (before: Values, pullPolicies: Set<string>) => string | undefined>}
 */
const GUARDED = {
  aws_ecr_pull_through_cache_rule: (before) =>
    `the pull-through cache rule of ${text(before.ecr_repository_prefix, 'its prefix')}/: nodes cannot pull new images through it while it is gone`,
  aws_secretsmanager_secret: (before) =>
    `the credential secret ${text(before.name, 'of a rule')}: its rule loses its upstream credential, a new secret has a new ARN and no value, ` +
    'and the deleted name stays reserved for its recovery window',
  aws_ecr_repository_creation_template: (before) =>
    `the repository creation template of ${text(before.prefix, 'its prefix')}/: cache repositories created without it get ECR's defaults (no lifecycle policy, no repository policy)`,
  aws_ecr_registry_policy: () => 'the registry policy: the consumer accounts can no longer have ECR create or import cache repositories for them',
  // The provider's delete puts an empty basic configuration (docs/security.md, "Registry scanning").
  aws_ecr_registry_scanning_configuration: () =>
    'the registry scanning configuration: ECR falls back to basic scanning with no rules, so no repository is scanned on push',
  aws_iam_policy: () => 'the node pull policy: the nodes lose their permission to pull through the cache',
  aws_iam_role_policy_attachment: (before, pullPolicies) =>
    typeof before.policy_arn === 'string' && pullPolicies.has(before.policy_arn)
      ? `the node pull policy's attachment to the role ${text(before.role, '(unknown)')}: its nodes can no longer pull through the cache`
      : undefined,
  aws_eks_access_entry: (before) =>
    `the EKS access entry of ${text(before.principal_arn, 'the node role')} in the cluster ${text(before.cluster_name, '(unknown)')}: nodes with that role lose their access to the cluster`,
};

/** The kinds of resource the guard protects, for messages. */
const GUARDED_KINDS =
  'pull-through cache rules, credential secrets, repository creation templates, the registry policy, the scanning configuration, the node pull policy and its attachments, EKS access entries';

/** @param {unknown} value @param {string} otherwise */
const text = (value, otherwise) => (typeof value === 'string' && value !== '' ? value : otherwise);

const isObject = (/** @type {unknown} */ value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The resources of a state's or the plan's module tree (`root_module`, `child_modules`). @param {unknown} module @returns {Values[]} */
function resourcesOf(module) {
  if (!isObject(module)) return [];
  const { resources, child_modules: children } = /** @type {Values} */ (module);
  return [...(Array.isArray(resources) ? resources : []), ...(Array.isArray(children) ? children.flatMap(resourcesOf) : [])];
}

/** The ARNs of the IAM policies (the node pull policy) the state holds before the plan. @param {Values} plan */
function pullPolicyArns(plan) {
  const prior = isObject(plan.prior_state) ? /** @type {Values} */ (plan.prior_state).values : undefined;
  const before = [
    ...resourcesOf(isObject(prior) ? /** @type {Values} */ (prior).root_module : undefined)
      .filter((resource) => resource.type === 'aws_iam_policy' && resource.mode === 'managed')
      .map((resource) => /** @type {Values | undefined} */ (resource.values)?.arn),
    ...(/** @type {ResourceChange[]} */ (plan.resource_changes ?? [])).filter((change) => change.type === 'aws_iam_policy').map((change) => change.change.before?.arn),
  ];
  return new Set(before.filter((arn) => typeof arn === 'string'));
}

/** How the plan changes the object, and why, in Terraform's words (action_reason, replace_paths). @param {ResourceChange} change */
function describeAction(change) {
  const { actions } = change.change;
  if (change.deposed) return `its deposed object ${change.deposed}, left by an earlier replacement, deleted`;
  const reason = change.action_reason;
  if (actions.length === 1) {
    if (reason === 'delete_because_no_resource_config') return 'deleted, as it is no longer in the configuration';
    return reason ? `deleted (${reason})` : 'deleted';
  }
  const order = actions[0] === 'delete' ? 'deleted, then created again' : 'created anew, then the old one deleted';
  const paths = (change.change.replace_paths ?? []).map((path) => (Array.isArray(path) ? path.join('.') : String(path)));
  const why = {
    replace_because_cannot_update: paths.length > 0 ? `because ${paths.join(', ')} cannot change in place` : 'because it cannot be updated in place',
    replace_because_tainted: 'because it is tainted',
    replace_by_request: 'because the plan was made with -replace',
    replace_by_triggers: 'because of replace_triggered_by',
  }[reason ?? ''];
  return `replaced (${order})${why ? `, ${why}` : reason ? ` (${reason})` : ''}`;
}

/**
 * The guarded resources a plan deletes or replaces, either order of replacement and deposed objects included: each
 * address with what it is, what the plan does to it and why.
 * @param {Values} plan a plan checked by readPlan
 * @returns {{ address: string, line: string }[]}
 */
export function guardedDeletions(plan) {
  const pullPolicies = pullPolicyArns(plan);
  return /** @type {ResourceChange[]} */ (plan.resource_changes ?? [])
    .filter((change) => change.mode !== 'data' && change.change.actions.includes('delete'))
    .flatMap((change) => {
      const what = GUARDED[change.type]?.(isObject(change.change.before) ? /** @type {Values} */ (change.change.before) : {}, pullPolicies);
      if (what === undefined) return [];
      return [{ address: change.address, line: `${change.address}: ${describeAction(change)}. ${what[0].toUpperCase()}${what.slice(1)}.` }];
    });
}

/** @param {string} file @param {string} what @returns {string} */
function readText(file, what) {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new GuardError(`${file}: cannot read ${what}: ${/** @type {Error} */ (error).message}`);
  }
}

/**
 * The plan, if `text` is a complete plan document of terraform show -json; otherwise a GuardError saying what it is.
 * @param {string} text @param {string} file @param {number} stackResources how many resources the planned stack declares
 * @returns {Values}
 */
export function readPlan(text, file, stackResources) {
  const refuse = (/** @type {string} */ what) => new GuardError(`${file}: ${what}`);
  if (text.trim() === '') throw refuse(`is empty, not a plan: did terraform show fail? Run ${SHOW} again`);
  let plan;
  try {
    plan = JSON.parse(text);
  } catch (error) {
    const first = text.trimStart().split('\n', 1)[0];
    let line;
    try {
      line = JSON.parse(first);
    } catch {
      line = undefined;
    }
    // `terraform plan -json` writes its log as one JSON message a line ({"@level": ..., "type": ...}).
    if (isObject(line) && '@level' in line) throw refuse(`is the log of terraform plan -json (one message a line), not the plan: run ${SHOW}`);
    throw refuse(`is not complete JSON (${/** @type {Error} */ (error).message}): a truncated or damaged file, or not JSON at all. Run ${SHOW} again`);
  }
  if (!isObject(plan)) throw refuse(`holds ${plan === null ? 'null' : Array.isArray(plan) ? 'a JSON array' : `a JSON ${typeof plan}`}, not a plan: run ${SHOW}`);
  // format_version: "1.x"; a new major version is not backward-compatible (Terraform's JSON Output Format).
  if (plan.format_version === undefined) throw refuse(`has no format_version: not the output of terraform show -json (another tool's JSON?). Run ${SHOW}`);
  if (typeof plan.format_version !== 'string' || !/^1\.\d+$/.test(plan.format_version)) {
    throw refuse(`has format_version ${JSON.stringify(plan.format_version)}: the guard reads format 1.x of terraform show -json, and refuses any other`);
  }
  if (plan.planned_values === undefined && isObject(plan.values)) {
    throw refuse(`is a Terraform state (terraform show -json without a plan file), not a plan: run ${SHOW}`);
  }
  if (!isObject(plan.planned_values)) throw refuse(`has no planned_values: not a complete plan from terraform show -json. Run ${SHOW} again`);
  if (plan.errored === true) throw refuse('is a plan that failed (errored: true): fix what terraform plan reported, then plan again');
  if (plan.resource_changes === undefined) {
    // Terraform omits resource_changes only when the plan has no resource at all: it lists every resource it plans,
    // unchanged ones as no-op (internal/command/jsonplan/plan.go: `resource_changes,omitempty`).
    const planned = resourcesOf(/** @type {Values} */ (plan.planned_values).root_module).length;
    const prior = isObject(plan.prior_state) && isObject(/** @type {Values} */ (plan.prior_state).values)
      ? resourcesOf(/** @type {Values} */ (/** @type {Values} */ (plan.prior_state).values).root_module).length
      : 0;
    const resources = (/** @type {number} */ n) => (n === 1 ? '1 resource' : `${n} resources`);
    const holding =
      stackResources > 0
        ? `the stack declares ${resources(stackResources)}`
        : planned > 0
          ? `its planned_values hold ${resources(planned)}`
          : prior > 0
            ? `its prior state holds ${resources(prior)}`
            : undefined;
    if (holding !== undefined) throw refuse(`has no resource_changes, yet ${holding}: an incomplete plan. Run ${SHOW} again`);
    return plan;
  }
  if (!Array.isArray(plan.resource_changes)) throw refuse(`its resource_changes is not a list: not a plan from terraform show -json. Run ${SHOW}`);
  plan.resource_changes.forEach((/** @type {unknown} */ change, /** @type {number} */ index) => {
    const entry = /** @type {Values} */ (isObject(change) ? change : {});
    const actions = /** @type {Values} */ (isObject(entry.change) ? entry.change : {}).actions;
    if (typeof entry.address !== 'string' || typeof entry.type !== 'string' || !Array.isArray(actions) || !actions.every((action) => typeof action === 'string')) {
      throw refuse(`resource_changes[${index}] is not a resource change (address, type and change.actions): not a plan from terraform show -json. Run ${SHOW}`);
    }
  });
  return plan;
}

/**
 * What the guard says about one planned stack folder: whether the plan may go on, its verdict, and warnings (an
 * override that names what the plan does not delete).
 * @param {string} stackDir
 * @returns {{ ok: boolean, message: string, warnings: string[] }}
 */
export function guardPlan(stackDir) {
  const stackFile = join(stackDir, 'cdk.tf.json');
  const stackText = readText(stackFile, 'the synthesized stack');
  let stack;
  try {
    stack = JSON.parse(stackText);
  } catch {
    throw new GuardError(`${stackFile}: the synthesized stack is not JSON: synthesize again`);
  }
  const planFile = join(stackDir, PLAN_FILE);
  const stackResources = Object.values(isObject(stack?.resource) ? stack.resource : {}).reduce((sum, byName) => sum + Object.keys(isObject(byName) ? byName : {}).length, 0);
  const plan = readPlan(readText(planFile, `the plan (${SHOW})`), planFile, stackResources);
  const name = stack?.['//']?.metadata?.stackName ?? basename(resolve(stackDir));
  const marker = stack?.['//']?.[STACK_COMMENT];
  if (typeof marker?.production !== 'boolean') {
    throw new GuardError(`${stackFile}: not a stack of ecr-pull-through-cache (no "//".${STACK_COMMENT}.production)`);
  }
  if (!marker.production) return { ok: true, message: `${name} is not production: nothing to guard`, warnings: [] };
  const allowed = marker[OVERRIDE_FIELD] ?? [];
  if (!Array.isArray(allowed) || !allowed.every((address) => typeof address === 'string')) {
    throw new GuardError(`${stackFile}: "//".${STACK_COMMENT}.${OVERRIDE_FIELD} is not a list of addresses: synthesize again`);
  }
  const environment = name.startsWith(STACK_NAME_PREFIX) ? name.slice(STACK_NAME_PREFIX.length) : name;
  const where = `${OVERRIDE_FIELD} in the environment file of ${environment}`;
  const deletions = guardedDeletions(plan);
  const warnings = allowed
    .filter((address) => !deletions.some((deletion) => deletion.address === address))
    .map((address) => {
      const reason = address.split('.', 1)[0] in GUARDED ? 'which this plan does not delete or replace' : `which is not a resource the guard protects (${GUARDED_KINDS})`;
      return `${name}: ${where} names ${address}, ${reason}: a stale override, which would let a later deletion through unreviewed. Remove it from the file.`;
    });
  const blocked = deletions.filter((deletion) => !allowed.includes(deletion.address));
  const passed = deletions.filter((deletion) => allowed.includes(deletion.address));
  const list = (/** @type {{ line: string }[]} */ items) => items.map((item) => `\n  ${item.line}`).join('');
  if (blocked.length === 0) {
    if (passed.length === 0) return { ok: true, message: `${name} is production: the plan deletes or replaces nothing the guard protects`, warnings };
    return {
      ok: true,
      message:
        `${name} is production: this plan deletes or replaces ${count(passed.length)}, each allowed by ${where}:${list(passed)}\n` +
        `Once it is applied, remove ${passed.length === 1 ? 'it' : 'them'} from ${OVERRIDE_FIELD}.`,
      warnings,
    };
  }
  const unique = [...new Set(blocked.map((deletion) => deletion.address))];
  return {
    ok: false,
    message:
      `${name} is production: this plan deletes or replaces what its cache depends on, so it must not be applied:${list(blocked)}` +
      (passed.length > 0 ? `\nAllowed by ${where}:${list(passed)}` : '') +
      `\nIf ${blocked.length === 1 ? 'this is' : 'these are'} meant, list ${unique.length === 1 ? 'the address' : 'the addresses'} under ${where}, have that change reviewed, then synthesize and plan again (npm run plan -- ${environment}):\n` +
      `${OVERRIDE_FIELD}:${[...allowed.filter((address) => deletions.some((deletion) => deletion.address === address)), ...unique].map((address) => `\n  - ${address}`).join('')}`,
    warnings,
  };
}

const count = (/** @type {number} */ n) => (n === 1 ? '1 guarded resource' : `${n} guarded resources`);

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
    const { ok, message, warnings } = guardPlan(stackDir);
    // In GitHub Actions, a warning is also an annotation on the run's summary.
    for (const warning of warnings) console.error(`${process.env.GITHUB_ACTIONS === 'true' ? '::warning title=plan-guard::' : ''}plan-guard: warning: ${warning}`);
    (ok ? console.log : console.error)(`plan-guard: ${message}`);
    process.exit(ok ? 0 : 1);
  } catch (error) {
    if (!(error instanceof GuardError)) throw error;
    console.error(`plan-guard: ${error.message}`);
    process.exit(1);
  }
}
