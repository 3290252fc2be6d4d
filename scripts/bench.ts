/**
 * `npm run bench`: how fast and how big synthesis is, on this machine.
 * - the app (`node --require tsx/cjs main.ts`, what `npm run synth` runs) on 1, 10 and 50 generated environments:
 *   median wall time and peak memory of 5 runs, the marginal cost per environment, and the ratio against the
 *   same app with the provider's barrel import (`@cdktf/provider-aws` required before it starts);
 * - `npm run synth` against `npx cdktf synth` on the shipped environments (and that both write the same files);
 * - the unit test suite (`npm run test:unit`).
 * It prints the budgets and exits 1 when one is missed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheImageUri } from '../lib/images/cache-uri';
import { loadEnvironment, PROJECT_ROOT } from '../config/environments';
import { rewriteImages } from '../lib/images/manifest-rewrite';
import { readTree } from './read-tree';

const RUNS = 5;
const BARREL_RUNS = 3;
const SIZES = [1, 10, 50] as const;
const BUDGET = { synth50Seconds: 1.5, synth50Mb: 150, unitSeconds: 10, synthSpeedup: 3 };

const work = mkdtempSync(join(tmpdir(), 'ecr-cache-bench-'));
const probe = join(__dirname, 'bench-probe.cjs');
const tsx = require.resolve('tsx/cjs');

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

function generate(count: number): string {
  const dir = join(work, `environments-${count}`);
  mkdirSync(dir);
  for (let index = 1; index <= count; index++) writeFileSync(join(dir, `env-${String(index).padStart(3, '0')}.yaml`), environmentFile(index));
  return dir;
}

/** Runs a command once: wall time from outside, peak memory from the probe inside (node commands only). */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Sample {
  const usage = join(work, 'usage.json');
  rmSync(usage, { force: true });
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: PROJECT_ROOT, env: { ...process.env, BENCH_USAGE_FILE: usage, ...env }, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
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

function repeat(times: number, measure: () => Sample): Sample {
  measure(); // warm tsx's transform cache and the file system
  return median(Array.from({ length: times }, measure));
}

function synthApp(environments: string, barrel: boolean): Sample {
  const outdir = join(work, 'out');
  return run(process.execPath, ['--require', probe, '--require', tsx, ...(barrel ? ['--require', '@cdktf/provider-aws'] : []), 'main.ts'], {
    ECR_CACHE_ENVIRONMENTS: environments,
    CDKTF_OUTDIR: outdir,
  });
}

const seconds = (value: number) => `${value.toFixed(2)} s`;
const megabytes = (value: number) => `${value.toFixed(0)} MB`;

const REWRITE_SIZES = [1_000, 10_000] as const;

/** A stream of Deployments, two containers each, one image with a rule and one without. */
function manifests(count: number): string {
  return Array.from(
    { length: count },
    (_, index) =>
      `---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${index}\nspec:\n  template:\n    spec:\n      containers:\n` +
      `      - name: a\n        image: nginx:1.${index}\n      - name: b\n        image: mcr.microsoft.com/app-${index}:v1\n`,
  ).join('');
}

/** Documents per second of rewriteImages at each size: the median of three runs. */
function rewriteThroughput(): Map<number, number> {
  const environment = loadEnvironment('dev', join(PROJECT_ROOT, '__tests__', 'fixtures', 'environments'));
  const mapper = (reference: string) => cacheImageUri(environment, reference);
  return new Map(
    REWRITE_SIZES.map((size) => {
      const source = manifests(size);
      const rates = Array.from({ length: 3 }, () => {
        const start = performance.now();
        rewriteImages(source, mapper);
        return size / ((performance.now() - start) / 1000);
      }).sort((a, b) => a - b);
      return [size, rates[1]];
    }),
  );
}

function main(): number {
  console.log(`ecr-pull-through-cache benchmark: node ${process.version}, ${RUNS} runs each (median), ${new Date().toISOString()}\n`);
  const app = new Map<number, { lean: Sample; barrel?: Sample }>();
  console.log('environments  app wall  app memory  barrel wall  barrel memory');
  for (const size of SIZES) {
    const dir = generate(size);
    const lean = repeat(RUNS, () => synthApp(dir, false));
    // The barrel import costs seconds a run: measured at the smallest and largest size only, fewer times.
    const barrel = size === SIZES[0] || size === SIZES.at(-1) ? repeat(BARREL_RUNS, () => synthApp(dir, true)) : undefined;
    app.set(size, { lean, barrel });
    console.log(
      `${String(size).padStart(12)}  ${seconds(lean.seconds).padStart(8)}  ${megabytes(lean.mb).padStart(10)}  ` +
        `${(barrel ? seconds(barrel.seconds) : '-').padStart(11)}  ${(barrel ? megabytes(barrel.mb) : '-').padStart(13)}`,
    );
  }
  const [first, last] = [app.get(SIZES[0])!, app.get(SIZES.at(-1)!)!];
  const steps = SIZES.at(-1)! - SIZES[0];
  console.log(
    `\nmarginal cost per environment (${SIZES[0]} -> ${SIZES.at(-1)}): ${((1000 * (last.lean.seconds - first.lean.seconds)) / steps).toFixed(1)} ms, ` +
      `${((last.lean.mb - first.lean.mb) / steps).toFixed(2)} MB`,
  );
  console.log(
    `barrel import at ${SIZES.at(-1)} environments: ${(last.barrel!.seconds / last.lean.seconds).toFixed(1)}x the wall time, ` +
      `${(last.barrel!.mb / last.lean.mb).toFixed(1)}x the memory`,
  );

  const cliOut = join(work, 'cdktf-cli');
  const fastOut = join(work, 'npm-synth');
  const cli = repeat(3, () => run('npx', ['cdktf', 'synth', '--output', cliOut], { CI: '1', CHECKPOINT_DISABLE: '1' }));
  const fast = repeat(3, () => run('npm', ['run', '-s', 'synth'], { CDKTF_OUTDIR: fastOut }));
  const same = JSON.stringify([...readTree(cliOut)].sort()) === JSON.stringify([...readTree(fastOut)].sort());
  console.log(
    `\nshipped environments: npm run synth ${seconds(fast.seconds)}, npx cdktf synth ${seconds(cli.seconds)}: ` +
      `${(cli.seconds / fast.seconds).toFixed(1)}x faster, ${same ? 'the same' : 'DIFFERENT'} cdktf.out`,
  );

  const rewrite = rewriteThroughput();
  console.log(
    `\nrewrite (in process, ${REWRITE_SIZES.map((size) => `${size} documents: ${Math.round(rewrite.get(size)!)} documents/s`).join(', ')}): ` +
      `${(rewrite.get(REWRITE_SIZES[1])! / rewrite.get(REWRITE_SIZES[0])!).toFixed(2)}x the throughput at ${REWRITE_SIZES[1]} as at ${REWRITE_SIZES[0]}`,
  );

  const unit = repeat(1, () => run('npm', ['run', '-s', 'test:unit']));
  console.log(`unit test suite (npm run test:unit): ${seconds(unit.seconds)}`);

  const checks: [string, boolean][] = [
    [`${SIZES.at(-1)} environments in under ${BUDGET.synth50Seconds} s (${seconds(last.lean.seconds)})`, last.lean.seconds < BUDGET.synth50Seconds],
    [`${SIZES.at(-1)} environments in under ${BUDGET.synth50Mb} MB (${megabytes(last.lean.mb)})`, last.lean.mb < BUDGET.synth50Mb],
    [`unit test suite in under ${BUDGET.unitSeconds} s (${seconds(unit.seconds)})`, unit.seconds < BUDGET.unitSeconds],
    [`npm run synth at least ${BUDGET.synthSpeedup}x faster than npx cdktf synth (${(cli.seconds / fast.seconds).toFixed(1)}x)`, cli.seconds / fast.seconds >= BUDGET.synthSpeedup],
    ['npm run synth writes the same cdktf.out as npx cdktf synth', same],
    [
      `rewrite is linear: documents/s at ${REWRITE_SIZES[1]} at least half of that at ${REWRITE_SIZES[0]}`,
      rewrite.get(REWRITE_SIZES[1])! >= 0.5 * rewrite.get(REWRITE_SIZES[0])!,
    ],
  ];
  console.log('\nbudgets:');
  for (const [what, met] of checks) console.log(`  ${met ? 'ok  ' : 'MISS'}  ${what}`);
  return checks.every(([, met]) => met) ? 0 : 1;
}

try {
  process.exitCode = main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
