/**
 * The prebuilt bundle (scripts/bundle.cjs) that `npm run synth`, `cdktf synth`/`deploy` and the CLI run:
 * - it writes exactly what the TypeScript sources write when run through tsx;
 * - it is never stale: an edited source file is in the next synth or command, with no build step;
 * - it runs without node_modules (a pipeline's apply job), and says what to do when it would need to rebuild there.
 * Each test works in a copy of the project, so the checkout's own bundle is never touched.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { copyCheckout } from '../scripts/checkout';
import { readTree } from '../scripts/read-tree';
import { type FakeAws, startFakeAws } from './support/fake-aws';
import { ecrCacheAsync, runTs } from './support/processes';

const FIXTURES = join(PROJECT_ROOT, '__tests__', 'fixtures', 'environments');
const work = mkdtempSync(join(tmpdir(), 'ecr-cache-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the project as a checkout has it, with or without node_modules. */
function checkout(name: string, options: { nodeModules: boolean }): string {
  const dir = join(work, name);
  copyCheckout(dir);
  if (options.nodeModules) symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** `node scripts/bundle.cjs main`, what `npm run synth` and cdktf.json run, in a project folder. */
function synth(dir: string, outdir: string, environments = FIXTURES) {
  return spawnSync(process.execPath, [join(dir, 'scripts', 'bundle.cjs'), 'main'], {
    cwd: dir,
    env: { ...process.env, CHECKPOINT_DISABLE: '1', CDKTF_OUTDIR: outdir, ECR_CACHE_ENVIRONMENTS: environments },
    encoding: 'utf8',
  });
}

describe('the bundle', () => {
  it.each([
    ['the fixtures', FIXTURES],
    ['the examples', join(PROJECT_ROOT, 'examples')],
    ['the organization example', join(PROJECT_ROOT, 'examples', 'organization')],
  ])('synthesizes %s exactly as the sources do through tsx', (_, environments) => {
    const fromBundle = join(work, 'from-bundle');
    const fromSources = join(work, 'from-sources');
    const bundled = synth(PROJECT_ROOT, fromBundle, environments);
    expect(bundled.status).toBe(0);
    const sources = runTs(join(PROJECT_ROOT, 'main.ts'), [], { CDKTF_OUTDIR: fromSources, ECR_CACHE_ENVIRONMENTS: environments });
    expect(sources.status).toBe(0);
    expect(bundled.stderr).toBe(sources.stderr);
    expect(bundled.stdout.replaceAll(fromBundle, 'OUT')).toBe(sources.stdout.replaceAll(fromSources, 'OUT'));
    const tree = readTree(fromBundle);
    expect(tree.size).toBeGreaterThan(0);
    expect(tree).toEqual(readTree(fromSources));
    rmSync(fromBundle, { recursive: true });
    rmSync(fromSources, { recursive: true });
  });

  it('picks up an edited source file at the next synth and the next command, with no build step', () => {
    const dir = checkout('edited', { nodeModules: true });
    const stack = (outdir: string) => readFileSync(join(outdir, 'stacks', 'ecr-cache-dev', 'cdk.tf.json'), 'utf8');
    expect(synth(dir, join(work, 'before')).status).toBe(0);
    expect(stack(join(work, 'before'))).toContain('"Project": "ecr-pull-through-cache"');

    const schema = join(dir, 'config', 'schema.ts');
    writeFileSync(schema, readFileSync(schema, 'utf8').replace("export const PROJECT = 'ecr-pull-through-cache';", "export const PROJECT = 'edited-project';"));
    const after = synth(dir, join(work, 'after'));
    expect(after.status).toBe(0);
    expect(stack(join(work, 'after'))).toContain('"Project": "edited-project"');

    // An edit that keeps the file's size: found by its content.
    writeFileSync(schema, readFileSync(schema, 'utf8').replace("'edited-project'", "'project-edited'"));
    expect(synth(dir, join(work, 'same-size')).status).toBe(0);
    expect(stack(join(work, 'same-size'))).toContain('"Project": "project-edited"');

    const cliMain = join(dir, 'cli', 'main.ts');
    writeFileSync(cliMain, readFileSync(cliMain, 'utf8').replace("'print the version and exit'", "'print the edited version and exit'"));
    const help = spawnSync(join(dir, 'bin', 'ecr-cache'), ['--help'], { cwd: dir, encoding: 'utf8' });
    expect(help.stdout).toContain('print the edited version and exit');
  });

  describe('without node_modules, as in a pipeline job that only runs Terraform', () => {
    let dir: string;
    let fake: FakeAws | undefined;
    beforeAll(() => {
      // Built where node_modules is, then used where it is not: the artifact's way.
      const built = checkout('built', { nodeModules: true });
      expect(synth(built, join(work, 'built-out')).status).toBe(0);
      dir = checkout('bare', { nodeModules: false });
      cpSync(join(built, '.build'), join(dir, '.build'), { recursive: true });
    });
    afterAll(async () => {
      await fake?.close();
    });

    it('runs the CLI from the bundle: validate calls ECR with the AWS SDK it holds', async () => {
      expect(readdirSync(dir)).not.toContain('node_modules');
      fake = await startFakeAws({
        rules: { 'docker-hub': { isValid: true }, github: { isValid: true }, k8s: { isValid: true }, ecr: { isValid: true }, quay: { isValid: true } },
        secrets: { 'ecr-pullthroughcache/docker-hub': { hasValue: true }, 'ecr-pullthroughcache/github': { hasValue: true } },
      });
      const run = await ecrCacheAsync(
        ['validate', '--env', 'dev', '--endpoint', fake.endpoint],
        {
          AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEBUNDLE',
          AWS_SECRET_ACCESS_KEY: 'bundle-secret',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.endpoint,
        },
        dir,
        join(dir, 'bin', 'ecr-cache'),
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('docker-hub  registry-1.docker.io  yes');
    });

    it('refuses to run stale code, and says how to rebuild', () => {
      const upstreams = join(dir, 'lib', 'aws', 'upstreams.ts');
      writeFileSync(upstreams, `${readFileSync(upstreams, 'utf8')}\n// edited\n`);
      const run = spawnSync(join(dir, 'bin', 'ecr-cache'), ['check'], { cwd: dir, encoding: 'utf8' });
      expect(run.stderr).toBe('error: the bundle in .build is missing or stale, and esbuild is not installed to rebuild it: run npm ci\n');
      expect(run.status).toBe(1);
    });
  });
});
