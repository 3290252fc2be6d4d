/**
 * `./bin/ecr-cache warm`, proven with real components on loopback:
 * - an upstream distribution registry holding a multi-platform image (an OCI index of linux/amd64 and linux/arm64);
 * - a distribution registry in proxy mode, pointed at the upstream, standing in for the cache: it fetches what is
 *   pulled through it once and keeps it, as ECR's pull-through cache does, and reports each manifest it serves to the
 *   loopback AWS (its notifications), which then holds the image as ECR would after a pull (scripts/loopback-aws,
 *   recordPull: an imitation, said as such);
 * - the loopback AWS for GetAuthorizationToken and DescribeImages;
 * - `warm` through the stand-in (--registry-url), every platform; then the upstream stopped, and the real containerd,
 *   configured by the files `node-config` writes (only the cache's address replaced by the stand-in's), pulls every
 *   platform from the cache, while an image that was not warmed cannot be pulled.
 * The stand-in does not map prefixes to upstream hosts as ECR does: the upstream keeps each image at its cache path
 * (`quay/acme/app` for quay.io/acme/app).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoopbackAws, loopbackCredentials, startLoopbackAws } from '../scripts/loopback-aws';
import { PROJECT_ROOT } from '../config/environments';
import { warm as warmInProcess, type WarmReport } from '../cli/warm';
import { RegistryPull } from '../cli/registry-pull';
import { type Containerd, type PlainRegistry, pushAll, runtimeUnavailable, startContainerd, startPlainRegistry } from './support/container-runtime';
import { writeOciImage, writeOciIndex } from './support/oci-image';
import { ecrCache, ecrCacheAsync } from './support/processes';
import { skipLoudly } from './support/skip-loudly';

const DEV = '111111111111';
/** The hub of examples/organization, whose cache its consumer team-a pulls through. */
const HUB = '444444444444';
const REGION = 'eu-west-2';
const CACHE = `${DEV}.dkr.ecr.${REGION}.amazonaws.com`;
const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
];

const skip = skipLoudly('the warm tests with real registries and containerd', runtimeUnavailable());
const work = mkdtempSync(join(tmpdir(), 'ecr-cache-warm-'));
let aws: LoopbackAws | undefined;
let upstream: PlainRegistry | undefined;
let standIn: PlainRegistry | undefined;
let hubStandIn: PlainRegistry | undefined;
let containerd: Containerd | undefined;
let throttler: Server | undefined;
/** A registry in front of the stand-in that redirects blobs, and the "bucket" they are redirected to. */
let redirecting: Server | undefined;
let bucket: Server | undefined;
/** Digests of the images the upstream holds, by cache path. */
const digests: Record<string, string> = {};

const credentials = (account = DEV) => {
  const { accessKeyId, secretAccessKey } = loopbackCredentials(account);
  return { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_ECR: aws!.endpoint, AWS_PROFILE: '', AWS_EC2_METADATA_DISABLED: 'true' };
};

const warm = (args: readonly string[], registry = `http://${standIn!.address}`) => ecrCacheAsync(['warm', '--env', 'dev', '--registry-url', registry, ...args], credentials());

/** Writes files into a fresh folder of the work folder. */
function folder(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const deployment = (images: readonly string[]) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: app }',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    ...images.flatMap((image, index) => [`        - name: c${index}`, `          image: ${image}`]),
    '',
  ].join('\n');

/** What a log gains from now on. */
function since(read: () => string): () => string {
  const before = read().length;
  return () => read().slice(before);
}

/** The manifests the stand-in served since, as its access log has them: `GET <path> <status>`. */
const servedManifests = (log: string) => [...log.matchAll(/"GET \/v2\/(\S+)\/manifests\/(\S+) HTTP\/1\.1" (\d+)/g)].map((match) => `${match[1]}:${match[2]} ${match[3]}`);

beforeAll(async () => {
  if (skip) return;
  aws = await startLoopbackAws({ defaultAccount: DEV });
  // The dev environment's rules exist in its registry, as after apply.
  for (const account of [DEV, HUB]) {
    for (const prefix of ['docker-hub', 'github', 'k8s', 'ecr', 'quay']) aws.region(account, REGION).rules.set(prefix, { ecrRepositoryPrefix: prefix, registryId: account, createdAt: aws.state.now() });
  }

  for (const dir of ['upstream', 'stand-in', 'containerd']) mkdirSync(join(work, dir));
  upstream = await startPlainRegistry(join(work, 'upstream'));
  const images: [string, string, boolean][] = [
    ['quay/acme/app', '1.0', true],
    ['quay/acme/multi', '3.0', true],
    ['quay/acme/tool', '2.0', false],
    ['quay/acme/cold', '1.0', true],
    ['quay/acme/stale', '1.0', false],
    ['quay/acme/unwarmed', '1.0', true],
    ['quay/acme/throttled', '1.0', true],
    ['quay/acme/redirected', '1.0', false],
    ['quay/acme/progress', '1.0', false],
    ['docker-hub/library/nginx', '1.27', false],
  ];
  for (const [path, tag, multi] of images) {
    const layout = join(work, 'layouts', path);
    if (multi) digests[path] = writeOciIndex(layout, tag, `${path}:${tag}`, PLATFORMS);
    else writeOciImage(layout, tag, `${path}:${tag}`);
    pushAll(upstream.address, layout, tag, path);
    if (!multi) digests[path] = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')).manifests[0].digest as string;
  }
  standIn = await startPlainRegistry(join(work, 'stand-in'), { proxyOf: `http://${upstream.address}`, notify: aws.registryNotifications(DEV, REGION) });
}, 60_000);

afterAll(async () => {
  await containerd?.stop();
  await standIn?.stop();
  await hubStandIn?.stop();
  await upstream?.stop();
  for (const server of [throttler, redirecting, bucket]) await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await aws?.close();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(skip)('./bin/ecr-cache warm through a distribution registry standing in for the cache', () => {
  it('warms every platform of a multi-platform image, confirms it with DescribeImages, and says so once it is cached', async () => {
    const manifests = folder('manifests', { 'app.yaml': deployment(['quay.io/acme/app:1.0']) });
    const served = since(standIn!.log);
    const run = await warm(['--json', manifests]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as WarmReport;
    expect(report).toMatchObject({ environment: 'dev', cache: 'dev', registry: `http://${standIn!.address}` });
    expect(report.images).toEqual([
      expect.objectContaining({
        reference: 'quay.io/acme/app:1.0',
        uri: `${CACHE}/quay/acme/app:1.0`,
        status: 'cached',
        digest: digests['quay/acme/app'],
        platforms: ['linux/amd64', 'linux/arm64/v8'],
        sources: [expect.stringMatching(/manifests\/app\.yaml:9$/)],
      }),
    ]);
    expect(report.images[0].bytes).toBeGreaterThan(1000);
    expect(report.summary).toMatchObject({ cached: 1, alreadyCached: 0, failed: 0, skipped: 0, notWarmed: 0 });
    // What a pull does: the index by tag, then each platform's manifest by digest.
    const manifestsServed = servedManifests(served());
    expect(manifestsServed[0]).toBe('quay/acme/app:1.0 200');
    expect(manifestsServed.filter((line) => /^quay\/acme\/app:sha256:\w+ 200$/.test(line))).toHaveLength(2);
    // The loopback AWS holds the image as ECR would after the pull, and warm asked it with the ECR API.
    const ecrCalls = aws!.requests.filter((request) => request.service === 'ecr').map((request) => request.action);
    expect(ecrCalls).toEqual(expect.arrayContaining(['GetAuthorizationToken', 'DescribeImages']));
    const repository = aws!.region(DEV, REGION).repositories.get('quay/acme/app')!;
    expect(repository.images.find((image) => image.imageTags.includes('1.0'))?.imageDigest).toBe(digests['quay/acme/app']);

    const again = await warm([manifests]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^already cached +quay\\.io/acme/app:1\\.0 -> ${CACHE}/quay/acme/app:1\\.0  ${digests['quay/acme/app']}`, 'm'));
    expect(again.stdout).toMatch(/^0 cached, 1 already cached, 0 failed, 0 skipped, 0 not warmed \(cache of dev, 111111111111 eu-west-2\)/m);
  }, 60_000);

  it('prints a line per image and a summary: cached, skipped without a rule, by digest alone, failed with the registry reason; exits 1', async () => {
    const values = [
      'tool:',
      '  image:',
      '    registry: quay.io',
      '    repository: acme/tool',
      '    tag: "2.0"',
      'chartDefault:',
      '  image:',
      '    registry: quay.io',
      '    repository: acme/other',
      '',
    ].join('\n');
    const manifests = folder('mixed', {
      'deployment.yaml': deployment(['gcr.io/acme/x:1', `quay.io/acme/app@${digests['quay/acme/app']}`, 'quay.io/acme/missing:1.0']),
      'values.yaml': values,
    });
    const list = folder('lists', {
      'images.txt': ['# pinned by tag and digest: warmed by the tag, the digest checked', `nginx:1.27@${digests['docker-hub/library/nginx']}`, `quay.io/acme/stale:1.0@sha256:${'0'.repeat(64)}   # a stale pin`, 'not a reference', ''].join('\n'),
    });
    const run = await warm([manifests, '--images', join(list, 'images.txt')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    const line = (start: RegExp) => lines.find((candidate) => start.test(candidate)) ?? `no line matching ${start}:\n${run.stdout}`;
    expect(line(/^skipped +gcr\.io/)).toMatch(/^skipped +gcr\.io\/acme\/x:1: no rule in environment dev pulls through from gcr\.io \(.*deployment\.yaml:9\)$/);
    expect(line(/^skipped +quay\.io\/acme\/other/)).toMatch(/its values give no tag or digest: the chart renders its own appVersion/);
    expect(line(/^skipped +not a reference/)).toMatch(/not a valid image reference/);
    expect(line(/^not warmed/)).toMatch(new RegExp(`^not warmed +quay\\.io/acme/app@${digests['quay/acme/app']} -> ${CACHE}/quay/acme/app@sha256:\\w+: a reference by digest alone: .*containers-roadmap #2837.*quay\\.io/acme/app:<tag>@sha256`));
    expect(line(/^failed +quay\.io\/acme\/missing/)).toMatch(/: http:\/\/127\.0\.0\.1:\d+: MANIFEST_UNKNOWN: manifest unknown/);
    expect(line(/^failed +quay\.io\/acme\/stale/)).toMatch(new RegExp(`the cache's tag 1\\.0 names ${digests['quay/acme/stale']}, not the digest the reference pins \\(sha256:0{64}\\), which is not cached`));
    expect(line(/^cached +quay\.io\/acme\/tool:2\.0/)).toMatch(new RegExp(`-> ${CACHE}/quay/acme/tool:2\\.0  ${digests['quay/acme/tool']}  \\(linux/amd64; \\d+(\\.\\d)? (B|KiB); \\d+\\.\\d s\\)$`));
    expect(line(/^cached +nginx:1\.27@/)).toMatch(new RegExp(`-> ${CACHE}/docker-hub/library/nginx:1\\.27@${digests['docker-hub/library/nginx']}  \\(linux/amd64; `));
    expect(lines.at(-1)).toMatch(/^2 cached, 0 already cached, 2 failed, 3 skipped, 1 not warmed \(cache of dev, 111111111111 eu-west-2\); \d+(\.\d)? (B|KiB) in \d+\.\d s$/);
  }, 60_000);

  it('pulls only the platforms --platform names, and fails an image whose index lacks one', async () => {
    const served = since(standIn!.log);
    const run = await warm(['--json', '--platform', 'linux/arm64', '--images', folder('arm', { 'list.txt': 'quay.io/acme/multi:3.0\n' }) + '/list.txt']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as WarmReport;
    expect(report.images[0]).toMatchObject({ status: 'cached', platforms: ['linux/arm64/v8'] });
    // The index, and one platform's manifest.
    expect(servedManifests(served()).filter((line) => line.startsWith('quay/acme/multi:sha256:'))).toHaveLength(1);

    const other = await warm(['--platform', 'linux/s390x', '--images', folder('s390x', { 'list.txt': 'quay.io/acme/cold:1.0\n' }) + '/list.txt']);
    expect(other.status).toBe(1);
    expect(other.stdout).toMatch(/^failed +quay\.io\/acme\/cold:1\.0 .*: the index has no linux\/s390x \(it has linux\/amd64, linux\/arm64\/v8\)/m);
  }, 60_000);

  it('retries a registry that answers 429 or cuts a blob short, and sends the registry the ECR token as basic authentication', async () => {
    // In front of the stand-in: answers the first manifest request 429, as a registry over its pull rate does, and
    // cuts the connection halfway through the first blob, as a network does.
    const seen: IncomingHttpHeaders[] = [];
    let throttled = 0;
    let cut = 0;
    throttler = createServer((request, response) => {
      seen.push(request.headers);
      if (request.url?.includes('/manifests/') && throttled === 0) {
        throttled += 1;
        response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        response.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'Rate exceeded' }] }));
        return;
      }
      const forwarded = httpRequest(`http://${standIn!.address}${request.url}`, { method: request.method, headers: request.headers }, (answer) => {
        if (request.url?.includes('/blobs/') && answer.statusCode === 200 && cut === 0) {
          cut += 1;
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            const body = Buffer.concat(chunks);
            response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
            response.write(body.subarray(0, Math.floor(body.length / 2)), () => response.socket?.destroy());
          });
          return;
        }
        response.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(response);
      });
      request.pipe(forwarded);
    });
    await new Promise<void>((resolve) => throttler!.listen(0, '127.0.0.1', resolve));
    const run = await warm(['--json', '--images', folder('throttled', { 'list.txt': 'ghcr.io/acme/web:1.0\nquay.io/acme/throttled:1.0\n' }) + '/list.txt'], `http://127.0.0.1:${(throttler.address() as AddressInfo).port}`);
    const report = JSON.parse(run.stdout) as WarmReport;
    const throttledImage = report.images.find((image) => image.reference === 'quay.io/acme/throttled:1.0');
    expect([throttled, cut]).toEqual([1, 1]);
    // The other image is not in the upstream: the stand-in's own reason.
    expect(report.images.find((image) => image.reference === 'ghcr.io/acme/web:1.0')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/MANIFEST_UNKNOWN/) });
    expect(throttledImage).toMatchObject({ status: 'cached', platforms: ['linux/amd64', 'linux/arm64/v8'] });
    expect(report.images.reduce((sum, image) => sum + (image.retries ?? 0), 0)).toBe(2);
    expect(run.status).toBe(1);
    // Every registry request carried the token GetAuthorizationToken gave: `AWS:<password>`, base64.
    const [password] = aws!.region(DEV, REGION).authorizationPasswords.slice(-1);
    expect(new Set(seen.map((headers) => headers.authorization))).toEqual(new Set([`Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`]));
  }, 60_000);

  it('sends the token to the registry only: a blob redirected to another origin, as ECR redirects layers to S3, goes there without it; a stalled blob is read again', async () => {
    // The "bucket": another origin (another port), answering with the stand-in's blob; the first answer stalls halfway.
    const bucketHeaders: IncomingHttpHeaders[] = [];
    let stalled = 0;
    bucket = createServer((request, response) => {
      bucketHeaders.push(request.headers);
      httpRequest(`http://${standIn!.address}/v2/quay/acme/redirected/blobs/${request.url!.split('?')[0].slice(1)}`, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          response.writeHead(answer.statusCode!, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
          if (stalled === 0 && body.length > 1) {
            stalled += 1;
            response.write(body.subarray(0, Math.floor(body.length / 2))); // and nothing more
            return;
          }
          response.end(body);
        });
      }).end();
    });
    await new Promise<void>((resolve) => bucket!.listen(0, '127.0.0.1', resolve));
    const bucketUrl = `http://127.0.0.1:${(bucket.address() as AddressInfo).port}`;
    const registryHeaders: IncomingHttpHeaders[] = [];
    redirecting = createServer((request, response) => {
      registryHeaders.push(request.headers);
      const blob = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(request.url ?? '');
      if (blob) {
        response.writeHead(307, { location: `${bucketUrl}/${blob[1]}?X-Amz-Signature=presigned` });
        response.end();
        return;
      }
      const forwarded = httpRequest(`http://${standIn!.address}${request.url}`, { method: request.method, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(response);
      });
      request.pipe(forwarded);
    });
    await new Promise<void>((resolve) => redirecting!.listen(0, '127.0.0.1', resolve));

    const pull = new RegistryPull({ registry: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`, authorization: 'Basic QVdTOnRva2Vu', stallMs: 500, backoffMs: 10 });
    const pulled = await pull.pull('quay/acme/redirected', '1.0');
    expect(pulled).toMatchObject({ digest: digests['quay/acme/redirected'], platforms: ['linux/amd64'], retries: 1 });
    expect(stalled).toBe(1);
    expect(registryHeaders.length).toBeGreaterThan(0);
    expect(registryHeaders.every((headers) => headers.authorization === 'Basic QVdTOnRva2Vu')).toBe(true);
    // The config and the layer, the stalled one twice: never with the token.
    expect(bucketHeaders.length).toBeGreaterThanOrEqual(3);
    expect(bucketHeaders.map((headers) => headers.authorization)).toEqual(bucketHeaders.map(() => undefined));
  }, 60_000);

  it("warms a consumer's images in its hub's cache", async () => {
    mkdirSync(join(work, 'hub-stand-in'));
    hubStandIn = await startPlainRegistry(join(work, 'hub-stand-in'), { proxyOf: `http://${upstream!.address}`, notify: aws!.registryNotifications(HUB, REGION) });
    const run = await ecrCacheAsync(
      ['warm', '--env', 'team-a', '--json', '--registry-url', `http://${hubStandIn.address}`, '--images', folder('team-a', { 'list.txt': 'quay.io/acme/app:1.0\n' }) + '/list.txt'],
      { ...credentials(HUB), ECR_CACHE_ENVIRONMENTS: join(PROJECT_ROOT, 'examples', 'organization') },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as WarmReport;
    expect(report).toMatchObject({ environment: 'team-a', cache: 'shared' });
    expect(report.images).toEqual([expect.objectContaining({ uri: `${HUB}.dkr.ecr.${REGION}.amazonaws.com/quay/acme/app:1.0`, status: 'cached', digest: digests['quay/acme/app'] })]);
    expect(aws!.region(HUB, REGION).repositories.get('quay/acme/app')?.images.some((image) => image.imageTags.includes('1.0'))).toBe(true);
  }, 60_000);

  it('shows its progress on a terminal only, on standard error, and clears it', async () => {
    for (const [name, value] of Object.entries(credentials())) vi.stubEnv(name, value);
    try {
      const list = folder('progress', { 'list.txt': 'quay.io/acme/progress:1.0\n' }) + '/list.txt';
      const out: string[] = [];
      const terminal: string[] = [];
      const status = await warmInProcess([], { env: 'dev', images: list, registryUrl: `http://${standIn!.address}` }, { out: (line) => out.push(line), progress: { isTTY: true, write: (text) => terminal.push(text) } });
      expect(status).toBe(0);
      expect(terminal[0]).toBe('\r\x1b[2Kwarming: 0 of 1 images, 0 B');
      const ERASE_LINE = '\r\x1b[2K';
      expect(terminal.some((text) => text.startsWith(`${ERASE_LINE}warming: 1 of 1 images, `) && / \d{3} B$/.test(text))).toBe(true);
      expect(terminal.at(-1)).toBe('\r\x1b[2K');
      expect(out.join('\n')).not.toContain('\x1b');
      expect(out[0]).toMatch(/^cached +quay\.io\/acme\/progress:1\.0 /);

      const piped: string[] = [];
      expect(await warmInProcess([], { env: 'dev', images: list, registryUrl: `http://${standIn!.address}` }, { out: () => {}, progress: { isTTY: false, write: (text) => piped.push(text) } })).toBe(0);
      expect(piped).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  }, 60_000);

  it('refuses bad options with a clear error and no stack trace', () => {
    const env = credentials();
    const cases: [readonly string[], RegExp][] = [
      [['warm', '--env', 'dev'], /give manifests, Helm values or Kustomize files \(or folders\), or --images FILE/],
      [['warm', '--env', 'dev', '--images', join(work, 'nowhere.txt')], /--images .*nowhere\.txt: no such file/],
      [['warm', '--env', 'dev', '--platform', 'amd64', '--images', join(work, 'nowhere.txt')], /--platform "amd64": give os\/architecture\[\/variant\]/],
      [['warm', '--env', 'dev', '--concurrency', '0', 'x'], /--concurrency "0" must be a whole number from 1 to 32/],
      [['warm', '--env', 'dev', '--registry-url', 'stand-in', 'x'], /--registry-url "stand-in" is not an http\(s\) URL/],
      [['warm', '--env', 'dev', '--registry-url', 'http://10.0.0.5:5000', 'x'], /--registry-url http:\/\/10\.0\.0\.5:5000: plain http only to this machine/],
      [['warm', '--env', 'dev', join(work, 'no-such-folder')], /no-such-folder: no such file or folder/],
    ];
    for (const [args, message] of cases) {
      const run = ecrCache(args, env);
      expect(run.status, args.join(' ')).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stdout).toBe('');
    }
  });
});

describe.skipIf(skip)('after warm, with the upstream stopped, containerd pulls every platform from the cache', () => {
  const hostsDir = join(work, 'node', 'certs.d');

  beforeAll(async () => {
    if (skip) return;
    await upstream!.stop();
    const run = ecrCache(['node-config', '--env', 'dev', '--format', 'containerd', '--out', join(work, 'node')]);
    if (run.status !== 0) throw new Error(`node-config failed:\n${run.stderr}`);
    // Only the cache's address is replaced, by the stand-in's (as in node-mirrors.integration.test.ts).
    for (const host of readdirSync(hostsDir)) {
      const file = join(hostsDir, host, 'hosts.toml');
      const generated = readFileSync(file, 'utf8');
      if (!generated.includes(`https://${CACHE}`)) throw new Error(`${file} does not name the cache:\n${generated}`);
      writeFileSync(file, generated.replaceAll(`https://${CACHE}`, `http://${standIn!.address}`));
    }
    containerd = await startContainerd(join(work, 'containerd'), hostsDir);
  }, 60_000);

  it.each(['linux/amd64', 'linux/arm64'])('pulls quay.io/acme/app:1.0 for %s by its upstream name', (platform) => {
    const seen = since(standIn!.log);
    const pull = containerd!.ctrPull('quay.io/acme/app:1.0', hostsDir, 'AWS:token', platform);
    expect(pull.status, pull.output).toBe(0);
    expect(pull.output).not.toMatch(/trying next host/);
    expect(seen()).toMatch(/"(HEAD|GET) \/v2\/quay\/acme\/app\/manifests\/1\.0\?ns=quay\.io HTTP\/1\.1" 200/);
    containerd!.forget('quay.io/acme/app');
  });

  it('cannot pull an image that was not warmed: the stand-in has nothing to serve with the upstream down', () => {
    // The upstream held it, but nothing pulled it through the stand-in before the upstream stopped.
    const pull = containerd!.ctrPull('quay.io/acme/unwarmed:1.0', hostsDir, 'AWS:token', 'linux/amd64');
    expect(pull.status).not.toBe(0);
    expect(pull.output).toMatch(/failed to resolve reference "quay\.io\/acme\/unwarmed:1\.0": .*not found/);
    expect(pull.output).toMatch(/url="http:\/\/127\.0\.0\.1:\d+\/v2\/quay\/acme\/unwarmed\/manifests\/1\.0\?ns=quay\.io"/);
  });
});
