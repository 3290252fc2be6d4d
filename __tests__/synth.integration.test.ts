import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { environmentJsonSchema } from '../lib/environment-json-schema';
import { PROJECT_ROOT } from '../lib/environments';
import { runTs } from './support/processes';
import { environmentsFolder } from './support/stacks';

const example = (name: string) => readFileSync(join(PROJECT_ROOT, 'environments', `${name}.yaml`), 'utf8');

describe('synthesizing the app (main.ts)', () => {
  it('writes one stack per environment of ECR_CACHE_ENVIRONMENTS', () => {
    const dir = environmentsFolder({ 'dev.yaml': example('dev'), 'eu.yml': example('prod') });
    const outdir = join(dir, 'out');
    const run = runTs(join(PROJECT_ROOT, 'main.ts'), [], { ECR_CACHE_ENVIRONMENTS: dir, CDKTF_OUTDIR: outdir });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readdirSync(join(outdir, 'stacks')).sort()).toEqual(['ecr-cache-dev', 'ecr-cache-eu']);
    rmSync(dir, { recursive: true });
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

describe('the JSON Schema of environment files', () => {
  it('is committed as generated from the zod schema (npm run schema)', () => {
    expect(readFileSync(join(PROJECT_ROOT, 'schema', 'environment.schema.json'), 'utf8')).toBe(environmentJsonSchema());
  });

  it('names the fixed keys and the upstreams AWS supports', () => {
    const schema = JSON.parse(environmentJsonSchema());
    expect(schema.required).toEqual(['account', 'region', 'rules']);
    expect(schema.additionalProperties).toBe(false);
    const rule = schema.properties.rules.additionalProperties;
    expect(Object.keys(rule.properties)).toEqual(expect.arrayContaining(['upstream', 'registry', 'upstreamPrefix']));
    expect(rule.properties.upstream.enum).toEqual(
      expect.arrayContaining(['docker-hub', 'github-container-registry', 'k8s', 'ecr-public', 'quay', 'ecr', 'azure-container-registry']),
    );
  });
});
