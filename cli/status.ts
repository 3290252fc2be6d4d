import { type ECRClient, paginateDescribeImages, paginateDescribeRepositories } from '@aws-sdk/client-ecr';
import { cacheOf } from '../config/environment';
import { environmentsDirectory, loadEnvironment } from '../config/environments';
import { upstreamRegistryUrl } from '../lib/aws/upstreams';
import type { RuleSettings } from '../lib/checks/rule';
import { describeFatal, ecrClientForManyCalls, ecrEndpoint } from './aws-endpoint';
import { servingRule } from '../lib/images/cache-uri';
import { CliError } from './cli-error';
import { byteSize } from './format';
import { printTable } from './table';

export interface StatusOptions {
  readonly env: string;
  readonly environments?: string;
  readonly json?: boolean;
  /** Repositories not pulled in this many days are listed. @default 30 */
  readonly unpulledDays?: string;
  /** USD per GB-month of storage. @default ECR's published price, DEFAULT_PRICE_PER_GB_MONTH */
  readonly pricePerGb?: string;
  readonly endpoint?: string;
}

/** Where the command writes: the report, and a progress line on a terminal. */
export interface StatusIo {
  readonly out: (line: string) => void;
  /** Progress goes here only when it is a terminal, so a pipe or a file gets the report alone. */
  readonly progress: { readonly isTTY?: boolean; write(text: string): unknown };
  readonly now: () => Date;
}

/**
 * ECR's published price of private repository storage, USD per GB-month (Amazon ECR pricing page: "$0.10 per GB-month
 * for data stored in private or public repositories", the US East (N. Virginia) rate). AWS may charge another in other
 * regions: --price-per-gb gives the region's.
 */
export const DEFAULT_PRICE_PER_GB_MONTH = 0.1;
export const DEFAULT_UNPULLED_DAYS = 30;
/** DescribeRepositories and DescribeImages take at most 1000 results a page (ECR API reference). */
const PAGE_SIZE = 1000;
/** DescribeImages calls under way at once: enough to read a large registry quickly, few enough not to be throttled all the time. */
const CONCURRENCY = 8;
const GIB = 1024 ** 3;
const DAY_MS = 86_400_000;

export interface RepositoryStatus {
  readonly name: string;
  readonly images: number;
  readonly sizeBytes: number;
  readonly lastPush?: string;
  /** When ECR last recorded a pull of one of its images; none when none was ever pulled. */
  readonly lastPull?: string;
}

export interface RuleStatus {
  readonly prefix: string;
  readonly upstream: string;
  readonly repositories: number;
  readonly images: number;
  readonly sizeBytes: number;
  readonly lastPush?: string;
  readonly lastPull?: string;
  readonly costPerMonth: number;
  /** The repositories no one pulled in `unpulledDays` (a repository never pulled counts from its last push). */
  readonly unpulled: readonly RepositoryStatus[];
}

export interface StatusReport {
  readonly environment: string;
  /** The environment whose registry holds the cache: itself, or a consumer's hub. */
  readonly cache: string;
  readonly account: string;
  readonly region: string;
  readonly unpulledDays: number;
  readonly pricePerGbMonth: number;
  readonly rules: readonly RuleStatus[];
  readonly total: { readonly repositories: number; readonly images: number; readonly sizeBytes: number; readonly costPerMonth: number };
}

const defaultIo: StatusIo = { out: (line) => console.log(line), progress: process.stderr, now: () => new Date() };

function wholeNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number < 1) throw new CliError(`${flag} "${value}" must be a whole number of days from 1`);
  return number;
}

function price(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PRICE_PER_GB_MONTH;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) throw new CliError(`--price-per-gb "${value}" must be a price in USD per GB-month, for example 0.10`);
  return number;
}

/** Runs `work` on every item, at most `limit` at once; the first failure stops the rest. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const latest = (a: Date | undefined, b: Date | undefined) => (a === undefined ? b : b === undefined ? a : a > b ? a : b);
const day = (date: string | undefined) => date?.slice(0, 10) ?? '-';

/** Reads what a cache's registry holds, rule by rule. */
async function readCache(client: ECRClient, account: string, rules: readonly RuleSettings[], report: (text: string) => void): Promise<Map<string, RepositoryStatus[]>> {
  const names: { name: string; rule: RuleSettings }[] = [];
  let listed = 0;
  for await (const page of paginateDescribeRepositories({ client, pageSize: PAGE_SIZE }, { registryId: account })) {
    for (const repository of page.repositories ?? []) {
      listed += 1;
      const rule = servingRule({ rules }, repository.repositoryName!);
      if (rule) names.push({ name: repository.repositoryName!, rule });
    }
    report(`listing repositories: ${listed}`);
  }
  const byRule = new Map<string, RepositoryStatus[]>(rules.map((rule) => [rule.prefix, []]));
  let read = 0;
  await eachLimited(names, CONCURRENCY, async ({ name, rule }) => {
    let images = 0;
    let sizeBytes = 0;
    let lastPush: Date | undefined;
    let lastPull: Date | undefined;
    for await (const page of paginateDescribeImages({ client, pageSize: PAGE_SIZE }, { registryId: account, repositoryName: name })) {
      for (const image of page.imageDetails ?? []) {
        images += 1;
        sizeBytes += image.imageSizeInBytes ?? 0;
        lastPush = latest(lastPush, image.imagePushedAt);
        lastPull = latest(lastPull, image.lastRecordedPullTime);
      }
    }
    byRule.get(rule.prefix)!.push({ name, images, sizeBytes, ...(lastPush ? { lastPush: lastPush.toISOString() } : {}), ...(lastPull ? { lastPull: lastPull.toISOString() } : {}) });
    read += 1;
    if (read % 25 === 0 || read === names.length) report(`reading images: ${read} of ${names.length} repositories`);
  });
  return byRule;
}

/**
 * What an environment's cache holds, rule by rule: its cache repositories, their images, size, last push and last pull
 * (DescribeRepositories, DescribeImages), those no one pulled in `--unpulled-days`, and the storage cost per month. A
 * consumer reads its hub's registry. A table, or JSON with `--json`.
 */
export async function status(options: StatusOptions, io: StatusIo = defaultIo): Promise<number> {
  const environment = loadEnvironment(options.env, environmentsDirectory(options.environments));
  const unpulledDays = wholeNumber('--unpulled-days', options.unpulledDays, DEFAULT_UNPULLED_DAYS);
  const pricePerGbMonth = price(options.pricePerGb);
  const cache = cacheOf(environment);
  const endpoint = ecrEndpoint(options.endpoint);
  const client = ecrClientForManyCalls(cache.region, endpoint);
  const terminal = io.progress.isTTY === true;
  let shown = false;
  const report = (text: string) => {
    if (!terminal) return;
    io.progress.write(`\r\x1b[2K${text}`);
    shown = true;
  };
  let byRule: Map<string, RepositoryStatus[]>;
  try {
    byRule = await readCache(client, cache.account, cache.rules, report);
  } catch (error) {
    throw new CliError(describeFatal(error, 'ECR', cache.region, endpoint));
  } finally {
    client.destroy();
    if (shown) io.progress.write('\r\x1b[2K');
  }

  const cutoff = io.now().getTime() - unpulledDays * DAY_MS;
  const cost = (bytes: number) => Math.round((bytes / GIB) * pricePerGbMonth * 100) / 100;
  const rules: RuleStatus[] = cache.rules.map((rule) => {
    const repositories = [...byRule.get(rule.prefix)!].sort((a, b) => a.name.localeCompare(b.name));
    const sizeBytes = repositories.reduce((sum, repository) => sum + repository.sizeBytes, 0);
    const lastPush = repositories.map((repository) => repository.lastPush).reduce<string | undefined>((a, b) => (a === undefined || (b !== undefined && b > a) ? b : a), undefined);
    const lastPull = repositories.map((repository) => repository.lastPull).reduce<string | undefined>((a, b) => (a === undefined || (b !== undefined && b > a) ? b : a), undefined);
    return {
      prefix: rule.prefix,
      upstream: upstreamRegistryUrl(rule.upstream, rule.registry),
      repositories: repositories.length,
      images: repositories.reduce((sum, repository) => sum + repository.images, 0),
      sizeBytes,
      ...(lastPush ? { lastPush } : {}),
      ...(lastPull ? { lastPull } : {}),
      costPerMonth: cost(sizeBytes),
      // ECR's own last-pull rules count an image never pulled from its push (user guide, lifecycle policy properties).
      unpulled: repositories.filter((repository) => {
        const used = repository.lastPull ?? repository.lastPush;
        return used === undefined || new Date(used).getTime() < cutoff;
      }),
    };
  });
  const totalBytes = rules.reduce((sum, rule) => sum + rule.sizeBytes, 0);
  const result: StatusReport = {
    environment: environment.name,
    cache: cache.name,
    account: cache.account,
    region: cache.region,
    unpulledDays,
    pricePerGbMonth,
    rules,
    total: {
      repositories: rules.reduce((sum, rule) => sum + rule.repositories, 0),
      images: rules.reduce((sum, rule) => sum + rule.images, 0),
      sizeBytes: totalBytes,
      costPerMonth: cost(totalBytes),
    },
  };
  if (options.json) {
    io.out(JSON.stringify(result));
    return 0;
  }
  printReport(result, io.out);
  return 0;
}

const dollars = (amount: number) => `$${amount.toFixed(2)}`;
/** A price as written, with cents at least: $0.10, $0.095. */
const perGb = (amount: number) => (Number(amount.toFixed(2)) === amount ? dollars(amount) : `$${amount}`);
const UNPULLED_LISTED = 20;

function printReport(result: StatusReport, out: (line: string) => void): void {
  const whose = result.cache === result.environment ? result.environment : `${result.cache}, the hub ${result.environment} pulls through`;
  out(`Cache of ${whose}: account ${result.account}, ${result.region}`);
  out('');
  const rows = [
    ['PREFIX', 'UPSTREAM', 'REPOSITORIES', 'IMAGES', 'SIZE', 'LAST PUSH', 'LAST PULL', `UNPULLED ${result.unpulledDays}D`, 'COST/MONTH'],
    ...result.rules.map((rule) => [
      rule.prefix,
      rule.upstream,
      String(rule.repositories),
      String(rule.images),
      byteSize(rule.sizeBytes),
      day(rule.lastPush),
      day(rule.lastPull),
      String(rule.unpulled.length),
      dollars(rule.costPerMonth),
    ]),
    ['TOTAL', '', String(result.total.repositories), String(result.total.images), byteSize(result.total.sizeBytes), '', '', String(result.rules.reduce((sum, rule) => sum + rule.unpulled.length, 0)), dollars(result.total.costPerMonth)],
  ];
  printTable(rows, out);
  const unpulled = result.rules.flatMap((rule) => rule.unpulled);
  if (unpulled.length > 0) {
    out('');
    out(`Not pulled in ${result.unpulledDays} days: ${unpulled.length} repositor${unpulled.length === 1 ? 'y' : 'ies'}, ${byteSize(unpulled.reduce((sum, repository) => sum + repository.sizeBytes, 0))}`);
    printTable(
      [
        ['  REPOSITORY', 'IMAGES', 'SIZE', 'LAST PULL'],
        ...unpulled.slice(0, UNPULLED_LISTED).map((repository) => [
          `  ${repository.name}`,
          String(repository.images),
          byteSize(repository.sizeBytes),
          repository.lastPull ? day(repository.lastPull) : `never (pushed ${day(repository.lastPush)})`,
        ]),
      ],
      out,
    );
    if (unpulled.length > UNPULLED_LISTED) out(`  ... and ${unpulled.length - UNPULLED_LISTED} more (--json lists them all)`);
  }
  out('');
  out(
    `Size adds up each image's imageSizeInBytes: layers shared between images count once per image, so size and cost are an upper bound. ` +
      `Cost at ${perGb(result.pricePerGbMonth)} per GB-month${result.pricePerGbMonth === DEFAULT_PRICE_PER_GB_MONTH ? " (ECR's published price; --price-per-gb for your region's)" : ''}.`,
  );
}
