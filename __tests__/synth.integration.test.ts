import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentJsonSchema } from '../config/json-schema';
import { PROJECT_ROOT } from '../config/environments';
import { runTs } from './support/processes';
import { environmentsFolder, FIXTURE_ENVIRONMENTS } from './support/stacks';

const example = (name: string) => readFileSync(join(FIXTURE_ENVIRONMENTS, `${name}.yaml`), 'utf8');

describe('synthesizing the app (main.ts)', () => {
  it('writes one stack per environment of ECR_CACHE_ENVIRONMENTS', () => {
    const dir = environmentsFolder({ 'dev.yaml': example('dev'), 'eu.yml': example('prod') });
    const outdir = join(dir, 'out');
    const run = runTs(join(PROJECT_ROOT, 'main.ts'), [], { ECR_CACHE_ENVIRONMENTS: dir, CDKTF_OUTDIR: outdir });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readdirSync(join(outdir, 'stacks')).sort()).toEqual(['ecr-cache-dev', 'ecr-cache-eu']);
    // One line per stack written.
    expect(run.stdout).toBe(`wrote ${join(outdir, 'stacks', 'ecr-cache-dev')}\nwrote ${join(outdir, 'stacks', 'ecr-cache-eu')}\n`);
    rmSync(dir, { recursive: true });
  });

  it("copies the environments' dependency lock file into every stack, over the one an earlier init wrote", () => {
    const lock = '# This file is maintained automatically by "terraform init".\nprovider "registry.terraform.io/hashicorp/aws" {\n  version = "6.25.0"\n}\n';
    const dir = environmentsFolder({ 'dev.yaml': example('dev'), 'eu.yml': example('prod') });
    const outdir = join(dir, 'out');
    const synth = () => runTs(join(PROJECT_ROOT, 'main.ts'), [], { ECR_CACHE_ENVIRONMENTS: dir, CDKTF_OUTDIR: outdir });
    expect(synth().status).toBe(0);
    const stackLock = (stack: string) => join(outdir, 'stacks', stack, '.terraform.lock.hcl');
    // Without a shared one, the lock file an init wrote in a stack folder stays.
    writeFileSync(stackLock('ecr-cache-dev'), 'written by an earlier init\n');
    expect(synth().status).toBe(0);
    expect(readFileSync(stackLock('ecr-cache-dev'), 'utf8')).toBe('written by an earlier init\n');
    expect(existsSync(stackLock('ecr-cache-eu'))).toBe(false);
    // With one beside the environment files, every stack gets it.
    writeFileSync(join(dir, '.terraform.lock.hcl'), lock);
    const run = synth();
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    for (const stack of ['ecr-cache-dev', 'ecr-cache-eu']) expect(readFileSync(stackLock(stack), 'utf8')).toBe(lock);
    rmSync(dir, { recursive: true });
  });

  it('warns, and still writes, when scanning covers only the cache', () => {
    const dir = environmentsFolder({ 'dev.yaml': `${example('dev')}scanning: { type: basic, scope: cache }\n` });
    const outdir = join(dir, 'out');
    const run = runTs(join(PROJECT_ROOT, 'main.ts'), [], { ECR_CACHE_ENVIRONMENTS: dir, CDKTF_OUTDIR: outdir });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(`warning: ${join(dir, 'dev.yaml')}: scanning.scope: scans only the cache prefixes: every other repository of account 111111111111 in eu-west-2 is set to manual scanning`);
    expect(existsSync(join(outdir, 'stacks', 'ecr-cache-dev', 'cdk.tf.json'))).toBe(true);
    rmSync(dir, { recursive: true });
  });

  it('writes its output folder with the modes a plain mkdir gives, like the folders inside it', () => {
    const dir = environmentsFolder({ 'dev.yaml': example('dev') });
    const outdir = join(dir, 'out');
    try {
      expect(runTs(join(PROJECT_ROOT, 'main.ts'), [], { ECR_CACHE_ENVIRONMENTS: dir, CDKTF_OUTDIR: outdir }).status).toBe(0);
      mkdirSync(join(dir, 'plain'));
      const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);
      expect(mode(outdir)).toBe(mode(join(dir, 'plain')));
      expect(mode(join(outdir, 'stacks'))).toBe(mode(join(dir, 'plain')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails at once, naming the folder and why, when the output folder cannot be made', () => {
    const started = Date.now();
    const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'bundle.cjs'), 'main'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ECR_CACHE_ENVIRONMENTS: FIXTURE_ENVIRONMENTS, CDKTF_OUTDIR: '/proc/nope/out' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.error, 'still running after 30 s').toBeUndefined();
    expect(run.stderr).toBe(
      'CDKTF_OUTDIR /proc/nope/out: cannot make the folder /proc/nope: /proc takes no new folders (ENOENT); set CDKTF_OUTDIR to a folder that can be made\n',
    );
    expect(run.status).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('fails when the folder of environments does not exist', () => {
    const dir = environmentsFolder({});
    const run = runTs(join(PROJECT_ROOT, 'main.ts'), [], { ECR_CACHE_ENVIRONMENTS: 'prod-envs', CDKTF_OUTDIR: join(dir, 'out') }, dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('prod-envs: no such folder of environment files\n');
    rmSync(dir, { recursive: true });
  });

  it('fails on prod.yaml without region, naming the file and the field, with no stack trace and no output', () => {
    const dir = environmentsFolder({ 'dev.yaml': example('dev'), 'prod.yaml': example('prod').replace(/^region:.*\n/m, '') });
    const outdir = join(dir, 'out');
    const failed = runTs(join(PROJECT_ROOT, 'main.ts'), [], { ECR_CACHE_ENVIRONMENTS: '.', CDKTF_OUTDIR: outdir }, dir);
    expect(failed.status).toBe(1);
    expect(failed.stderr.trim()).toBe('prod.yaml: region: is required: the AWS region of the cache, for example eu-west-2');
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(outdir)).toBe(false);
    rmSync(dir, { recursive: true });
  });
});

describe('every synthesis writes a complete new output or nothing', () => {
  const paths = {
    npm: (outdir: string, environments: string) => runTs(join(PROJECT_ROOT, 'main.ts'), [], { ECR_CACHE_ENVIRONMENTS: environments, CDKTF_OUTDIR: outdir }),
    hcl: (outdir: string, environments: string) =>
      runTs(join(PROJECT_ROOT, 'scripts', 'synth-hcl.ts'), ['--outdir', outdir], { ECR_CACHE_ENVIRONMENTS: environments }),
    'cdktf-cli': (outdir: string, environments: string) => {
      const run = spawnSync('npx', ['cdktf', 'synth', '--output', outdir], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, CI: '1', CHECKPOINT_DISABLE: '1', ECR_CACHE_ENVIRONMENTS: environments },
        encoding: 'utf8',
      });
      return { status: run.status, stdout: run.stdout, stderr: run.stderr };
    },
  };

  it.each(Object.entries(paths))('%s: removes the stack of a deleted environment, keeps Terraform\'s working files, drops old plans', (_, synth) => {
    const dir = environmentsFolder({ 'dev.yaml': example('dev'), 'staging.yaml': example('dev').replace('111111111111', '333333333333') });
    const outdir = join(dir, 'out');
    try {
      expect(synth(outdir, dir).status).toBe(0);
      expect(readdirSync(join(outdir, 'stacks')).sort()).toEqual(['ecr-cache-dev', 'ecr-cache-staging']);
      // What `terraform init` and `npm run plan` leave in a stack folder.
      mkdirSync(join(outdir, 'stacks', 'ecr-cache-dev', '.terraform'));
      writeFileSync(join(outdir, 'stacks', 'ecr-cache-dev', '.terraform.lock.hcl'), '# lock\n');
      writeFileSync(join(outdir, 'stacks', 'ecr-cache-dev', 'tfplan'), 'old plan');
      rmSync(join(dir, 'staging.yaml'));
      const again = synth(outdir, dir);
      expect(again.status, again.stderr).toBe(0);
      expect(readdirSync(join(outdir, 'stacks'))).toEqual(['ecr-cache-dev']);
      const kept = readdirSync(join(outdir, 'stacks', 'ecr-cache-dev'));
      expect(kept).toEqual(expect.arrayContaining(['.terraform', '.terraform.lock.hcl']));
      expect(kept).not.toContain('tfplan');
      expect(readdirSync(dir).filter((entry) => entry.includes('staging-'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(Object.entries(paths))('%s: leaves no output at all when it fails, not the previous one', (_, synth) => {
    const dir = environmentsFolder({ 'dev.yaml': example('dev') });
    const outdir = join(dir, 'out');
    try {
      expect(synth(outdir, dir).status).toBe(0);
      writeFileSync(join(dir, 'dev.yaml'), example('dev').replace(/^region:.*\n/m, ''));
      const failed = synth(outdir, dir);
      expect(failed.status).toBe(1);
      expect(failed.stderr).toContain('dev.yaml: region: is required');
      expect(existsSync(outdir)).toBe(false);
      expect(readdirSync(dir).filter((entry) => entry.includes('staging-'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the JSON Schema of environment files', () => {
  it('is committed as generated from the zod schema (npm run schema)', () => {
    expect(readFileSync(join(PROJECT_ROOT, 'schema', 'environment.schema.json'), 'utf8')).toBe(environmentJsonSchema());
  });

  it('names the fixed keys and the upstreams AWS supports', () => {
    const schema = JSON.parse(environmentJsonSchema());
    // rules, or cacheFrom for a consumer: the file checks say which.
    expect(schema.required).toEqual(['account', 'region']);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['rules', 'cacheFrom', 'consumers']));
    expect(schema.additionalProperties).toBe(false);
    const rule = schema.properties.rules.additionalProperties;
    expect(Object.keys(rule.properties)).toEqual(expect.arrayContaining(['upstream', 'registry', 'upstreamPrefix']));
    expect(rule.properties.upstream.enum).toEqual(
      expect.arrayContaining(['docker-hub', 'github-container-registry', 'k8s', 'ecr-public', 'quay', 'ecr', 'azure-container-registry']),
    );
  });
});
