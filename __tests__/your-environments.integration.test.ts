/**
 * The environment files under environments/ are the user's: whatever is there must check, synthesize and plan.
 * These tests adapt to the files present; every other test runs on fixtures of its own, so adding, changing or
 * removing an environment file fails `npm test` only when that file is wrong.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { environmentFiles, loadEnvironments, PROJECT_ROOT } from '../config/environments';
import { createsCredentialSecret } from '../lib/checks/rule';
import { upstreamRegistryUrl } from '../lib/aws/upstreams';
import { offlinePlan, prepareOfflineWorkspace } from '../scripts/offline-terraform';
import { requireProviderMirror } from './support/offline-plan';
import { ecrCache, runTs } from './support/processes';

const YOURS = join(PROJECT_ROOT, 'environments');
const files = environmentFiles(YOURS);
const names = files.map((file) => basename(file, extname(file)));
const work = mkdtempSync(join(tmpdir(), 'ecr-cache-yours-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe(`your environments (${names.join(', ') || 'none'})`, () => {
  const mirror = requireProviderMirror();

  it('pass ./bin/ecr-cache check', () => {
    if (files.length === 0) return;
    const run = ecrCache(['check'], { ECR_CACHE_ENVIRONMENTS: YOURS });
    expect(run.stderr.split('\n').filter((line) => line && !line.startsWith('warning: '))).toEqual([]);
    expect(run.status).toBe(0);
  });

  it('synthesize one stack each and plan offline, each with the rules its file names', async (context) => {
    if (!mirror) context.skip();
    if (files.length === 0) return;
    const outdir = join(work, 'out');
    const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { ECR_CACHE_ENVIRONMENTS: YOURS, CDKTF_OUTDIR: outdir });
    expect(synth.status, synth.stderr).toBe(0);
    expect(readdirSync(join(outdir, 'stacks')).sort()).toEqual(names.map((name) => `ecr-cache-${name}`).sort());
    const { environments } = loadEnvironments(YOURS);
    await Promise.all(
      environments.map(async (environment) => {
        const plan = await offlinePlan(prepareOfflineWorkspace(join(outdir, 'stacks', environment.stackName), join(work, environment.name), mirror!));
        const rules = plan.json.planned_values.root_module.resources!.filter((resource) => resource.type === 'aws_ecr_pull_through_cache_rule');
        // A new environment's rules whose secrets the stack creates empty wait for their values: the plan says so in a check.
        const waits = (rule: (typeof environment.rules)[number]) => createsCredentialSecret(rule) && rule.secretValueVersion === undefined;
        expect(Object.fromEntries(rules.map((rule) => [rule.values.ecr_repository_prefix, rule.values.upstream_registry_url]))).toEqual(
          Object.fromEntries(environment.rules.filter((rule) => !waits(rule)).map((rule) => [rule.prefix, upstreamRegistryUrl(rule.upstream, rule.registry)])),
        );
        const checks = (plan.json as unknown as { checks?: { address: { name: string }; status: string }[] }).checks ?? [];
        expect(checks.filter((check) => check.status === 'fail').length).toBe(environment.rules.filter(waits).length);
      }),
    );
  });
});
