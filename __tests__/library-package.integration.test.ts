/**
 * The construct library as another CDKTF app gets it: `npm pack` of this project, installed (from the npm cache
 * `npm ci` filled, offline) into two new apps: one laid out as `cdktf init --template=typescript` makes it (CommonJS,
 * built with tsc, which reads the package's `types`), and one ECMAScript-module app (`"type": "module"`, tsc with
 * `nodenext`, which reads the package's `exports`). Each builds a stack only through the package's public entry, with
 * tokens from other resources, and the account and region of its stack.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';

const work = mkdtempSync(join(tmpdir(), 'ecr-cache-package-'));
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

/**
 * tsconfig.json of an ECMAScript-module app: Node's own module resolution, which takes a package's `exports` (its
 * `types` and `import` conditions) and asks for the file of a deep import (`lib/provider/index.js`).
 */
const ESM_TSCONFIG = {
  compilerOptions: { strict: true, target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: true, noUnusedLocals: true },
  include: ['**/*.ts'],
  exclude: ['node_modules', 'cdktf.out'],
};

/**
 * The app: a stack of its own resources, and a cache that takes their attributes, and its account and region from
 * the stack's provider. Its credential secret needs no acknowledgement: the policy checks know a rule's secret.
 * `deep` is how a module reaches a file of the provider bindings (which have no `exports` map).
 */
const mainTs = (deep: (path: string) => string) => `import { Construct } from 'constructs';
import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '${deep('@cdktf/provider-aws/lib/provider')}';
import { IamRole } from '${deep('@cdktf/provider-aws/lib/iam-role')}';
import { KmsKey } from '${deep('@cdktf/provider-aws/lib/kms-key')}';
import { SecretsmanagerSecret } from '${deep('@cdktf/provider-aws/lib/secretsmanager-secret')}';
import { PullThroughCache, PolicyChecks, UPSTREAMS } from 'ecr-pull-through-cache';

class Platform extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: 'eu-west-2', allowedAccountIds: ['123456789012'] });
    const key = new KmsKey(this, 'cache-key', { description: 'cache repositories' });
    const hubSecret = new SecretsmanagerSecret(this, 'hub-secret', { name: 'ecr-pullthroughcache/hub' });
    const nodes = new IamRole(this, 'nodes', { name: 'platform-nodes', assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [] }) });

    const cache = new PullThroughCache(this, 'cache', { repositories: { kmsKey: key.arn } });
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
function lockFileFor(manifest: { dependencies: Record<string, string>; devDependencies: Record<string, string> }, tarball: string, name: string) {
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
  return { name, version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name, version: '1.0.0', ...manifest }, ...packages } };
}

function run(command: string, args: readonly string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', npm_config_audit: 'false', npm_config_fund: 'false' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

interface Synthesized {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
}

/** What one app did: its installed files, what it printed, and the stack it synthesized. */
interface InstalledApp {
  readonly dir: string;
  readonly printed: string;
  readonly synthesized: Synthesized;
}

/** Makes an app in `work/<name>`, installs the tarball and its dependencies offline, builds it and synthesizes. */
function installApp(tarball: string, name: string, layout: { readonly type?: 'module'; readonly tsconfig: object; readonly main: string }): InstalledApp {
  const dir = join(work, name);
  mkdirSync(dir);
  const manifest = {
    dependencies: {
      cdktf: pinned('cdktf'),
      constructs: pinned('constructs'),
      '@cdktf/provider-aws': pinned('@cdktf/provider-aws'),
      'ecr-pull-through-cache': `file:../${tarball}`,
    },
    devDependencies: { typescript: pinned('typescript'), '@types/node': pinned('@types/node') },
  };
  const type = layout.type ? { type: layout.type } : {};
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...type, main: 'main.js', scripts: { build: 'tsc' }, ...manifest }));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lockFileFor(manifest, tarball, name), null, 2));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(layout.tsconfig, null, 2));
  writeFileSync(join(dir, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: 'node main.js', terraformProviders: [], terraformModules: [] }));
  writeFileSync(join(dir, 'main.ts'), layout.main);
  run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], dir);
  run('npx', ['tsc'], dir);
  const printed = run('node', ['main.js'], dir);
  const synthesized = JSON.parse(readFileSync(join(dir, 'cdktf.out', 'stacks', 'platform', 'cdk.tf.json'), 'utf8')) as Synthesized;
  return { dir, printed, synthesized };
}

const apps = new Map<string, InstalledApp>();

beforeAll(() => {
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], PROJECT_ROOT).trim().split('\n').at(-1)!;
  apps.set('CommonJS', installApp(tarball, 'commonjs', { tsconfig: CDKTF_INIT_TSCONFIG, main: mainTs((path) => path) }));
  apps.set('ESM', installApp(tarball, 'esm', { type: 'module', tsconfig: ESM_TSCONFIG, main: mainTs((path) => `${path}/index.js`) }));
}, 600_000);

describe('the package', () => {
  it('ships only the compiled library, with its changelog, and one entry for import and require', () => {
    const installed = join(apps.get('CommonJS')!.dir, 'node_modules', 'ecr-pull-through-cache');
    const files = readdirSync(installed, { recursive: true }).map(String);
    expect(files).toContain(join('dist', 'index.js'));
    expect(files).toContain(join('dist', 'index.d.ts'));
    expect(files).toContain('CHANGELOG.md');
    // The README's links into docs/ resolve in the package too.
    expect(files).toContain(join('docs', 'construct-library.md'));
    expect(files).toContain(join('docs', 'api', 'README.md'));
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(files.some((file) => file.startsWith('config') || file.startsWith('cli') || file.startsWith('stacks'))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.exports).toEqual({ '.': { types: './dist/index.d.ts', import: './dist/index.js', require: './dist/index.js' } });
  });
});

describe.each(['CommonJS', 'ESM'])('the construct library, installed in a new %s CDKTF app', (kind) => {
  const app = () => apps.get(kind)!;

  it('builds the cache from the attributes of other resources, in the account and region of its stack', () => {
    const { synthesized } = app();
    const rules = synthesized.resource.aws_ecr_pull_through_cache_rule;
    expect(rules.hub).toMatchObject({ ecr_repository_prefix: 'hub', upstream_registry_url: 'registry-1.docker.io', credential_arn: '${aws_secretsmanager_secret.hub-secret.arn}' });
    expect(rules.k8s).toMatchObject({ ecr_repository_prefix: 'k8s', upstream_registry_url: 'registry.k8s.io' });
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
    expect(JSON.parse(synthesized.resource.aws_iam_policy.node_pull.policy as string).Statement[1].Resource).toEqual([
      'arn:aws:ecr:eu-west-2:123456789012:repository/hub/*',
      'arn:aws:ecr:eu-west-2:123456789012:repository/k8s/*',
    ]);
  });

  it("maps images, exports the catalogue, and applies the policy checks, which know the rule's secret", () => {
    const { printed, synthesized } = app();
    expect(printed).toBe('123456789012.dkr.ecr.eu-west-2.amazonaws.com/hub/library/nginx:1.27 9\n');
    const secret = synthesized.resource.aws_secretsmanager_secret['hub-secret'];
    expect((secret['//'] as { acknowledged_findings: Record<string, string> }).acknowledged_findings['PTC-SM3']).toMatch(
      /: ECR pull-through cache can only read secrets under the default aws\/secretsmanager key$/,
    );
  });
});

describe("the docs' TypeScript examples", () => {
  /** What an example takes as given from the app around it, declared by type only: the example is compiled, not run. */
  const GIVEN: Record<string, [string, string]> = {
    stack: ["import { TerraformStack } from 'cdktf';", 'TerraformStack'],
    key: ["import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';", 'KmsKey'],
    secret: ["import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';", 'SecretsmanagerSecret'],
  };
  const examples = readdirSync(join(PROJECT_ROOT, 'docs'))
    .filter((page) => page.endsWith('.md'))
    .flatMap((page) => [...readFileSync(join(PROJECT_ROOT, 'docs', page), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match, index) => [`${page} #${index + 1}`, match[1]] as const));

  it('are there to compile', () => {
    expect(examples.map(([name]) => name)).toEqual(expect.arrayContaining(['construct-library.md #1', 'security.md #1']));
  });

  it.each(examples)('%s compiles against the installed package, as written', (name, code) => {
    const dir = join(apps.get('CommonJS')!.dir, 'docs-examples', name.replace(/\W+/g, '-'));
    mkdirSync(dir, { recursive: true });
    const given = Object.entries(GIVEN).filter(([variable]) => new RegExp(`\\b${variable}\\b`).test(code));
    const prelude = given.map(([variable, [importLine, type]]) => `${importLine}\ndeclare const ${variable}: ${type};`).join('\n');
    writeFileSync(join(dir, 'example.ts'), `${prelude}\n${code}`);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...CDKTF_INIT_TSCONFIG, compilerOptions: { ...CDKTF_INIT_TSCONFIG.compilerOptions, noEmit: true, incremental: false, noUnusedLocals: false } }));
    const result = spawnSync('npx', ['tsc', '-p', dir], { cwd: apps.get('CommonJS')!.dir, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
