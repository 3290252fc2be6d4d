/**
 * scripts/plan-guard.mjs, run as pipelines run it (`node scripts/plan-guard.mjs STACK_DIR`), on stacks this project
 * synthesized (the recorded output) and crafted plans in `terraform show -json`'s format: every kind of change it
 * guards, the override, and every document it must refuse to judge. __tests__/plan-guard.integration.test.ts runs it
 * on plans Terraform made against the loopback AWS.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, STACK_NAME_PREFIX } from '../config/environments';
import { environmentSchema } from '../config/schema';
import { STACK_COMMENT } from '../stacks/ecr-cache-stack';
import * as guardModule from '../scripts/plan-guard.mjs';

const GUARD = join(PROJECT_ROOT, 'scripts', 'plan-guard.mjs');
const RECORDED = join(PROJECT_ROOT, '__tests__', 'recorded', 'fixtures');
const PULL_POLICY_ARN = 'arn:aws:iam::222222222222:policy/ecr-cache-prod-node-pull';

interface Change {
  address: string;
  mode: string;
  type: string;
  name: string;
  deposed?: string;
  action_reason?: string;
  change: { actions: string[]; before: Record<string, unknown> | null; replace_paths?: string[][] };
}

const change = (type: string, name: string, actions: string[], before: Record<string, unknown> | null = null, more: Partial<Change> = {}): Change => ({
  address: `${type}.${name}`,
  mode: 'managed',
  type,
  name,
  ...more,
  change: { actions, before, ...more.change },
});
const GONE = { action_reason: 'delete_because_no_resource_config' };

/** A plan document as `terraform show -json` writes it, with these changes and the node pull policy in its prior state. */
const planOf = (changes: Change[]) => ({
  format_version: '1.2',
  terraform_version: '1.11.4',
  planned_values: { root_module: {} },
  resource_changes: changes,
  prior_state: {
    format_version: '1.0',
    values: { root_module: { resources: [{ address: 'aws_iam_policy.node_pull', mode: 'managed', type: 'aws_iam_policy', name: 'node_pull', values: { arn: PULL_POLICY_ARN } }] } },
  },
  complete: true,
  applyable: true,
  errored: false,
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecr-cache-guard-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface GuardOptions {
  /** Addresses the stack's comment allows, as synth writes allowDeletions. */
  readonly allow?: unknown;
  readonly env?: NodeJS.ProcessEnv;
}

/** The guard on a copy of a recorded stack with this plan beside it (a string is written as it is). */
function guard(stack: 'ecr-cache-prod' | 'ecr-cache-dev', plan: object | string | undefined, options: GuardOptions = {}) {
  const stackDir = join(dir, stack);
  cpSync(join(RECORDED, stack), stackDir, { recursive: true });
  if (options.allow !== undefined) {
    const file = join(stackDir, 'cdk.tf.json');
    const synthesized = JSON.parse(readFileSync(file, 'utf8'));
    synthesized['//'][STACK_COMMENT].allowDeletions = options.allow;
    writeFileSync(file, JSON.stringify(synthesized));
  }
  if (plan !== undefined) writeFileSync(join(stackDir, 'tfplan.json'), typeof plan === 'string' ? plan : JSON.stringify(plan));
  const env = { ...process.env, GITHUB_ACTIONS: '', ...options.env };
  const run = spawnSync(process.execPath, [GUARD, stackDir], { encoding: 'utf8', env });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.replaceAll(stackDir, 'STACK') };
}

const RULE_GONE = change('aws_ecr_pull_through_cache_rule', 'quay', ['delete'], { ecr_repository_prefix: 'quay' }, GONE);
const TEMPLATE_GONE = change('aws_ecr_repository_creation_template', 'quay', ['delete'], { prefix: 'quay' }, GONE);
const RULE_LINE =
  'aws_ecr_pull_through_cache_rule.quay: deleted, as it is no longer in the configuration. The pull-through cache rule of quay/: nodes cannot pull new images through it while it is gone.';
const TEMPLATE_LINE =
  "aws_ecr_repository_creation_template.quay: deleted, as it is no longer in the configuration. The repository creation template of quay/: cache repositories created without it get ECR's defaults (no lifecycle policy, no repository policy).";

describe('node scripts/plan-guard.mjs STACK_DIR: what it guards', () => {
  it("refuses a production plan that deletes or replaces anything its cache depends on, naming each address and why", () => {
    const run = guard(
      'ecr-cache-prod',
      planOf([
        RULE_GONE,
        change('aws_ecr_pull_through_cache_rule', 'github', ['delete', 'create'], { ecr_repository_prefix: 'github' }, {
          action_reason: 'replace_because_cannot_update',
          change: { actions: ['delete', 'create'], before: { ecr_repository_prefix: 'github' }, replace_paths: [['upstream_registry_url']] },
        }),
        change('aws_ecr_repository_creation_template', 'k8s', ['create', 'delete'], { prefix: 'k8s' }, { action_reason: 'replace_by_request' }),
        change('aws_secretsmanager_secret', 'docker_hub', ['delete'], { name: 'ecr-pullthroughcache/docker-hub' }, GONE),
        change('aws_secretsmanager_secret', 'azure', ['delete'], { name: 'ecr-pullthroughcache/azure' }, { deposed: '00000001' }),
        change('aws_ecr_registry_policy', 'registry', ['delete'], {}, GONE),
        change('aws_ecr_registry_scanning_configuration', 'registry', ['delete', 'create'], {}, { action_reason: 'replace_because_tainted' }),
        change('aws_iam_policy', 'node_pull', ['delete'], { arn: PULL_POLICY_ARN }, GONE),
        change('aws_iam_role_policy_attachment', 'karpenter_cache_pull', ['delete'], { role: 'karpenter', policy_arn: PULL_POLICY_ARN }, GONE),
        change('aws_eks_access_entry', 'node', ['delete'], { principal_arn: 'arn:aws:iam::222222222222:role/ecr-cache-prod-node', cluster_name: 'prod' }, GONE),
      ]),
    );
    expect(run.stderr).toBe(
      'plan-guard: ecr-cache-prod is production: this plan deletes or replaces what its cache depends on, so it must not be applied:\n' +
        `  ${RULE_LINE}\n` +
        '  aws_ecr_pull_through_cache_rule.github: replaced (deleted, then created again), because upstream_registry_url cannot change in place. The pull-through cache rule of github/: nodes cannot pull new images through it while it is gone.\n' +
        "  aws_ecr_repository_creation_template.k8s: replaced (created anew, then the old one deleted), because the plan was made with -replace. The repository creation template of k8s/: cache repositories created without it get ECR's defaults (no lifecycle policy, no repository policy).\n" +
        '  aws_secretsmanager_secret.docker_hub: deleted, as it is no longer in the configuration. The credential secret ecr-pullthroughcache/docker-hub: its rule loses its upstream credential, a new secret has a new ARN and no value, and the deleted name stays reserved for its recovery window.\n' +
        '  aws_secretsmanager_secret.azure: its deposed object 00000001, left by an earlier replacement, deleted. The credential secret ecr-pullthroughcache/azure: its rule loses its upstream credential, a new secret has a new ARN and no value, and the deleted name stays reserved for its recovery window.\n' +
        '  aws_ecr_registry_policy.registry: deleted, as it is no longer in the configuration. The registry policy: the consumer accounts can no longer have ECR create or import cache repositories for them.\n' +
        '  aws_ecr_registry_scanning_configuration.registry: replaced (deleted, then created again), because it is tainted. The registry scanning configuration: ECR falls back to basic scanning with no rules, so no repository is scanned on push.\n' +
        '  aws_iam_policy.node_pull: deleted, as it is no longer in the configuration. The node pull policy: the nodes lose their permission to pull through the cache.\n' +
        "  aws_iam_role_policy_attachment.karpenter_cache_pull: deleted, as it is no longer in the configuration. The node pull policy's attachment to the role karpenter: its nodes can no longer pull through the cache.\n" +
        '  aws_eks_access_entry.node: deleted, as it is no longer in the configuration. The EKS access entry of arn:aws:iam::222222222222:role/ecr-cache-prod-node in the cluster prod: nodes with that role lose their access to the cluster.\n' +
        'If these are meant, list the addresses under allowDeletions in the environment file of prod, have that change reviewed, then synthesize and plan again (npm run plan -- prod):\n' +
        'allowDeletions:\n' +
        '  - aws_ecr_pull_through_cache_rule.quay\n  - aws_ecr_pull_through_cache_rule.github\n  - aws_ecr_repository_creation_template.k8s\n' +
        '  - aws_secretsmanager_secret.docker_hub\n  - aws_secretsmanager_secret.azure\n  - aws_ecr_registry_policy.registry\n' +
        '  - aws_ecr_registry_scanning_configuration.registry\n  - aws_iam_policy.node_pull\n  - aws_iam_role_policy_attachment.karpenter_cache_pull\n' +
        '  - aws_eks_access_entry.node\n',
    );
    expect(run.stdout).toBe('');
    expect(run.status).toBe(1);
  });

  it("passes what the cache does not depend on: creates, updates, reads, forgets, the node role's managed policies, roles", () => {
    const run = guard(
      'ecr-cache-prod',
      planOf([
        change('aws_ecr_pull_through_cache_rule', 'new', ['create']),
        change('aws_ecr_repository_creation_template', 'quay', ['update'], { prefix: 'quay' }),
        change('aws_secretsmanager_secret', 'k8s', ['no-op'], { name: 'ecr-pullthroughcache/k8s' }),
        change('aws_ecr_pull_through_cache_rule', 'old', ['forget'], { ecr_repository_prefix: 'old' }),
        { ...change('aws_secretsmanager_secret_versions', 'docker_hub', ['read']), address: 'data.aws_secretsmanager_secret_versions.docker_hub', mode: 'data' },
        change('aws_iam_role_policy_attachment', 'node_AmazonEKS_CNI_Policy', ['delete'], { role: 'ecr-cache-prod-node', policy_arn: 'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy' }, GONE),
        change('aws_iam_role', 'repository_template', ['delete', 'create'], { name: 'ecr-cache-prod-repository-template' }),
        change('terraform_data', 'us_propagation', ['delete', 'create'], {}),
      ]),
    );
    expect(run.stdout).toBe('plan-guard: ecr-cache-prod is production: the plan deletes or replaces nothing the guard protects\n');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('passes any plan of a stack that is not production', () => {
    const run = guard('ecr-cache-dev', planOf([change('aws_secretsmanager_secret', 'docker_hub', ['delete'], { name: 'ecr-pullthroughcache/docker-hub' }), RULE_GONE]));
    expect(run.stdout).toBe('plan-guard: ecr-cache-dev is not production: nothing to guard\n');
    expect(run.status).toBe(0);
  });
});

describe('node scripts/plan-guard.mjs STACK_DIR: the override, allowDeletions', () => {
  it('passes a plan whose every guarded deletion its environment file allows, listing them', () => {
    const run = guard('ecr-cache-prod', planOf([RULE_GONE, TEMPLATE_GONE]), { allow: ['aws_ecr_repository_creation_template.quay', 'aws_ecr_pull_through_cache_rule.quay'] });
    expect(run.stdout).toBe(
      'plan-guard: ecr-cache-prod is production: this plan deletes or replaces 2 guarded resources, each allowed by allowDeletions in the environment file of prod:\n' +
        `  ${RULE_LINE}\n  ${TEMPLATE_LINE}\n` +
        'Once it is applied, remove them from allowDeletions.\n',
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('refuses what the list leaves out, showing what it allowed and the whole list to write', () => {
    const run = guard('ecr-cache-prod', planOf([RULE_GONE, TEMPLATE_GONE]), { allow: ['aws_ecr_pull_through_cache_rule.quay'] });
    expect(run.stderr).toBe(
      'plan-guard: ecr-cache-prod is production: this plan deletes or replaces what its cache depends on, so it must not be applied:\n' +
        `  ${TEMPLATE_LINE}\n` +
        'Allowed by allowDeletions in the environment file of prod:\n' +
        `  ${RULE_LINE}\n` +
        'If this is meant, list the address under allowDeletions in the environment file of prod, have that change reviewed, then synthesize and plan again (npm run plan -- prod):\n' +
        'allowDeletions:\n  - aws_ecr_pull_through_cache_rule.quay\n  - aws_ecr_repository_creation_template.quay\n',
    );
    expect(run.status).toBe(1);
  });

  it('warns of a stale override: an address the plan does not delete, or one the guard does not protect', () => {
    const run = guard('ecr-cache-prod', planOf([RULE_GONE]), {
      allow: ['aws_ecr_pull_through_cache_rule.quay', 'aws_ecr_pull_through_cache_rule.k8s', 'aws_iam_role.node'],
    });
    expect(run.stderr).toBe(
      'plan-guard: warning: ecr-cache-prod: allowDeletions in the environment file of prod names aws_ecr_pull_through_cache_rule.k8s, which this plan does not delete or replace: ' +
        'a stale override, which would let a later deletion through unreviewed. Remove it from the file.\n' +
        'plan-guard: warning: ecr-cache-prod: allowDeletions in the environment file of prod names aws_iam_role.node, which is not a resource the guard protects ' +
        '(pull-through cache rules, credential secrets, repository creation templates, the registry policy, the scanning configuration, the node pull policy and its attachments, EKS access entries): ' +
        'a stale override, which would let a later deletion through unreviewed. Remove it from the file.\n',
    );
    expect(run.stdout).toMatch(/^plan-guard: ecr-cache-prod is production: this plan deletes or replaces 1 guarded resource, each allowed by/);
    expect(run.status).toBe(0);
  });

  it('makes the stale override an annotation of the run in GitHub Actions', () => {
    const run = guard('ecr-cache-prod', planOf([]), { allow: ['aws_ecr_pull_through_cache_rule.quay'], env: { GITHUB_ACTIONS: 'true' } });
    expect(run.stderr).toMatch(/^::warning title=plan-guard::plan-guard: warning: ecr-cache-prod: allowDeletions in the environment file of prod names aws_ecr_pull_through_cache_rule\.quay, which this plan does not delete or replace/);
    expect(run.stdout).toBe('plan-guard: ecr-cache-prod is production: the plan deletes or replaces nothing the guard protects\n');
    expect(run.status).toBe(0);
  });

  it('refuses an override in the stack that is not a list of addresses', () => {
    const run = guard('ecr-cache-prod', planOf([RULE_GONE]), { allow: 'aws_ecr_pull_through_cache_rule.quay' });
    expect(run.stderr).toBe('plan-guard: STACK/cdk.tf.json: "//".ecr_pull_through_cache.allowDeletions is not a list of addresses: synthesize again\n');
    expect(run.status).toBe(1);
  });

  it('reads the key the stack writes and the field the environment file has', () => {
    expect(guardModule.STACK_COMMENT).toBe(STACK_COMMENT);
    expect(guardModule.STACK_NAME_PREFIX).toBe(STACK_NAME_PREFIX);
    expect(Object.keys(environmentSchema.shape)).toContain(guardModule.OVERRIDE_FIELD);
  });
});

describe('node scripts/plan-guard.mjs STACK_DIR: fails closed on anything but a complete plan', () => {
  const refused = (plan: object | string, stack: 'ecr-cache-prod' | 'ecr-cache-dev' = 'ecr-cache-prod') => {
    const run = guard(stack, plan);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(1);
    return run.stderr;
  };
  const SHOW = 'terraform show -json tfplan > tfplan.json';
  const complete = JSON.stringify(planOf([RULE_GONE]), null, 2);

  it.each<[string, object | string, string]>([
    ['an empty file', '', `is empty, not a plan: did terraform show fail? Run ${SHOW} again`],
    ['a truncated plan', complete.slice(0, complete.length / 2), `is not complete JSON (${jsonError(complete.slice(0, complete.length / 2))}): a truncated or damaged file, or not JSON at all. Run ${SHOW} again`],
    [
      "the log of terraform plan -json",
      '{"@level":"info","@message":"Terraform 1.11.4","@module":"terraform.ui","type":"version","terraform":"1.11.4","ui":"1.2"}\n{"@level":"info","@message":"Plan: 0 to add","type":"change_summary"}\n',
      `is the log of terraform plan -json (one message a line), not the plan: run ${SHOW}`,
    ],
    ['a JSON array', [planOf([])], `holds a JSON array, not a plan: run ${SHOW}`],
    ['null', 'null', `holds null, not a plan: run ${SHOW}`],
    ["another tool's JSON (a scanner's report)", { results: { failed_checks: [] }, summary: { passed: 3 } }, `has no format_version: not the output of terraform show -json (another tool's JSON?). Run ${SHOW}`],
    ['a format of another major version', { ...planOf([]), format_version: '2.0' }, 'has format_version "2.0": the guard reads format 1.x of terraform show -json, and refuses any other'],
    ['a format version that is a number', { ...planOf([]), format_version: 1.2 }, 'has format_version 1.2: the guard reads format 1.x of terraform show -json, and refuses any other'],
    ['a state', { format_version: '1.0', terraform_version: '1.11.4', values: { root_module: { resources: [] } } }, `is a Terraform state (terraform show -json without a plan file), not a plan: run ${SHOW}`],
    ['no planned_values', { format_version: '1.2', resource_changes: [RULE_GONE] }, `has no planned_values: not a complete plan from terraform show -json. Run ${SHOW} again`],
    ['a plan that failed', { ...planOf([]), errored: true }, 'is a plan that failed (errored: true): fix what terraform plan reported, then plan again'],
    ['no resource_changes of a stack with resources', { format_version: '1.2', planned_values: { root_module: {} } }, `has no resource_changes, yet the stack declares 18 resources: an incomplete plan. Run ${SHOW} again`],
    ['resource_changes that are not a list', { ...planOf([]), resource_changes: { 'aws_ecr_pull_through_cache_rule.quay': RULE_GONE } }, `its resource_changes is not a list: not a plan from terraform show -json. Run ${SHOW}`],
    [
      'a change without actions',
      { ...planOf([]), resource_changes: [RULE_GONE, { address: 'aws_ecr_pull_through_cache_rule.k8s', type: 'aws_ecr_pull_through_cache_rule', change: { action: 'delete' } }] },
      `resource_changes[1] is not a resource change (address, type and change.actions): not a plan from terraform show -json. Run ${SHOW}`,
    ],
  ])('refuses %s, saying what it is', (_, plan, message) => {
    expect(refused(plan)).toBe(`plan-guard: STACK/tfplan.json: ${message}\n`);
  });

  it('refuses them whether or not the stack is production: a pipeline that passes no plan is broken', () => {
    expect(refused({ results: [] }, 'ecr-cache-dev')).toMatch(/^plan-guard: STACK\/tfplan\.json: has no format_version/);
  });

  it('accepts a plan without resource_changes only where nothing is planned, as Terraform writes it', () => {
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify({ '//': { metadata: { stackName: 'ecr-cache-empty' }, [STACK_COMMENT]: { production: true } } }));
    const empty = { format_version: '1.2', planned_values: {}, complete: true, applyable: false, errored: false };
    writeFileSync(join(dir, 'tfplan.json'), JSON.stringify(empty));
    const passed = spawnSync(process.execPath, [GUARD, dir], { encoding: 'utf8' });
    expect(passed.stdout).toBe('plan-guard: ecr-cache-empty is production: the plan deletes or replaces nothing the guard protects\n');
    expect(passed.status).toBe(0);
    writeFileSync(join(dir, 'tfplan.json'), JSON.stringify({ ...empty, prior_state: { values: { root_module: { resources: [{ address: 'aws_iam_policy.node_pull' }] } } } }));
    const prior = spawnSync(process.execPath, [GUARD, dir], { encoding: 'utf8' });
    expect(prior.stderr).toBe(`plan-guard: ${join(dir, 'tfplan.json')}: has no resource_changes, yet its prior state holds 1 resource: an incomplete plan. Run ${SHOW} again\n`);
    expect(prior.status).toBe(1);
  });

  it('fails, saying why, when it cannot guard: no plan, or a stack that is not one of ours', () => {
    const noPlan = guard('ecr-cache-prod', undefined);
    expect(noPlan.stderr).toMatch(/^plan-guard: STACK\/tfplan\.json: cannot read the plan \(terraform show -json tfplan > tfplan\.json\): ENOENT/);
    expect(noPlan.status).toBe(1);
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify({ '//': { metadata: { stackName: 'other' } } }));
    writeFileSync(join(dir, 'tfplan.json'), JSON.stringify(planOf([])));
    const other = spawnSync(process.execPath, [GUARD, dir], { encoding: 'utf8' });
    expect(other.stderr).toBe(`plan-guard: ${join(dir, 'cdk.tf.json')}: not a stack of ecr-pull-through-cache (no "//".ecr_pull_through_cache.production)\n`);
    expect(other.status).toBe(1);
  });
});

describe('node scripts/plan-guard.mjs: how it runs', () => {
  it('runs when the checkout is reached through a symbolic link', () => {
    const linked = join(dir, 'linked-checkout');
    symlinkSync(PROJECT_ROOT, linked);
    const stackDir = join(dir, 'ecr-cache-prod');
    cpSync(join(RECORDED, 'ecr-cache-prod'), stackDir, { recursive: true });
    writeFileSync(join(stackDir, 'tfplan.json'), JSON.stringify(planOf([change('aws_secretsmanager_secret', 'x', ['delete'], { name: 'y' })])));
    const run = spawnSync(process.execPath, [join(linked, 'scripts', 'plan-guard.mjs'), stackDir], { encoding: 'utf8' });
    expect(run.stderr).toContain('  aws_secretsmanager_secret.x: deleted. The credential secret y: its rule loses its upstream credential');
    expect(run.status).toBe(1);
  });

  it('prints its usage without a folder', () => {
    const run = spawnSync(process.execPath, [GUARD], { encoding: 'utf8' });
    expect(run.stderr).toBe('usage: node scripts/plan-guard.mjs STACK_DIR   (the folder with cdk.tf.json and tfplan.json)\n');
    expect(run.status).toBe(2);
  });
});

/** What JSON.parse says about `text`, in this Node.js version's words. */
function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('it parses');
}
