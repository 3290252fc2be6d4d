/**
 * The production guard on a real plan: an environment whose state still holds a credential secret that its file no
 * longer names (a rule removed or renamed), planned offline by Terraform with the real provider. prevent_destroy cannot
 * stop that deletion (the resource is gone from the configuration); scripts/plan-guard.mjs does.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { prepareOfflineWorkspace, terraform } from '../scripts/offline-terraform';
import { requireProviderMirror } from './support/offline-plan';
import { runTs } from './support/processes';

const mirror = requireProviderMirror();
const work = mkdtempSync(join(tmpdir(), 'ecr-cache-guard-plan-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A state whose only resource is a credential secret the configuration no longer has. */
function stateWithRetiredSecret(account: string): string {
  const arn = `arn:aws:secretsmanager:eu-west-2:${account}:secret:ecr-pullthroughcache/retired-AbCdEf`;
  return JSON.stringify({
    version: 4,
    terraform_version: '1.10.0',
    serial: 1,
    lineage: '6f1c2f0e-1b7a-4c55-9c6e-4d0c6a0b1d2e',
    outputs: {},
    resources: [
      {
        mode: 'managed',
        type: 'aws_secretsmanager_secret',
        name: 'retired',
        provider: 'provider["registry.terraform.io/hashicorp/aws"]',
        instances: [{ schema_version: 0, attributes: { id: arn, arn, name: 'ecr-pullthroughcache/retired', recovery_window_in_days: 7, tags: {}, tags_all: {} } }],
      },
    ],
  });
}

async function planWithRetiredSecret(stack: string, account: string) {
  const workspace = prepareOfflineWorkspace(join(work, 'out', 'stacks', stack), join(work, stack), mirror!);
  writeFileSync(join(workspace.dir, 'terraform.tfstate'), stateWithRetiredSecret(account));
  for (const args of [['init', '-input=false', '-no-color'], ['plan', '-input=false', '-no-color', '-refresh=false', '-out=tfplan']]) {
    const result = await terraform(workspace, args);
    if (result.status !== 0) throw new Error(`terraform ${args[0]} failed:\n${result.stderr}`);
  }
  const shown = await terraform(workspace, ['show', '-json', 'tfplan']);
  writeFileSync(join(workspace.dir, 'tfplan.json'), shown.stdout);
  return spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'plan-guard.mjs'), workspace.dir], { encoding: 'utf8' });
}

describe('scripts/terraform-init.sh, the init of pipeline jobs', () => {
  it('warns without a lock file, then holds every init to the one it wrote', (context) => {
    if (!mirror) context.skip();
    const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { CDKTF_OUTDIR: join(work, 'init-out') });
    expect(synth.status).toBe(0);
    const workspace = prepareOfflineWorkspace(join(work, 'init-out', 'stacks', 'ecr-cache-dev'), join(work, 'init'), mirror!);
    const init = () => spawnSync(join(PROJECT_ROOT, 'scripts', 'terraform-init.sh'), [workspace.dir], { env: workspace.env, encoding: 'utf8' });
    const first = init();
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`::warning::${workspace.dir} has no .terraform.lock.hcl`);
    const lockFile = join(workspace.dir, '.terraform.lock.hcl');
    const lock = readFileSync(lockFile, 'utf8');
    expect(lock).toContain(`version     = "${mirror!.awsVersion}"`);
    const second = init();
    expect(second.status).toBe(0);
    expect(second.stdout).not.toContain('::warning::');
    // A lock file that does not name the provider the stack needs: a plain init would add it to the lock file
    // (it succeeds, below); read-only, init refuses to change the lock file, and fails.
    const header = '# This file is maintained automatically by "terraform init".\n';
    const lockWithout = () => {
      rmSync(join(workspace.dir, '.terraform'), { recursive: true, force: true });
      writeFileSync(lockFile, header);
    };
    lockWithout();
    const refused = init();
    expect(refused.status).not.toBe(0);
    expect(refused.stderr.replace(/[\s│]+/g, ' ')).toContain('Provider dependency changes detected');
    lockWithout();
    const plain = spawnSync('terraform', [`-chdir=${workspace.dir}`, 'init', '-input=false', '-no-color'], { env: workspace.env, encoding: 'utf8' });
    expect(plain.status).toBe(0);
    expect(readFileSync(lockFile, 'utf8')).toContain(`version     = "${mirror!.awsVersion}"`);
  });
});

describe('plan-guard.mjs on a real plan that deletes a credential secret', () => {
  beforeAll(() => {
    if (!mirror) return;
    const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { CDKTF_OUTDIR: join(work, 'out') });
    if (synth.status !== 0) throw new Error(synth.stderr);
  });

  it('refuses it in production', async (context) => {
    if (!mirror) context.skip();
    const guard = await planWithRetiredSecret('ecr-cache-prod', '222222222222');
    expect(guard.stderr).toContain(
      '\n  aws_secretsmanager_secret.retired: deleted, as it is no longer in the configuration. The credential secret ecr-pullthroughcache/retired: its rule loses',
    );
    expect(guard.status).toBe(1);
  });

  it('lets it through elsewhere', async (context) => {
    if (!mirror) context.skip();
    const guard = await planWithRetiredSecret('ecr-cache-dev', '111111111111');
    expect(guard.stdout).toBe('plan-guard: ecr-cache-dev is not production: nothing to guard\n');
    expect(guard.status).toBe(0);
  });
});
