/**
 * `npm run fork-check`: proves the project on CDK Terrain (cdktn), the community fork of CDKTF. In a copy of the
 * checkout it makes the switch docs/versions.md gives (FORK_PACKAGES in package.json), installs, runs the unit suite, and
 * synthesizes every example folder; then it synthesizes the same folders here, with CDKTF, and compares every file:
 * the stacks may differ only in FORK_DIFFERENCES, cdktf's manifest only in its version and layout.
 * The fork needs Node.js 22.19 or later: run it with such a `node` first on PATH (.ci/run does, with Node 24).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { copyCheckout } from './checkout';
import { compatibleReleases } from '../stacks/ecr-cache-stack';
import { expectedForkValues, FORK_DIFFERENCES, FORK_NODE, FORK_PACKAGES, FORK_RESOLVED_BEFORE, forkFields, withoutForkDifferences } from './fork';
import { RECORDED_FOLDERS } from './recorded-output';
import { readTree } from './read-tree';

const FOLDERS: Record<string, string> = { ...RECORDED_FOLDERS, environments: 'environments' };

/** An environment with a write-only credential: the fork checks those against the Terraform releases a stack targets. */
const WRITE_ONLY_ENVIRONMENT = `account: "111111111111"
region: eu-west-2
rules:
  docker-hub: { upstream: docker-hub, secretValueVersion: 1 }
  quay: { upstream: quay }
`;

/** The library's version and the stacks' provider constraint in a project's node_modules. */
function versionsIn(project: string): readonly unknown[] {
  const library = (JSON.parse(readFileSync(join(project, 'node_modules', 'cdktf', 'package.json'), 'utf8')) as { version: string }).version;
  const provider = /providerVersion: '(\d+\.\d+\.\d+)'/.exec(readFileSync(join(project, 'node_modules', '@cdktf', 'provider-aws', 'lib', 'provider', 'index.js'), 'utf8'))?.[1];
  return expectedForkValues(library, compatibleReleases(provider));
}

class ForkCheckFailed extends Error {}

function step(what: string, command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  console.log(`fork-check: ${what}`);
  const run = spawnSync(command, args, { cwd, env: { ...process.env, CHECKPOINT_DISABLE: '1', CI: '1', NO_COLOR: '1', ...env }, encoding: 'utf8' });
  if (run.status !== 0) throw new ForkCheckFailed(`${what} failed (exit ${run.status}):\n${run.stdout.slice(-4000)}${run.stderr.slice(-4000)}`);
  return run.stdout;
}

/** Every file of a synthesis of each folder, by `<folder>/<path>`. */
function synthesizeAll(project: string, out: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, folder] of Object.entries(FOLDERS)) {
    const outdir = join(out, name);
    step(`synthesize ${folder} in ${project === PROJECT_ROOT ? 'this checkout (CDKTF)' : 'the copy (CDK Terrain)'}`, process.execPath, ['scripts/bundle.cjs', 'main'], project, {
      ECR_CACHE_ENVIRONMENTS: resolve(PROJECT_ROOT, folder),
      CDKTF_OUTDIR: outdir,
    });
    for (const [path, content] of readTree(outdir)) files.set(`${name}/${path}`, content);
  }
  return files;
}

/**
 * The differences the fork may not have: none but FORK_DIFFERENCES in stacks, holding exactly each side's versions;
 * the version and layout in the manifest.
 */
function unexpectedDifferences(cdktf: Map<string, string>, fork: Map<string, string>, versions: { cdktf: readonly unknown[]; fork: readonly unknown[] }): string[] {
  const problems: string[] = [];
  for (const [side, files, expected] of [['CDKTF', cdktf, versions.cdktf], ['the fork', fork, versions.fork]] as const) {
    for (const [path, content] of files) {
      if (!path.endsWith('/cdk.tf.json')) continue;
      const found = forkFields(content);
      if (JSON.stringify(found) !== JSON.stringify(expected)) problems.push(`${path}: ${side} writes ${JSON.stringify(found)}, not ${JSON.stringify(expected)}`);
    }
  }
  for (const path of new Set([...cdktf.keys(), ...fork.keys()])) {
    const [ours, theirs] = [cdktf.get(path), fork.get(path)];
    if (ours === undefined || theirs === undefined) {
      problems.push(`${path}: only ${ours === undefined ? 'the fork' : 'CDKTF'} writes it`);
      continue;
    }
    if (ours === theirs) continue;
    if (path.endsWith('/cdk.tf.json')) {
      if (JSON.stringify(withoutForkDifferences(ours)) !== JSON.stringify(withoutForkDifferences(theirs))) problems.push(`${path}: differs beyond the allowed`);
    } else if (path.endsWith('/manifest.json')) {
      const parsed = (text: string) => ({ ...(JSON.parse(text) as Record<string, unknown>), version: '(may differ)' });
      if (JSON.stringify(parsed(ours)) !== JSON.stringify(parsed(theirs))) problems.push(`${path}: differs beyond cdktf's version`);
    } else {
      problems.push(`${path}: differs`);
    }
  }
  return problems;
}

function main(): void {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  if (major < FORK_NODE.major || (major === FORK_NODE.major && minor < FORK_NODE.minor)) {
    throw new ForkCheckFailed(`CDK Terrain needs Node.js ${FORK_NODE.range}; this is ${process.version}: put Node 22 or 24 first on PATH`);
  }
  // Not in the temporary folder: the copy's tests place a provider mirror in the project, which the mirror finder must
  // take for a stable one (scripts/find-provider-mirror.sh passes over temporary folders). Removed at the end.
  const cache = join(homedir(), '.cache');
  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(cache, 'ecr-cache-fork-'));
  try {
    const copy = join(work, 'checkout');
    copyCheckout(copy);
    const packageFile = join(copy, 'package.json');
    const manifest = JSON.parse(readFileSync(packageFile, 'utf8')) as { devDependencies: Record<string, string> };
    for (const [name, version] of Object.entries(FORK_PACKAGES)) manifest.devDependencies[name] = version;
    writeFileSync(packageFile, `${JSON.stringify(manifest, null, 2)}\n`);
    // The lock file names CDKTF's packages: the fork's are resolved anew.
    rmSync(join(copy, 'package-lock.json'));
    step(`install ${Object.values(FORK_PACKAGES).join(', ')}`, 'npm', ['install', '--no-audit', '--no-fund', '--before', FORK_RESOLVED_BEFORE], copy);
    const installed = JSON.parse(readFileSync(join(copy, 'node_modules', 'cdktf', 'package.json'), 'utf8')) as { name: string; version: string };
    if (installed.name !== 'cdktn') throw new ForkCheckFailed(`node_modules/cdktf is ${installed.name}, not the fork`);
    const unit = step('run the unit suite on the fork', 'npx', ['vitest', 'run', '--project', 'unit'], copy);
    const passed = /Tests\s+(?:\S*\s)*?(\d+) passed/.exec(unit)?.[1] ?? '?';

    const writeOnly = join(work, 'write-only');
    mkdirSync(writeOnly);
    writeFileSync(join(writeOnly, 'credentials.yaml'), WRITE_ONLY_ENVIRONMENT);
    FOLDERS['write-only'] = writeOnly;
    const forkFiles = synthesizeAll(copy, join(work, 'fork-out'));
    const cdktfFiles = synthesizeAll(PROJECT_ROOT, join(work, 'cdktf-out'));
    const problems = unexpectedDifferences(cdktfFiles, forkFiles, { cdktf: versionsIn(PROJECT_ROOT), fork: versionsIn(copy) });
    if (problems.length > 0) throw new ForkCheckFailed(`the fork's output differs beyond what is allowed:\n  ${problems.join('\n  ')}`);
    const stacks = [...forkFiles.keys()].filter((path) => path.endsWith('/cdk.tf.json')).length;
    const differing = [...forkFiles.keys()].filter((path) => path.endsWith('/cdk.tf.json') && forkFiles.get(path) !== cdktfFiles.get(path)).length;
    console.log(
      `fork-check: ok on ${installed.name} ${installed.version}, Node ${process.version}: ${passed} unit tests passed; ${stacks} stacks in ` +
        `${readdirSync(join(work, 'fork-out')).length} folders, ${differing} of them differing only in ${FORK_DIFFERENCES.map((difference) => difference.path.join('.')).join(' and ')}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  if (!(error instanceof ForkCheckFailed)) throw error;
  console.error(`fork-check: ${error.message}`);
  process.exitCode = 1;
}
