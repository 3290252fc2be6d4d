/**
 * The two other ways to synthesize: `npm run synth` must write exactly what `npx cdktf synth` writes, and
 * `npm run synth:hcl` plain HCL that Terraform validates, offline, for every example environment.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/environments';
import { prepareOfflineWorkspace, terraform } from '../scripts/offline-terraform';
import { readTree } from '../scripts/read-tree';
import { requireProviderMirror } from './support/offline-plan';
import { runTs } from './support/processes';

const work = mkdtempSync(join(tmpdir(), 'ecr-cache-synth-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm run synth', () => {
  it('writes the same cdktf.out as npx cdktf synth', () => {
    const cli = spawnSync('npx', ['cdktf', 'synth', '--output', join(work, 'cli')], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CI: '1', CHECKPOINT_DISABLE: '1' },
      encoding: 'utf8',
    });
    expect(cli.status, cli.stderr).toBe(0);
    const fast = spawnSync('npm', ['run', '-s', 'synth'], { cwd: PROJECT_ROOT, env: { ...process.env, CDKTF_OUTDIR: join(work, 'fast') }, encoding: 'utf8' });
    expect(fast.status, fast.stderr).toBe(0);

    const written = readTree(join(work, 'fast'));
    expect([...written.keys()].sort()).toEqual(['manifest.json', 'stacks/ecr-cache-dev/cdk.tf.json', 'stacks/ecr-cache-prod/cdk.tf.json']);
    expect(written).toEqual(readTree(join(work, 'cli')));
  });
});

describe('npm run synth:hcl', () => {
  const mirror = requireProviderMirror();

  beforeEach((context) => {
    if (!mirror) context.skip();
  });

  it.each([
    ['environments', ['dev', 'prod']],
    ['examples', ['all-upstreams']],
  ])('writes HCL of the %s that terraform validate accepts, offline', async (folder, names) => {
    const outdir = join(work, `hcl-${folder}`);
    const run = runTs(join(PROJECT_ROOT, 'scripts', 'synth-hcl.ts'), ['--outdir', outdir, '--environments', join(PROJECT_ROOT, folder)]);
    expect(run.status, run.stderr).toBe(0);
    for (const name of names) {
      const stackDir = join(outdir, 'stacks', `ecr-cache-${name}`);
      expect(readdirSync(stackDir).sort()).toEqual(['cdk.tf', 'metadata.json']);
      const hcl = readFileSync(join(stackDir, 'cdk.tf'), 'utf8');
      expect(hcl).toMatch(/^resource "aws_ecr_pull_through_cache_rule" "rule-k8s_rule_14AB3A20" \{$/m);
      expect(hcl).not.toContain('"//"');
      expect(hcl).toMatch(/^  required_version = ">= 1\.10"$/m);

      const workspace = prepareOfflineWorkspace(stackDir, join(work, `validate-${name}`), mirror!);
      const init = await terraform(workspace, ['init', '-input=false', '-no-color', '-backend=false']);
      expect(init.status, init.stderr).toBe(0);
      const validate = await terraform(workspace, ['validate', '-json', '-no-color']);
      expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, error_count: 0 });
    }
  });
});
