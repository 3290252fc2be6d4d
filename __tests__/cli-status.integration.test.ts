/**
 * `./bin/ecr-cache status` with the real AWS SDK over real HTTP against the loopback AWS: a registry of thousands of
 * cache repositories, read page by page (DescribeRepositories, DescribeImages), with throttled calls retried.
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { type LoopbackAws, type LoopbackAwsOptions, type SeedImage, loopbackCredentials, startLoopbackAws } from '../scripts/loopback-aws';
import { DEFAULT_PRICE_PER_GB_MONTH, status, type StatusReport } from '../cli/status';
import { ecrCacheAsync } from './support/processes';

const DEV = '111111111111';
const HUB = '444444444444';
const REGION = 'eu-west-2';
const DAY = 86_400_000;
const GIB = 1024 ** 3;
const PREFIXES = ['docker-hub', 'github', 'k8s', 'ecr', 'quay'];

let aws: LoopbackAws | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

const credentials = (account: string, endpoint: string) => {
  const { accessKeyId, secretAccessKey } = loopbackCredentials(account);
  return { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_ECR: endpoint, AWS_PROFILE: '', AWS_EC2_METADATA_DISABLED: 'true' };
};

/**
 * `count` cache repositories spread over the rules' prefixes, each with one to three images; every 10th never pulled
 * and pushed 100 days ago, every 10th + 1 last pulled 45 days ago, the rest pulled yesterday. And one repository of
 * `bigImages` images (pages of DescribeImages), and two that are no rule's.
 */
function registry(count: number, bigImages = 2500): { name: string; images: SeedImage[] }[] {
  const now = Date.now();
  const repositories = Array.from({ length: count }, (_, index) => {
    const name = `${PREFIXES[index % PREFIXES.length]}/team${index % 7}/image-${index}`;
    const images = Array.from({ length: 1 + (index % 3) }, (__, image) => ({
      tags: [`v${image}`],
      sizeBytes: 1_000_000 * (1 + ((index + image) % 50)),
      pushedAt: new Date(now - (100 + image) * DAY),
      ...(index % 10 === 0 ? {} : { lastPulledAt: new Date(now - (index % 10 === 1 ? 45 : 1) * DAY) }),
    }));
    return { name, images };
  });
  repositories.push({
    name: 'quay/prometheus/prometheus',
    images: Array.from({ length: bigImages }, (_, image) => ({ tags: [`v${image}`], sizeBytes: 2_000_000, pushedAt: new Date(now - 3 * DAY), lastPulledAt: new Date(now - 2 * DAY) })),
  });
  repositories.push({ name: 'payments/api', images: [{ tags: ['1'], sizeBytes: 7, pushedAt: new Date(now - DAY) }] }, { name: 'd/not-a-rule', images: [] });
  return repositories;
}

/** What the report must say of each rule, worked out from the seeded registry on its own. */
function expected(repositories: ReturnType<typeof registry>, unpulledDays: number) {
  const now = Date.now();
  return PREFIXES.map((prefix) => {
    const own = repositories.filter((repository) => repository.name.startsWith(`${prefix}/`));
    const sizeBytes = own.flatMap((repository) => repository.images).reduce((sum, image) => sum + image.sizeBytes, 0);
    const unpulled = own.filter((repository) => {
      const pulls = repository.images.flatMap((image) => (image.lastPulledAt ? [image.lastPulledAt.getTime()] : []));
      const used = pulls.length > 0 ? Math.max(...pulls) : Math.max(...repository.images.map((image) => image.pushedAt.getTime()));
      return used < now - unpulledDays * DAY;
    });
    return {
      prefix,
      repositories: own.length,
      images: own.reduce((sum, repository) => sum + repository.images.length, 0),
      sizeBytes,
      costPerMonth: Math.round((sizeBytes / GIB) * DEFAULT_PRICE_PER_GB_MONTH * 100) / 100,
      unpulled: unpulled.map((repository) => repository.name).sort(),
    };
  });
}

async function loopbackWith(account: string, repositories: ReturnType<typeof registry>, options: LoopbackAwsOptions = {}): Promise<LoopbackAws> {
  const started = await startLoopbackAws(options);
  started.seedRepositories(account, REGION, repositories);
  return started;
}

const describeCalls = (loopback: LoopbackAws, action: string) => loopback.requests.filter((request) => request.service === 'ecr' && request.action === action);

describe('./bin/ecr-cache status', () => {
  it('reads 3000 cache repositories page by page, retrying throttled calls, and reports every rule as JSON', async () => {
    const repositories = registry(3000);
    aws = await loopbackWith(DEV, repositories, { throttle: { everyNth: 9, actions: ['ecr:DescribeRepositories', 'ecr:DescribeImages'] } });
    const run = await ecrCacheAsync(['status', '--env', 'dev', '--json', '--unpulled-days', '30'], credentials(DEV, aws.endpoint));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(report).toMatchObject({ environment: 'dev', cache: 'dev', account: DEV, region: REGION, unpulledDays: 30, pricePerGbMonth: 0.1 });
    const byPrefix = expected(repositories, 30);
    expect(report.rules.map((rule) => ({ ...rule, unpulled: rule.unpulled.map((repository) => repository.name), lastPush: undefined, lastPull: undefined, upstream: undefined }))).toEqual(
      byPrefix.map((rule) => ({ ...rule, lastPush: undefined, lastPull: undefined, upstream: undefined })),
    );
    expect(report.total.repositories).toBe(3001);
    // Every 10th repository never pulled and every 10th + 1 pulled 45 days ago: 600 of 3000 not pulled in 30 days.
    expect(report.rules.reduce((sum, rule) => sum + rule.unpulled.length, 0)).toBe(600);
    expect(report.rules.find((rule) => rule.prefix === 'docker-hub')!.unpulled.find((repository) => repository.name === 'docker-hub/team0/image-0')).toMatchObject({ images: 1, sizeBytes: 1_000_000 });
    expect(report.rules.find((rule) => rule.prefix === 'quay')!.images).toBe(byPrefix.find((rule) => rule.prefix === 'quay')!.images);

    // 3003 repositories: four pages of 1000, each asking for the page after the last.
    const listings = describeCalls(aws, 'DescribeRepositories').filter((request) => request.error === undefined);
    expect(listings.map((request) => request.body.maxResults)).toEqual([1000, 1000, 1000, 1000]);
    expect(listings[0].body.nextToken).toBeUndefined();
    for (const listing of listings.slice(1)) expect(typeof listing.body.nextToken).toBe('string');
    // The repository of 2500 images: three pages.
    const bigPages = describeCalls(aws, 'DescribeImages').filter((request) => request.body.repositoryName === 'quay/prometheus/prometheus' && request.error === undefined);
    expect(bigPages).toHaveLength(3);
    // Only the rules' repositories were read; every throttled call was asked again.
    const reads = describeCalls(aws, 'DescribeImages');
    const throttled = reads.filter((request) => request.error === 'ThrottlingException');
    expect(throttled.length).toBeGreaterThan(300);
    expect(new Set(reads.filter((request) => request.error === undefined).map((request) => request.body.repositoryName)).size).toBe(3001);
    expect(reads.some((request) => request.body.repositoryName === 'payments/api')).toBe(false);
  }, 120_000);

  it('prints a table per rule, the repositories not pulled lately, and what the size and price mean', async () => {
    const repositories = registry(40, 3);
    aws = await loopbackWith(DEV, repositories);
    const run = await ecrCacheAsync(['status', '--env', 'dev', '--unpulled-days', '60', '--price-per-gb', '0.5'], credentials(DEV, aws.endpoint));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`Cache of dev: account ${DEV}, ${REGION}`);
    expect(lines[2]).toMatch(/^PREFIX +UPSTREAM +REPOSITORIES +IMAGES +SIZE +LAST PUSH +LAST PULL +UNPULLED 60D +COST\/MONTH$/);
    const rows = expected(repositories, 60);
    const quay = rows.find((rule) => rule.prefix === 'quay')!;
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^quay +quay\\.io +${quay.repositories} +${quay.images} +`)));
    // Only the never-pulled ones are older than 60 days: 4 of 40.
    expect(run.stdout).toContain('Not pulled in 60 days: 4 repositories');
    expect(run.stdout).toMatch(/\n {2}REPOSITORY +IMAGES +SIZE +LAST PULL\n {2}docker-hub\/team0\/image-0 +1 +976\.6 KiB +never \(pushed \d{4}-\d\d-\d\d\)\n/);
    expect(run.stdout).toContain('so size and cost are an upper bound. Cost at $0.50 per GB-month.');
  });

  it("reads a consumer's hub: team-a's nodes pull through shared's cache, in its account", async () => {
    aws = await loopbackWith(HUB, [{ name: 'docker-hub/library/nginx', images: [{ tags: ['1.27'], sizeBytes: 3 * GIB, pushedAt: new Date(Date.now() - DAY), lastPulledAt: new Date() }] }]);
    const run = await ecrCacheAsync(['status', '--env', 'team-a', '--json'], { ...credentials(HUB, aws.endpoint), ECR_CACHE_ENVIRONMENTS: join(PROJECT_ROOT, 'examples', 'organization') });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(report).toMatchObject({ environment: 'team-a', cache: 'shared', account: HUB, total: { repositories: 1, images: 1, sizeBytes: 3 * GIB, costPerMonth: 0.3 } });
    expect(describeCalls(aws, 'DescribeRepositories')[0]).toMatchObject({ account: HUB, body: { registryId: HUB } });
  });

  it('shows a progress line on a terminal, and clears it before the report', async () => {
    aws = await loopbackWith(DEV, registry(60, 3));
    const written: string[] = [];
    const out: string[] = [];
    const saved = { ...process.env };
    Object.assign(process.env, credentials(DEV, aws.endpoint), { ECR_CACHE_ENVIRONMENTS: join(PROJECT_ROOT, '__tests__', 'fixtures', 'environments') });
    try {
      const code = await status({ env: 'dev' }, { out: (line) => out.push(line), progress: { isTTY: true, write: (text) => written.push(text) }, now: () => new Date() });
      expect(code).toBe(0);
    } finally {
      process.env = saved;
    }
    expect(written[0]).toBe('\r\x1b[2Klisting repositories: 63');
    expect(written).toContain('\r\x1b[2Kreading images: 61 of 61 repositories');
    expect(written.at(-1)).toBe('\r\x1b[2K');
    expect(out[0]).toBe(`Cache of dev: account ${DEV}, ${REGION}`);
  });

  it('refuses a flag that is not a number, and says where the calls went when ECR cannot be reached', async () => {
    const bad = await ecrCacheAsync(['status', '--env', 'dev', '--unpulled-days', 'soon'], credentials(DEV, 'http://127.0.0.1:9'));
    expect(bad).toMatchObject({ status: 1, stdout: '' });
    expect(bad.stderr).toBe('ecr-cache: --unpulled-days "soon" must be a whole number of days from 1\n');
    const price = await ecrCacheAsync(['status', '--env', 'dev', '--price-per-gb', '-1'], credentials(DEV, 'http://127.0.0.1:9'));
    expect(price.stderr).toBe('ecr-cache: --price-per-gb "-1" must be a price in USD per GB-month, for example 0.10\n');
    const unreachable = await ecrCacheAsync(['status', '--env', 'dev'], credentials(DEV, 'http://127.0.0.1:9'));
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toMatch(/^ecr-cache: cannot reach ECR at http:\/\/127\.0\.0\.1:9 \(AWS_ENDPOINT_URL_ECR\) \(ECONNREFUSED: .*\): check AWS_ENDPOINT_URL_ECR\n$/);
  }, 60_000);
});
