/**
 * The construct library as another CDKTF app gets it: `npm pack` of this project, installed (from the npm cache
 * `npm ci` filled, offline) into a new app laid out as `cdktf init --template=typescript` makes it (CommonJS, built
 * with tsc), which builds a stack only through the package's public entry, with tokens from other resources.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';

const work = mkdtempSync(join(tmpdir(), 'ecr-cache-package-'));
const app = join(work, 'app');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const project = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
const pinned = (name: string) => project.devDependencies[name];

/** tsconfig.json as `cdktf init --template=typescript` writes it. */
const CDKTF_INIT_TSCONFIG = {
  compilerOptions: {
    alwaysStrict: true,
    declaration: true,
    experimentalDecorators: true,
    inlineSourceMap: true,
    inlineSources: true,
    lib: ['es2018'],
    module: 'CommonJS',
    noEmitOnError: true,
    noFallthroughCasesInSwitch: true,
    noImplicitAny: true,
    noImplicitReturns: true,
    noImplicitThis: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    resolveJsonModule: true,
    strict: true,
    strictNullChecks: true,
    strictPropertyInitialization: true,
    stripInternal: true,
    target: 'ES2018',
    incremental: true,
    skipLibCheck: true,
  },
  include: ['**/*.ts'],
  exclude: ['node_modules', 'cdktf.out'],
};

/** The app: a stack of its own resources, and a cache that takes their attributes. */
const MAIN_TS = `import { Construct } from 'constructs';
import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { PullThroughCache, acknowledge, PolicyChecks, UPSTREAMS } from 'ecr-pull-through-cache';

class Platform extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: 'eu-west-2' });
    const key = new KmsKey(this, 'cache-key', { description: 'cache repositories' });
    const hubSecret = new SecretsmanagerSecret(this, 'hub-secret', { name: 'ecr-pullthroughcache/hub' });
    acknowledge(hubSecret, 'PTC-SM3', 'ECR reads pull-through cache secrets only under the default key');
    const nodes = new IamRole(this, 'nodes', { name: 'platform-nodes', assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [] }) });

    const cache = new PullThroughCache(this, 'cache', { account: '123456789012', region: 'eu-west-2', repositories: { kmsKey: key.arn } });
    cache.addRule('hub', { upstream: 'docker-hub', secretArn: hubSecret.arn });
    cache.addRule('k8s', { upstream: 'k8s', repositories: { keepImages: 5 } });
    cache.grantPull(nodes);
    PolicyChecks.applyTo(this);
    console.log(cache.cacheImageUri('nginx:1.27'), Object.keys(UPSTREAMS).length);
  }
}

const app = new App();
new Platform(app, 'platform');
app.synth();
`;

interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly [key: string]: unknown;
}

/**
 * A lock file for the app, taken from this project's: the packages `npm ci` installed here, so that the app installs
 * offline from the tarballs npm ci put in the cache (resolving versions anew would need the registry's metadata).
 */
function lockFileFor(manifest: { dependencies: Record<string, string>; devDependencies: Record<string, string> }, tarball: string) {
  const ours = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const library = ours[''];
  const packages: Record<string, LockEntry> = {};
  /** The lock path that serves `name` for the package at `from`: its own node_modules, then each folder above. */
  const locate = (from: string, name: string): string | undefined => {
    for (let base = from; ; base = base.slice(0, Math.max(0, base.lastIndexOf('/node_modules/')))) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (ours[candidate]) return candidate;
      if (!base) return undefined;
    }
  };
  const add = (from: string, name: string) => {
    const path = locate(from, name);
    if (!path || packages[path]) return;
    packages[path] = ours[path]!;
    for (const dependency of Object.keys({ ...ours[path].dependencies, ...ours[path].optionalDependencies })) add(path, dependency);
  };
  for (const name of [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)].filter((name) => name !== 'ecr-pull-through-cache')) {
    add('', name);
  }
  for (const name of Object.keys((library.dependencies) ?? {})) add('', name);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(join(work, tarball))).digest('base64')}`;
  packages['node_modules/ecr-pull-through-cache'] = {
    version: String(library.version),
    resolved: `file:../${tarball}`,
    integrity,
    dependencies: library.dependencies,
    peerDependencies: library.peerDependencies,
  };
  return { name: 'platform', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'platform', version: '1.0.0', ...manifest }, ...packages } };
}

function run(command: string, args: readonly string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', npm_config_audit: 'false', npm_config_fund: 'false' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe('the construct library, installed in a new CDKTF app', () => {
  let synthesized: { resource: Record<string, Record<string, Record<string, unknown>>> };
  let printed: string;

  beforeAll(() => {
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], PROJECT_ROOT).trim().split('\n').at(-1)!;
    mkdirSync(app);
    const manifest = {
      dependencies: {
        cdktf: pinned('cdktf'),
        constructs: pinned('constructs'),
        '@cdktf/provider-aws': pinned('@cdktf/provider-aws'),
        'ecr-pull-through-cache': `file:../${tarball}`,
      },
      devDependencies: { typescript: pinned('typescript'), '@types/node': pinned('@types/node') },
    };
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'platform', version: '1.0.0', main: 'main.js', scripts: { build: 'tsc' }, ...manifest }));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lockFileFor(manifest, tarball), null, 2));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(CDKTF_INIT_TSCONFIG, null, 2));
    writeFileSync(join(app, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: 'node main.js', terraformProviders: [], terraformModules: [] }));
    writeFileSync(join(app, 'main.ts'), MAIN_TS);
    run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
    run('npx', ['tsc'], app);
    printed = run('node', ['main.js'], app);
    synthesized = JSON.parse(readFileSync(join(app, 'cdktf.out', 'stacks', 'platform', 'cdk.tf.json'), 'utf8'));
  }, 300_000);

  it('ships only the compiled library', () => {
    const files = readdirSync(join(app, 'node_modules', 'ecr-pull-through-cache'), { recursive: true }).map(String);
    expect(files).toContain(join('dist', 'index.js'));
    expect(files).toContain(join('dist', 'index.d.ts'));
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(files.some((file) => file.startsWith('config') || file.startsWith('cli') || file.startsWith('stacks'))).toBe(false);
  });

  it('builds the cache from the attributes of other resources', () => {
    const rules = synthesized.resource.aws_ecr_pull_through_cache_rule;
    expect(rules.hub).toMatchObject({ ecr_repository_prefix: 'hub', credential_arn: '${aws_secretsmanager_secret.hub-secret.arn}' });
    const templates = synthesized.resource.aws_ecr_repository_creation_template;
    for (const prefix of ['hub', 'k8s']) {
      expect(templates[prefix]).toMatchObject({
        encryption_configuration: [{ encryption_type: 'KMS', kms_key: '${aws_kms_key.cache-key.arn}' }],
        custom_role_arn: '${aws_iam_role.repository_template.arn}',
      });
    }
    expect(JSON.parse(templates.k8s.lifecycle_policy as string).rules[1].selection.countNumber).toBe(5);
    const templateRole = synthesized.resource.aws_iam_role_policy.repository_template;
    expect(JSON.parse(templateRole.policy as string).Statement[1].Resource).toEqual(['${aws_kms_key.cache-key.arn}']);
    expect(synthesized.resource.aws_iam_role_policy_attachment.nodes_cache_pull).toEqual(
      expect.objectContaining({ role: '${aws_iam_role.nodes.name}', policy_arn: '${aws_iam_policy.node_pull.arn}' }),
    );
  });

  it('maps images, exports the catalogue, and applies the policy checks with their acknowledgements', () => {
    expect(printed).toBe('123456789012.dkr.ecr.eu-west-2.amazonaws.com/hub/library/nginx:1.27 9\n');
    const secret = synthesized.resource.aws_secretsmanager_secret['hub-secret'];
    expect((secret['//'] as { acknowledged_findings: Record<string, string> }).acknowledged_findings['PTC-SM3']).toMatch(/default key$/);
  });
});
