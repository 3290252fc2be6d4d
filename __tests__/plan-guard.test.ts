/**
 * scripts/plan-guard.mjs, run as pipelines run it (`node scripts/plan-guard.mjs STACK_DIR`), on stacks this project
 * synthesized (the recorded output) and plans in `terraform show -json`'s format.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';

const GUARD = join(PROJECT_ROOT, 'scripts', 'plan-guard.mjs');
const RECORDED = join(PROJECT_ROOT, '__tests__', 'recorded', 'fixtures');

const change = (type: string, name: string, actions: string[], secretName?: string) => ({
  address: `${type}.${name}`,
  mode: 'managed',
  type,
  name,
  change: { actions, before: secretName === undefined ? null : { name: secretName } },
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecr-cache-guard-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The guard on a copy of a recorded stack with this plan beside it. */
function guard(stack: 'ecr-cache-prod' | 'ecr-cache-dev', changes: object[] | undefined) {
  const stackDir = join(dir, stack);
  cpSync(join(RECORDED, stack), stackDir, { recursive: true });
  if (changes) writeFileSync(join(stackDir, 'tfplan.json'), JSON.stringify({ format_version: '1.2', resource_changes: changes }));
  const run = spawnSync(process.execPath, [GUARD, stackDir], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.replaceAll(stackDir, 'STACK') };
}

describe('node scripts/plan-guard.mjs STACK_DIR', () => {
  it("refuses a production stack's plan that deletes or replaces credential secrets, naming them", () => {
    const run = guard('ecr-cache-prod', [
      change('aws_secretsmanager_secret', 'docker_hub', ['delete'], 'ecr-pullthroughcache/docker-hub'),
      change('aws_secretsmanager_secret', 'github', ['delete', 'create'], 'ecr-pullthroughcache/github'),
      change('aws_secretsmanager_secret', 'gitlab', ['create', 'delete'], 'ecr-pullthroughcache/gitlab'),
      { ...change('aws_secretsmanager_secret', 'azure', ['delete'], 'ecr-pullthroughcache/azure'), deposed: '00000001' },
      { ...change('aws_secretsmanager_secret', 'read', ['read']), mode: 'data' },
      change('aws_secretsmanager_secret', 'quay', ['create']),
      change('aws_secretsmanager_secret', 'k8s', ['no-op'], 'ecr-pullthroughcache/k8s'),
      change('aws_ecr_pull_through_cache_rule', 'docker_hub', ['delete']),
    ]);
    expect(run.stderr).toBe(
      'plan-guard: ecr-cache-prod is production: this plan deletes credential secrets: ' +
        'aws_secretsmanager_secret.docker_hub (ecr-pullthroughcache/docker-hub), aws_secretsmanager_secret.github (ecr-pullthroughcache/github), ' +
        'aws_secretsmanager_secret.gitlab (ecr-pullthroughcache/gitlab), aws_secretsmanager_secret.azure deposed 00000001 (ecr-pullthroughcache/azure). ' +
        'If that is meant, set production: false for this change, plan and apply, then set it back.\n',
    );
    expect(run.status).toBe(1);
  });

  it("passes a production stack's plan that deletes no credential secret", () => {
    const run = guard('ecr-cache-prod', [change('aws_ecr_pull_through_cache_rule', 'quay', ['delete']), change('aws_secretsmanager_secret', 'quay', ['update'], 'x')]);
    expect(run.stdout).toBe('plan-guard: ecr-cache-prod is production: the plan deletes no credential secret\n');
    expect(run.status).toBe(0);
  });

  it('passes any plan of a stack that is not production', () => {
    const run = guard('ecr-cache-dev', [change('aws_secretsmanager_secret', 'docker_hub', ['delete'], 'ecr-pullthroughcache/docker-hub')]);
    expect(run.stdout).toBe('plan-guard: ecr-cache-dev is not production: nothing to guard\n');
    expect(run.status).toBe(0);
  });

  it('fails, saying why, when it cannot guard: no plan, or a stack that is not one of ours', () => {
    const noPlan = guard('ecr-cache-prod', undefined);
    expect(noPlan.stderr).toMatch(/^plan-guard: STACK\/tfplan\.json: cannot read the plan \(terraform show -json tfplan > tfplan\.json\): ENOENT/);
    expect(noPlan.status).toBe(1);
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify({ '//': { metadata: { stackName: 'other' } } }));
    writeFileSync(join(dir, 'tfplan.json'), JSON.stringify({ format_version: '1.2', resource_changes: [] }));
    const other = spawnSync(process.execPath, [GUARD, dir], { encoding: 'utf8' });
    expect(other.stderr).toBe(`plan-guard: ${join(dir, 'cdk.tf.json')}: not a stack of ecr-pull-through-cache (no "//".ecr_pull_through_cache.production)\n`);
    expect(other.status).toBe(1);
  });

  it('refuses a plan file that is not terraform show -json output', () => {
    const stackDir = join(dir, 'ecr-cache-prod');
    cpSync(join(RECORDED, 'ecr-cache-prod'), stackDir, { recursive: true });
    writeFileSync(join(stackDir, 'tfplan.json'), JSON.stringify({ resource_changes: [] }));
    const run = spawnSync(process.execPath, [GUARD, stackDir], { encoding: 'utf8' });
    expect(run.stderr).toBe(`plan-guard: ${join(stackDir, 'tfplan.json')}: not a plan in the format of terraform show -json (format_version 1.x)\n`);
    expect(run.status).toBe(1);
  });

  it('runs when the checkout is reached through a symbolic link', () => {
    const linked = join(dir, 'linked-checkout');
    symlinkSync(PROJECT_ROOT, linked);
    const stackDir = join(dir, 'ecr-cache-prod');
    cpSync(join(RECORDED, 'ecr-cache-prod'), stackDir, { recursive: true });
    writeFileSync(join(stackDir, 'tfplan.json'), JSON.stringify({ format_version: '1.2', resource_changes: [change('aws_secretsmanager_secret', 'x', ['delete'], 'y')] }));
    const run = spawnSync(process.execPath, [join(linked, 'scripts', 'plan-guard.mjs'), stackDir], { encoding: 'utf8' });
    expect(run.stderr).toContain('this plan deletes credential secrets: aws_secretsmanager_secret.x (y)');
    expect(run.status).toBe(1);
  });

  it('prints its usage without a folder', () => {
    const run = spawnSync(process.execPath, [GUARD], { encoding: 'utf8' });
    expect(run.stderr).toBe('usage: node scripts/plan-guard.mjs STACK_DIR   (the folder with cdk.tf.json and tfplan.json)\n');
    expect(run.status).toBe(2);
  });
});
