/**
 * The two other ways to synthesize: `npm run synth` must write exactly what `npx cdktf synth` writes, and
 * `npm run synth:hcl` plain HCL that Terraform validates, offline, for every example environment.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { displayPath, PROJECT_ROOT } from '../config/environments';
import { type OfflinePlan, offlinePlan, prepareOfflineWorkspace } from '../scripts/offline-terraform';
import { readTree } from '../scripts/read-tree';
import { requireProviderMirror } from './support/offline-plan';
import { runTs } from './support/processes';
import { FIXTURE_ENVIRONMENTS } from './support/stacks';

const work = mkdtempSync(join(tmpdir(), 'ecr-cache-synth-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm run synth', () => {
  it('writes the same cdktf.out as npx cdktf synth', () => {
    const cli = spawnSync('npx', ['cdktf', 'synth', '--output', join(work, 'cli')], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CI: '1', CHECKPOINT_DISABLE: '1', ECR_CACHE_ENVIRONMENTS: FIXTURE_ENVIRONMENTS },
      encoding: 'utf8',
    });
    expect(cli.status, cli.stderr).toBe(0);
    const fast = spawnSync('npm', ['run', '-s', 'synth'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDKTF_OUTDIR: join(work, 'fast'), ECR_CACHE_ENVIRONMENTS: FIXTURE_ENVIRONMENTS },
      encoding: 'utf8',
    });
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

  /**
   * Planned values with JSON documents parsed: jsonencode() writes the same document with sorted keys. A resource
   * whose every value is known only at apply (the alert topic's policy) has no `values` in `terraform show -json`.
   */
  const plannedValues = (plan: OfflinePlan) =>
    Object.fromEntries(
      plan.json.planned_values.root_module.resources!.map((resource) => [
        resource.address,
        Object.fromEntries(
          Object.entries(resource.values ?? {}).map(([key, value]) => [key, typeof value === 'string' && value.startsWith('{') ? JSON.parse(value) : value]),
        ),
      ]),
    );

  it.each([
    ['fixtures', FIXTURE_ENVIRONMENTS, ['dev', 'prod'], ['dev', 'prod']],
    ['examples', join(PROJECT_ROOT, 'examples'), ['all-upstreams'], ['all-upstreams']],
    ['organization', join(PROJECT_ROOT, 'examples', 'organization'), ['shared'], ['shared', 'team-a', 'team-b']],
  ])('writes HCL of the %s that Terraform reads as the JSON: it validates, and plans the same values', async (folder, environments, names, written) => {
    const outdir = join(work, `hcl-${folder}`);
    const jsonOut = join(work, `json-${folder}`);
    const run = runTs(join(PROJECT_ROOT, 'scripts', 'synth-hcl.ts'), ['--outdir', outdir, '--environments', environments]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(written.map((name) => `wrote ${join(displayPath(outdir), 'stacks', `ecr-cache-${name}`, 'cdk.tf')}\n`).join(''));
    const json = runTs(join(PROJECT_ROOT, 'main.ts'), [], { ECR_CACHE_ENVIRONMENTS: environments, CDKTF_OUTDIR: jsonOut });
    expect(json.status, json.stderr).toBe(0);
    for (const name of names) {
      const stackDir = join(outdir, 'stacks', `ecr-cache-${name}`);
      expect(readdirSync(stackDir).sort()).toEqual(['cdk.tf', 'metadata.json']);
      const hcl = readFileSync(join(stackDir, 'cdk.tf'), 'utf8');
      // What a Terraform user writes: readable addresses, plain references, blocks apart, policies as objects.
      expect(hcl).toMatch(/^resource "aws_ecr_pull_through_cache_rule" "k8s" \{$/m);
      expect(hcl).toMatch(/^ {2}required_version = ">= 1\.10"$/m);
      expect(hcl).toMatch(/^ {6}source {2}= "hashicorp\/aws"$/m);
      expect(hcl).toMatch(/^ {2}role\s+= aws_iam_role\.node\.name$/m);
      expect(hcl).toMatch(/^ {2}policy = jsonencode\(\{$/m);
      expect(hcl).toMatch(/^ {2}assume_role_policy = jsonencode\(\{$/m);
      expect(hcl).toMatch(/^}\n\nresource /m);
      expect(hcl).not.toMatch(/"\$\{[^"]*\}"/);
      expect(hcl).not.toMatch(/\\"(Version|Statement|rules)\\"/);
      expect(hcl).not.toContain('"//"');

      const planOf = (dir: string, workspace: string) => offlinePlan(prepareOfflineWorkspace(dir, join(work, workspace), mirror!));
      const [fromHcl, fromJson] = await Promise.all([
        planOf(stackDir, `plan-hcl-${name}`),
        planOf(join(jsonOut, 'stacks', `ecr-cache-${name}`), `plan-json-${name}`),
      ]);
      expect(plannedValues(fromHcl)).toEqual(plannedValues(fromJson));
      expect(fromHcl.json.resource_changes.map((change) => change.address).sort()).toEqual(fromJson.json.resource_changes.map((change) => change.address).sort());
    }
  });
});
