/**
 * `npm run bench`: how fast and how big synthesis is, on this machine, against the floor measured in the same run
 * (`node -e "require('cdktf')"`: no app can synthesize without loading cdktf). Each measured command runs alternately
 * with its floor (floor, command, floor, command...), and its ratio is the median of the ratios of runs made side by
 * side: a machine other processes load now and then slows a pair, not the floor of one command against another's.
 * - the app as `npm run synth` runs it (the bundle, scripts/bundle.cjs) on the shipped environments and on 1, 10 and
 *   50 generated ones: median wall time and peak memory of 5 runs, the marginal cost per environment; the same from
 *   the TypeScript sources through tsx (what ran before the bundle), and with the provider's barrel import;
 * - the CLI's `check` and `image` against `node -e 0`;
 * - `npm run synth` against `npx cdktf synth` on the shipped environments (and that both write the same files);
 * - rewrite: its throughput against the yaml library's own parse of the same text (in process, at 1000 and 10000
 *   documents), and `./bin/ecr-cache rewrite` on a 50 MB manifest: time, throughput and peak memory against the size
 *   of the file;
 * - the unit test suite;
 * - a pipeline of 10 environments: today's shape (every job installs, synthesizes, inits and plans) against one
 *   install and one synth whose cdktf.out every job then inits and plans, with a packed provider mirror standing in
 *   for the registry (`--no-pipeline` leaves it out).
 * It prints the budgets and exits 1 when one is missed.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { Zip, ZipDeflate } from 'fflate';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheImageUri } from '../lib/images/cache-uri';
import { loadEnvironment, PROJECT_ROOT } from '../config/environments';
import { Composer, Parser } from 'yaml';
import { rewriteImages } from '../lib/images/manifest-rewrite';
import { discoverProviderMirror, type OfflineWorkspace, prepareOfflineWorkspace, type ProviderMirror, terraform } from './offline-terraform';
import { copyCheckout } from './checkout';
import { readTree } from './read-tree';

const RUNS = 5;
const BARREL_RUNS = 3;
const SIZES = [1, 10, 50] as const;
const PIPELINE_ENVIRONMENTS = 10;
/** Ratios to the floor measured in the same run, and the budgets kept from before it. */
/** rewriteParse: rewrite took 1.8x the yaml library's parse before it streamed documents, 1.2x after (at 10000 documents). */
const BUDGET = { shipped: 1.5, fifty: 2.5, fiftyMemory: 2, unitSeconds: 10, synthSpeedup: 3, rewriteMemory: 5, rewriteParse: 1.6 };

const work = mkdtempSync(join(tmpdir(), 'ecr-cache-bench-'));
const probe = join(__dirname, 'bench-probe.cjs');
const tsx = require.resolve('tsx/cjs');
const bundle = join(__dirname, 'bundle.cjs');

interface Sample {
  readonly seconds: number;
  readonly mb: number;
}

/** One environment file in the shape of the shipped examples, in an account of its own. */
function environmentFile(index: number): string {
  return `account: "${String(100000000000 + index)}"
region: eu-west-2
production: ${index % 2 === 0}
rules:
  docker-hub: { upstream: docker-hub }
  github: { upstream: github-container-registry }
  k8s: { upstream: k8s }
  ecr: { upstream: ecr-public }
  quay: { upstream: quay }
`;
}

function generate(count: number, name = `environments-${count}`): string {
  const dir = join(work, name);
  mkdirSync(dir);
  for (let index = 1; index <= count; index++) writeFileSync(join(dir, `env-${String(index).padStart(3, '0')}.yaml`), environmentFile(index));
  return dir;
}

/** Runs a command once: wall time from outside, peak memory from the probe inside (node commands only). */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = PROJECT_ROOT, output: { statuses?: readonly number[]; discard?: boolean } = {}): Sample {
  const usage = join(work, 'usage.json');
  rmSync(usage, { force: true });
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, BENCH_USAGE_FILE: usage, ...env },
    encoding: 'utf8',
    // What a command prints at length (rewrite's report of a large file) is not held here.
    stdio: ['ignore', output.discard ? 'ignore' : 'pipe', 'pipe'],
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (!(output.statuses ?? [0]).includes(result.status ?? -1)) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  let mb = Number.NaN;
  try {
    mb = (JSON.parse(readFileSync(usage, 'utf8')) as { maxRssKb: number }).maxRssKb / 1024;
  } catch {
    // Not a node process of ours (npx, npm): no memory figure.
  }
  return { seconds, mb };
}

function median(samples: readonly Sample[]): Sample {
  const by = (key: keyof Sample) => [...samples].map((sample) => sample[key]).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  return { seconds: by('seconds'), mb: by('mb') };
}

/** The median of several runs after one to warm the caches (the file system's, the bundle's, V8's code cache). */
function repeat(times: number, measure: () => Sample): Sample {
  measure();
  return median(Array.from({ length: times }, measure));
}

const middle = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A command measured side by side with its floor. */
interface Paired {
  readonly floor: Sample;
  readonly app: Sample;
  /** The median of the ratios of wall time, and of peak memory, run by run. */
  readonly ratio: number;
  readonly memoryRatio: number;
}

/** The floor and the command in turn (floor, command, floor, command...), after one run of each to warm the caches. */
function alternate(times: number, floor: () => Sample, app: () => Sample, warm = true): Paired {
  if (warm) {
    floor();
    app();
  }
  const pairs = Array.from({ length: times }, () => [floor(), app()] as const);
  return {
    floor: median(pairs.map(([sample]) => sample)),
    app: median(pairs.map(([, sample]) => sample)),
    ratio: middle(pairs.map(([base, sample]) => sample.seconds / base.seconds)),
    memoryRatio: middle(pairs.map(([base, sample]) => sample.mb / base.mb)),
  };
}

type AppKind = 'bundle' | 'sources' | 'barrel';

/** The app on a folder of environments: from the bundle (npm run synth), from the sources through tsx, or with the barrel. */
function synthApp(environments: string | undefined, kind: AppKind): Sample {
  const entry =
    kind === 'sources' ? ['--require', tsx, 'main.ts'] : kind === 'barrel' ? ['--require', '@cdktf/provider-aws', bundle, 'main'] : [bundle, 'main'];
  return run(process.execPath, ['--require', probe, ...entry], {
    ...(environments ? { ECR_CACHE_ENVIRONMENTS: environments } : {}),
    CDKTF_OUTDIR: join(work, 'out'),
  });
}

const seconds = (value: number) => `${value.toFixed(2)} s`;
const megabytes = (value: number) => `${value.toFixed(0)} MB`;

const REWRITE_SIZES = [1_000, 10_000] as const;
/** The manifest `./bin/ecr-cache rewrite` is measured on, in MiB (the issue's: 76 s and 2.2 GB before streaming). */
const REWRITE_FILE_MIB = 50;

/** One Deployment of two containers, one image with a rule and one without. */
function deployment(index: number): string {
  return (
    `---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${index}\nspec:\n  template:\n    spec:\n      containers:\n` +
    `      - name: a\n        image: nginx:1.${index}\n      - name: b\n        image: mcr.microsoft.com/app-${index}:v1\n`
  );
}

/** A stream of Deployments. */
function manifests(count: number): string {
  return Array.from({ length: count }, (_, index) => deployment(index)).join('');
}

/** A manifest file of Deployments of at least `mib` MiB, written a piece at a time; its size and documents. */
function manifestFile(path: string, mib: number): { bytes: number; documents: number } {
  const out = openSync(path, 'w');
  let bytes = 0;
  let documents = 0;
  while (bytes < mib * 1024 * 1024) {
    const piece = Array.from({ length: 1000 }, (_, index) => deployment(documents + index)).join('');
    bytes += writeSync(out, piece);
    documents += 1000;
  }
  closeSync(out);
  return { bytes, documents };
}

/** The time the yaml library takes to read a stream document by document and drop each: what rewrite cannot beat. */
function parseOnly(source: string): void {
  const composer = new Composer();
  for (const token of new Parser().parse(source)) for (const document of composer.next(token)) void document;
  for (const document of composer.end()) void document;
}

interface RewriteThroughput {
  /** Documents per second of rewriteImages. */
  readonly rate: number;
  /** Its time over the yaml library's parse of the same text, run by run. */
  readonly overParse: number;
}

/** rewriteImages at each size, in process, alternately with the yaml library's parse of the same text: 5 pairs. */
function rewriteThroughput(): Map<number, RewriteThroughput> {
  const environment = loadEnvironment('dev', join(PROJECT_ROOT, '__tests__', 'fixtures', 'environments'));
  const mapper = (reference: string) => cacheImageUri(environment, reference);
  const clock = (action: () => void): Sample => {
    const start = performance.now();
    action();
    return { seconds: (performance.now() - start) / 1000, mb: Number.NaN };
  };
  return new Map(
    REWRITE_SIZES.map((size) => {
      const source = manifests(size);
      const paired = alternate(
        RUNS,
        () => clock(() => parseOnly(source)),
        () => clock(() => rewriteImages(source, mapper)),
      );
      return [size, { rate: size / paired.app.seconds, overParse: paired.ratio }];
    }),
  );
}

interface RewriteFileFigure {
  readonly bytes: number;
  readonly documents: number;
  readonly start: Sample;
  readonly rewrite: Sample;
}

/**
 * `./bin/ecr-cache rewrite --check` on a REWRITE_FILE_MIB manifest, once (a run takes about a minute), beside the same
 * command on a one-line file (the CLI's own start).
 */
function rewriteFile(): RewriteFileFigure {
  const big = join(work, 'manifest.yaml');
  const small = join(work, 'pod.yaml');
  const { bytes, documents } = manifestFile(big, REWRITE_FILE_MIB);
  writeFileSync(small, 'kind: Pod\n');
  const environments = join(PROJECT_ROOT, '__tests__', 'fixtures', 'environments');
  const rewrite = (file: string) => () =>
    run(process.execPath, ['--require', probe, join(PROJECT_ROOT, 'bin', 'ecr-cache'), 'rewrite', '--env', 'dev', '--environments', environments, '--check', file], {}, work, { statuses: [0, 1], discard: true });
  // The one-line file first, alone: a bundle to rebuild, or caches to fill, are not the big file's cost.
  rewrite(small)();
  const paired = alternate(1, rewrite(small), rewrite(big), false);
  return { bytes, documents, start: paired.floor, rewrite: paired.app };
}

const timed = async <T>(action: () => Promise<T> | T): Promise<number> => {
  const start = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - start) / 1e9;
};

interface PipelineFigure {
  readonly install: number;
  readonly synthSources: number;
  readonly synthBundle: number;
  readonly initCold: number[];
  readonly initCached: number[];
  readonly plan: number[];
}

/**
 * The work of a pipeline over PIPELINE_ENVIRONMENTS environments, job by job, measured here: an `npm ci` of a
 * checkout, a synthesis of every environment (from the sources through tsx, as the jobs ran it before; from the bundle,
 * built first as in a fresh checkout), and for each environment a `terraform init` without the plugin cache (the
 * provider unpacked from a packed mirror, as from the registry) and with it, and a `terraform plan`.
 */
async function pipelineFigure(mirror: ProviderMirror): Promise<PipelineFigure> {
  const project = join(work, 'pipeline-checkout');
  copyCheckout(project);
  const install = await timed(() => run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], {}, project));
  const environments = generate(PIPELINE_ENVIRONMENTS, 'pipeline-environments');
  const synthEnv = { ECR_CACHE_ENVIRONMENTS: environments, CHECKPOINT_DISABLE: '1' };
  const synthSources = await timed(() => run(process.execPath, ['--require', 'tsx/cjs', 'main.ts'], { ...synthEnv, CDKTF_OUTDIR: join(work, 'pipeline-tsx') }, project));
  const outdir = join(project, 'cdktf.out');
  const synthBundle = await timed(() => run(process.execPath, ['scripts/bundle.cjs', 'main'], { ...synthEnv, CDKTF_OUTDIR: outdir }, project));

  // A packed mirror (zips, as the registry serves providers): init unpacks the provider as it would a download.
  const packedMirror: ProviderMirror = { path: packMirror(mirror), awsVersion: mirror.awsVersion };
  const pluginCache = join(work, 'plugin-cache');
  mkdirSync(pluginCache);
  const cached = { TF_PLUGIN_CACHE_DIR: pluginCache, TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE: '1' };
  const mustSucceed = async (workspace: OfflineWorkspace, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const result = await terraform(workspace, args, { env });
    if (result.status !== 0) throw new Error(`terraform ${args[0]} failed:\n${result.stderr}`);
  };
  // The cache as a job restores it: filled once.
  await mustSucceed(prepareOfflineWorkspace(join(outdir, 'stacks', 'ecr-cache-env-001'), join(work, 'fill-cache'), packedMirror), ['init', '-input=false'], cached);

  const figure: PipelineFigure = { install, synthSources, synthBundle, initCold: [], initCached: [], plan: [] };
  for (let index = 1; index <= PIPELINE_ENVIRONMENTS; index++) {
    const stack = join(outdir, 'stacks', `ecr-cache-env-${String(index).padStart(3, '0')}`);
    const cold = prepareOfflineWorkspace(stack, join(work, `cold-${index}`), packedMirror);
    figure.initCold.push(await timed(() => mustSucceed(cold, ['init', '-input=false'])));
    const warm = prepareOfflineWorkspace(stack, join(work, `warm-${index}`), packedMirror);
    figure.initCached.push(await timed(() => mustSucceed(warm, ['init', '-input=false'], cached)));
    figure.plan.push(await timed(() => mustSucceed(warm, ['plan', '-input=false', '-out=tfplan'])));
    rmSync(cold.dir, { recursive: true, force: true });
    rmSync(warm.dir, { recursive: true, force: true });
  }
  return figure;
}

/**
 * The mirror's provider for linux_amd64 as a packed filesystem mirror: registry.terraform.io/hashicorp/aws/
 * terraform-provider-aws_<version>_linux_amd64.zip (Terraform's packed layout), zipped in chunks.
 */
function packMirror(mirror: ProviderMirror): string {
  const providerDir = join(mirror.path, 'registry.terraform.io', 'hashicorp', 'aws');
  const unpacked = join(providerDir, mirror.awsVersion, 'linux_amd64');
  const packed = join(work, 'packed-mirror');
  const target = join(packed, 'registry.terraform.io', 'hashicorp', 'aws');
  mkdirSync(target, { recursive: true });
  const zipFile = join(target, `terraform-provider-aws_${mirror.awsVersion}_linux_amd64.zip`);
  const existing = join(providerDir, `terraform-provider-aws_${mirror.awsVersion}_linux_amd64.zip`);
  if (existsSync(existing)) {
    cpSync(existing, zipFile);
    return packed;
  }
  const out = openSync(zipFile, 'w');
  const zip = new Zip((error, data) => {
    if (error) throw error;
    writeSync(out, data);
  });
  const buffer = Buffer.alloc(16 * 1024 * 1024);
  for (const name of readdirSync(unpacked)) {
    // Unix mode in the external attributes: the provider must stay executable once unpacked.
    const entry = new ZipDeflate(name, { level: 1 });
    entry.os = 3;
    entry.attrs = (0o100755 << 16) >>> 0;
    zip.add(entry);
    const input = openSync(join(unpacked, name), 'r');
    let read: number;
    do {
      read = readSync(input, buffer, 0, buffer.length, null);
      entry.push(buffer.subarray(0, read), read === 0);
    } while (read > 0);
    closeSync(input);
  }
  zip.end();
  closeSync(out);
  return packed;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

async function printPipeline(): Promise<number> {
  const mirror = discoverProviderMirror();
  if (typeof mirror === 'string') {
    console.log(`\npipeline figure left out: ${mirror}`);
    return 0;
  }
  const figure = await pipelineFigure(mirror);
  const n = PIPELINE_ENVIRONMENTS;
  const today = n * (figure.install + figure.synthSources) + sum(figure.initCold) + sum(figure.plan);
  const shaped = figure.install + figure.synthBundle + sum(figure.initCached) + sum(figure.plan);
  console.log(
    `\npipeline of ${n} environments, the work of its jobs summed (measured: npm ci ${seconds(figure.install)}; synth of all ` +
      `from the sources ${seconds(figure.synthSources)}, from the bundle built fresh ${seconds(figure.synthBundle)}; per environment, init ` +
      `${seconds(sum(figure.initCold) / n)} without the plugin cache and ${seconds(sum(figure.initCached) / n)} with it, plan ${seconds(sum(figure.plan) / n)}):`,
  );
  console.log(`  today's shape, every job installs, synthesizes, inits and plans:     ${seconds(today).padStart(8)}`);
  console.log(`  one install and one synth, then init (plugin cache) and plan per job: ${seconds(shaped).padStart(8)}`);
  console.log(`  ${(today / shaped).toFixed(1)}x less work`);
  return 0;
}

/** Rewrite's figures, printed; the budgets they are held to. */
function printRewrite(): [string, boolean][] {
  const throughput = rewriteThroughput();
  const [small, large] = REWRITE_SIZES.map((size) => throughput.get(size)!);
  console.log(
    `\nrewrite in process (${RUNS} runs each, alternately with the yaml library's own parse of the same text): ` +
      `${REWRITE_SIZES.map((size) => `${size} documents ${Math.round(throughput.get(size)!.rate)} documents/s (${throughput.get(size)!.overParse.toFixed(2)}x the parse's time)`).join(', ')}; ` +
      `${(large.rate / small.rate).toFixed(2)}x the throughput at ${REWRITE_SIZES[1]} as at ${REWRITE_SIZES[0]}`,
  );
  const file = rewriteFile();
  const inputMb = file.bytes / (1024 * 1024);
  const memoryOverInput = file.rewrite.mb / inputMb;
  console.log(
    `./bin/ecr-cache rewrite --check of a ${inputMb.toFixed(0)} MB manifest (${file.documents} Deployments, 2 images each): ${seconds(file.rewrite.seconds)}, ` +
      `${(inputMb / file.rewrite.seconds).toFixed(2)} MB/s, ${Math.round(file.documents / file.rewrite.seconds)} documents/s; peak memory ${megabytes(file.rewrite.mb)}, ` +
      `${memoryOverInput.toFixed(2)}x the file (on a one-line file: ${megabytes(file.start.mb)}, ${seconds(file.start.seconds)})`,
  );
  return [
    [`rewrite is linear: documents/s at ${REWRITE_SIZES[1]} at least half of that at ${REWRITE_SIZES[0]}`, large.rate >= 0.5 * small.rate],
    [`rewrite within ${BUDGET.rewriteParse}x the time of the yaml library's parse (${large.overParse.toFixed(2)}x at ${REWRITE_SIZES[1]} documents)`, large.overParse <= BUDGET.rewriteParse],
    [`rewrite of a ${inputMb.toFixed(0)} MB manifest within ${BUDGET.rewriteMemory}x its size in memory (${memoryOverInput.toFixed(2)}x)`, memoryOverInput <= BUDGET.rewriteMemory],
  ];
}

function printBudgets(checks: readonly [string, boolean][]): number {
  console.log('\nbudgets:');
  for (const [what, met] of checks) console.log(`  ${met ? 'ok  ' : 'MISS'}  ${what}`);
  return checks.every(([, met]) => met) ? 0 : 1;
}

async function main(): Promise<number> {
  const withPipeline = !process.argv.includes('--no-pipeline');
  console.log(`ecr-pull-through-cache benchmark: node ${process.version}, ${RUNS} runs each (median), ${new Date().toISOString()}\n`);
  if (process.argv.includes('--pipeline-only')) return printPipeline();
  if (process.argv.includes('--rewrite-only')) return printBudgets(printRewrite());

  const floor = () => run(process.execPath, ['--require', probe, '-e', "require('cdktf')"]);
  const nodeStart = () => run(process.execPath, ['-e', '0']);
  const shipped = { bundle: alternate(RUNS, floor, () => synthApp(undefined, 'bundle')), sources: alternate(RUNS, floor, () => synthApp(undefined, 'sources')) };
  const floorFigure = shipped.bundle.floor;
  console.log(
    `floor: node -e "require('cdktf')" ${seconds(floorFigure.seconds)}, ${megabytes(floorFigure.mb)} (the median of the runs beside the shipped environments'; ` +
      'each ratio below is to the floor runs beside its own)\n',
  );

  type Row = { bundle: Paired; sources?: Paired; barrel?: Paired };
  const app = new Map<number, Row>();
  console.log('environments   bundle wall (x floor)   memory   sources (tsx) wall   barrel wall   barrel memory');
  const row = (label: string, sample: Row) =>
    console.log(
      `${label.padStart(12)}   ${`${seconds(sample.bundle.app.seconds)} (${sample.bundle.ratio.toFixed(2)}x)`.padStart(19)}   ${megabytes(sample.bundle.app.mb).padStart(6)}   ` +
        `${(sample.sources ? seconds(sample.sources.app.seconds) : '-').padStart(18)}   ${(sample.barrel ? seconds(sample.barrel.app.seconds) : '-').padStart(11)}   ` +
        `${(sample.barrel ? megabytes(sample.barrel.app.mb) : '-').padStart(13)}`,
    );
  row('shipped', shipped);
  for (const size of SIZES) {
    const dir = generate(size);
    const bundled = alternate(RUNS, floor, () => synthApp(dir, 'bundle'));
    // The sources through tsx and the barrel import cost seconds a run: at the largest size only, fewer times.
    const last = size === SIZES.at(-1);
    const sample: Row = {
      bundle: bundled,
      ...(last ? { sources: alternate(BARREL_RUNS, floor, () => synthApp(dir, 'sources')), barrel: alternate(BARREL_RUNS, floor, () => synthApp(dir, 'barrel')) } : {}),
    };
    app.set(size, sample);
    row(String(size), sample);
  }
  const [first, last] = [app.get(SIZES[0])!, app.get(SIZES.at(-1)!)!];
  const steps = SIZES.at(-1)! - SIZES[0];
  console.log(
    `\nmarginal cost per environment (${SIZES[0]} -> ${SIZES.at(-1)}): ${((1000 * (last.bundle.app.seconds - first.bundle.app.seconds)) / steps).toFixed(1)} ms, ` +
      `${((last.bundle.app.mb - first.bundle.app.mb) / steps).toFixed(2)} MB`,
  );
  console.log(
    `at ${SIZES.at(-1)} environments the bundle takes ${(last.bundle.app.seconds / last.sources!.app.seconds).toFixed(2)}x the time of the sources through tsx; ` +
      `the barrel import ${(last.barrel!.app.seconds / last.bundle.app.seconds).toFixed(1)}x the time and ${(last.barrel!.app.mb / last.bundle.app.mb).toFixed(1)}x the memory`,
  );

  const cli = (args: string[]) => alternate(RUNS, nodeStart, () => run(process.execPath, [join(PROJECT_ROOT, 'bin', 'ecr-cache'), ...args]));
  const check = cli(['check']);
  const image = cli(['image', '--env', 'dev', 'nginx']);
  console.log(
    `\nCLI: check ${seconds(check.app.seconds)} (${check.ratio.toFixed(1)}x node -e 0), ` + `image ${seconds(image.app.seconds)} (${image.ratio.toFixed(1)}x node -e 0)`,
  );

  const cliOut = join(work, 'cdktf-cli');
  const fastOut = join(work, 'npm-synth');
  const cdktfCli = repeat(3, () => run('npx', ['cdktf', 'synth', '--output', cliOut], { CI: '1', CHECKPOINT_DISABLE: '1' }));
  const fast = repeat(3, () => run('npm', ['run', '-s', 'synth'], { CDKTF_OUTDIR: fastOut }));
  const same = JSON.stringify([...readTree(cliOut)].sort()) === JSON.stringify([...readTree(fastOut)].sort());
  console.log(
    `shipped environments: npm run synth ${seconds(fast.seconds)}, npx cdktf synth ${seconds(cdktfCli.seconds)}: ` +
      `${(cdktfCli.seconds / fast.seconds).toFixed(1)}x faster, ${same ? 'the same' : 'DIFFERENT'} cdktf.out`,
  );

  const rewriteChecks = printRewrite();

  const unit = repeat(1, () => run('npm', ['run', '-s', 'test:unit']));
  console.log(`unit test suite (npm run test:unit): ${seconds(unit.seconds)}`);

  if (withPipeline) await printPipeline();

  return printBudgets([
    [`shipped environments within ${BUDGET.shipped}x the floor (${shipped.bundle.ratio.toFixed(2)}x)`, shipped.bundle.ratio <= BUDGET.shipped],
    [`${SIZES.at(-1)} environments within ${BUDGET.fifty}x the floor (${last.bundle.ratio.toFixed(2)}x)`, last.bundle.ratio <= BUDGET.fifty],
    [`${SIZES.at(-1)} environments' memory within ${BUDGET.fiftyMemory}x the floor's (${last.bundle.memoryRatio.toFixed(2)}x)`, last.bundle.memoryRatio <= BUDGET.fiftyMemory],
    [`unit test suite in under ${BUDGET.unitSeconds} s (${seconds(unit.seconds)})`, unit.seconds < BUDGET.unitSeconds],
    [`npm run synth at least ${BUDGET.synthSpeedup}x faster than npx cdktf synth (${(cdktfCli.seconds / fast.seconds).toFixed(1)}x)`, cdktfCli.seconds / fast.seconds >= BUDGET.synthSpeedup],
    ['npm run synth writes the same cdktf.out as npx cdktf synth', same],
    ...rewriteChecks,
  ]);
}

main()
  .then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  )
  .finally(() => rmSync(work, { recursive: true, force: true }));
