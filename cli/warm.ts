/**
 * `./bin/ecr-cache warm`: pulls the images of manifests, Helm values and Kustomize files (found as `rewrite` finds
 * them) and of a plain list through the cache before any node does, so that the slow and fragile first pull, where ECR
 * fetches from the upstream, happens in the pipeline rather than while a kubelet waits.
 *
 * What makes ECR cache an image is a pull through the cache's URI: the user guide ("Sync an upstream registry with an
 * Amazon ECR private registry") says that once a rule exists, pulling an image through the private registry URI makes
 * ECR create a repository and cache the image in it. So warm does what a pull does, through the registry API: the
 * manifest by tag, each platform's manifest of an index, their configs and layers; then it asks DescribeImages whether
 * the cache holds the tag. A reference by digest alone is not pulled: a first pull by digest has been reported not to
 * fill the cache (aws/containers-roadmap #2837), so it is reported with the tag to give it.
 */
import { readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeImagesCommand, type ECRClient, GetAuthorizationTokenCommand, ImageNotFoundException, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { cacheOf } from '../config/environment';
import { displayPath, environmentsDirectory, loadEnvironment } from '../config/environments';
import { cacheImageUriOrReason } from '../lib/images/cache-uri';
import { parseImageReference } from '../lib/images/image-reference';
import { describeFatal, type Endpoint, ecrClientForManyCalls, ecrEndpoint, endpointSetting } from './aws-endpoint';
import { CliError } from './cli-error';
import { byteSize, plural } from './format';
import { LineSpool } from './line-spool';
import { RegistryPull } from './registry-pull';
import { fileProblem, rewriteFile, yamlFiles } from './rewrite';

export interface WarmOptions {
  readonly env: string;
  readonly environments?: string;
  /** A file of image references, one a line; `#` starts a comment. */
  readonly images?: string;
  /** `os/architecture[/variant]`, comma-separated: the platforms of an index to pull. @default every platform */
  readonly platform?: string;
  /** Images warmed at once. @default DEFAULT_CONCURRENCY */
  readonly concurrency?: string;
  readonly json?: boolean;
  /** The registry API at another address (a proxy, a stand-in), sent the same token. @default the cache's own host */
  readonly registryUrl?: string;
  /** @default - AWS_ENDPOINT_URL_ECR, or ECR's own endpoint for the cache's region */
  readonly endpoint?: string;
  readonly exclude?: readonly string[];
}

/** Where the command writes: the report, and a progress line on a terminal. */
export interface WarmIo {
  readonly out: (line: string) => void;
  /** Progress goes here only when it is a terminal, so a pipe or a file gets the report alone. */
  readonly progress: { readonly isTTY?: boolean; write(text: string): unknown };
}

export const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 32;
/**
 * DescribeImages is asked this many times, waiting twice as long each time from CONFIRM_FIRST_WAIT_MS (at most
 * CONFIRM_MAX_WAIT_MS), for the image the pull made ECR cache: AWS documents no delay between the pull and the image
 * in the repository, so a short one is allowed for.
 */
const CONFIRM_ATTEMPTS = 6;
const CONFIRM_FIRST_WAIT_MS = 500;
const CONFIRM_MAX_WAIT_MS = 4000;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;

export type WarmStatus = 'cached' | 'already cached' | 'failed' | 'skipped' | 'not warmed';

export interface WarmedImage {
  /** As the files or the list name it. */
  readonly reference: string;
  /** Its cache URI, when a rule serves it. */
  readonly uri?: string;
  readonly status: WarmStatus;
  /** Why it failed, was skipped or not warmed. */
  readonly reason?: string;
  /** The digest the tag names in the cache. */
  readonly digest?: string;
  readonly platforms?: readonly string[];
  readonly bytes?: number;
  readonly seconds?: number;
  /** Requests the registry throttled (429) or failed (5xx) that were made again. */
  readonly retries?: number;
  /** Where it was found: `file:line`. */
  readonly sources: readonly string[];
}

export interface WarmReport {
  readonly environment: string;
  /** The environment whose registry holds the cache: itself, or a consumer's hub. */
  readonly cache: string;
  readonly registry: string;
  readonly images: readonly WarmedImage[];
  readonly summary: Readonly<Record<'cached' | 'alreadyCached' | 'failed' | 'skipped' | 'notWarmed', number>> & { readonly bytes: number; readonly seconds: number };
}

const defaultIo: WarmIo = { out: (line) => console.log(line), progress: process.stderr };

interface Found {
  readonly reference: string;
  readonly uri?: string;
  readonly reason?: string;
  readonly source: string;
}

/** The images of the list file: one reference a line, blank lines and `#` comments left out. */
function listedImages(file: string, mapImage: (reference: string) => string | { reason: string }): Found[] {
  let text: string;
  try {
    if (!statSync(file).isFile()) throw new CliError(`--images ${file}: not a file`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`--images ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const found: Found[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const reference = line.replace(/#.*/, '').trim();
    if (reference === '') return;
    const mapped = mapImage(reference);
    const source = `${displayPath(file)}:${index + 1}`;
    found.push(typeof mapped === 'string' ? { reference, uri: mapped, source } : { reference, reason: mapped.reason, source });
  });
  return found;
}

/** The images of manifests, Helm values and Kustomize files, found as `rewrite` finds them; nothing is written. */
function fileImages(paths: readonly string[], exclude: readonly string[], mapImage: (reference: string) => string | { reason: string }): Found[] {
  const found: Found[] = [];
  const { files } = yamlFiles(paths, exclude);
  const changes = new LineSpool();
  const left = new LineSpool();
  for (const file of files) {
    const where = (line: number) => `${displayPath(file)}:${line}`;
    try {
      rewriteFile(
        file,
        mapImage,
        {
          write: false,
          keepText: false,
          pulled: (image) =>
            found.push(
              image.unversioned === undefined
                ? { reference: image.reference, uri: image.uri, source: where(image.line) }
                : { reference: image.reference, reason: image.unversioned, source: where(image.line) },
            ),
          unmapped: (image) => found.push({ reference: image.reference, reason: image.reason, source: where(image.line) }),
        },
        changes,
        left,
      );
    } catch (error) {
      const problem = fileProblem(file, error);
      throw problem === undefined ? error : new CliError(problem);
    } finally {
      changes.clear();
      left.clear();
    }
  }
  return found;
}

function concurrencyOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number < 1 || number > MAX_CONCURRENCY) throw new CliError(`--concurrency "${value}" must be a whole number from 1 to ${MAX_CONCURRENCY}`);
  return number;
}

function platformsOf(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const platforms = value.split(',').map((platform) => platform.trim()).filter(Boolean);
  const bad = platforms.filter((platform) => !PLATFORM.test(platform));
  if (platforms.length === 0 || bad.length > 0) throw new CliError(`--platform "${value}": give os/architecture[/variant], comma-separated, for example linux/amd64,linux/arm64`);
  return platforms;
}

/** Runs `work` on every item, at most `limit` at once, each to its end whatever the others do. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}


/** The digest the cache holds for a tag, or undefined when it holds no such image (or no such repository) yet. */
async function cachedDigest(client: ECRClient, account: string, repository: string, tag: string): Promise<string | undefined> {
  try {
    const answer = await client.send(new DescribeImagesCommand({ registryId: account, repositoryName: repository, imageIds: [{ imageTag: tag }] }));
    return answer.imageDetails?.[0]?.imageDigest;
  } catch (error) {
    if (error instanceof ImageNotFoundException || error instanceof RepositoryNotFoundException) return undefined;
    throw error;
  }
}


/** One line of the report for an image. */
export function imageLine(image: WarmedImage): string {
  const target = image.uri && image.uri !== image.reference ? `${image.reference} -> ${image.uri}` : image.reference;
  // Where to look: for an image not cached, the files and lines that name it.
  const where = image.status === 'cached' || image.status === 'already cached' ? '' : ` (${image.sources.join(', ')})`;
  const facts = [
    ...(image.platforms && image.platforms.length > 0 ? [image.platforms.join(', ')] : []),
    ...(image.bytes !== undefined && (image.bytes > 0 || image.status === 'cached') ? [byteSize(image.bytes)] : []),
    ...(image.seconds !== undefined ? [`${image.seconds.toFixed(1)} s`] : []),
    ...(image.retries ? [plural(image.retries, 'retry', 'retries')] : []),
  ];
  const detail = `${image.reason !== undefined ? `: ${image.reason}` : ''}${facts.length > 0 ? `  (${facts.join('; ')})` : ''}`;
  // The digest the cache holds, unless the reference already pins it.
  const digest = image.digest && image.status !== 'failed' && !target.endsWith(`@${image.digest}`) ? `  ${image.digest}` : '';
  return `${image.status.padEnd(14)}  ${target}${digest}${detail}${where}`;
}

/**
 * Warms the cache of an environment (a consumer's: its hub's) with the images of `paths` and of `--images`; exits 1
 * when any image failed. Images no rule serves, or whose version the files do not give, are skipped and said so.
 */
export async function warm(paths: readonly string[], options: WarmOptions, io: WarmIo = defaultIo): Promise<number> {
  const environment = loadEnvironment(options.env, environmentsDirectory(options.environments));
  const cache = cacheOf(environment);
  const concurrency = concurrencyOf(options.concurrency);
  const platforms = platformsOf(options.platform);
  const registryUrl = options.registryUrl === undefined ? undefined : endpointSetting('--registry-url', options.registryUrl).url;
  // The ECR token reads every repository the principal may read in the region for 12 hours: never in clear text off
  // this machine.
  if (registryUrl !== undefined && new URL(registryUrl).protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(registryUrl).hostname)) {
    throw new CliError(`--registry-url ${registryUrl}: plain http only to this machine (127.0.0.1, localhost); the ECR token would cross the network in clear text: use https`);
  }
  if (paths.length === 0 && options.images === undefined) throw new CliError('warm: give manifests, Helm values or Kustomize files (or folders), or --images FILE');
  const started = performance.now();

  const mapImage = (reference: string) => cacheImageUriOrReason(cache, reference);
  const found = [...fileImages(paths, options.exclude ?? [], mapImage), ...(options.images !== undefined ? listedImages(options.images, mapImage) : [])];

  // One entry per cache URI (or per reference and reason, for those not warmed), with every place it was found.
  const entries = new Map<string, { reference: string; uri?: string; reason?: string; status?: WarmStatus; sources: string[] }>();
  for (const image of found) {
    let key: string;
    let entry: { reference: string; uri?: string; reason?: string; status?: WarmStatus };
    if (image.uri === undefined) {
      key = `skip ${image.reference} ${image.reason}`;
      entry = { reference: image.reference, status: 'skipped', reason: image.reason };
    } else {
      const parsed = parseImageReference(image.uri);
      key = image.uri;
      entry =
        parsed.digest !== undefined && parsed.tag === undefined
          ? {
              reference: image.reference,
              uri: image.uri,
              status: 'not warmed',
              reason:
                'a reference by digest alone: a first pull by digest has been reported not to fill the cache (aws/containers-roadmap #2837); ' +
                `give its tag as well (${image.reference.split('@')[0]}:<tag>@${parsed.digest}) and it is warmed by the tag, its digest checked`,
            }
          : { reference: image.reference, uri: image.uri };
    }
    const existing = entries.get(key);
    if (existing) existing.sources.push(image.source);
    else entries.set(key, { ...entry, sources: [image.source] });
  }

  // Progress on a terminal: images done, bytes read.
  let pending = 0;
  const terminal = io.progress.isTTY === true;
  let shown = false;
  let done = 0;
  let bytes = 0;
  let lastDrawn = 0;
  const drawProgress = (force = false) => {
    if (!terminal || (!force && performance.now() - lastDrawn < 100)) return;
    lastDrawn = performance.now();
    io.progress.write(`\r\x1b[2Kwarming: ${done} of ${pending} images, ${byteSize(bytes)}`);
    shown = true;
  };
  const clearProgress = () => {
    if (shown) io.progress.write('\r\x1b[2K');
    shown = false;
  };

  const results: WarmedImage[] = [];
  const report = (image: WarmedImage) => {
    results.push(image);
    if (!options.json) {
      clearProgress();
      io.out(imageLine(image));
    }
  };
  const toWarm = [...entries.values()].filter((entry) => entry.status === undefined) as { reference: string; uri: string; sources: string[] }[];
  pending = toWarm.length;
  for (const entry of entries.values()) if (entry.status !== undefined) report(entry as WarmedImage);

  let registry = registryUrl;
  if (toWarm.length > 0) {
    const endpoint = ecrEndpoint(options.endpoint);
    const client = ecrClientForManyCalls(cache.region, endpoint);
    try {
      let authorization: string;
      try {
        // The token opens every registry of its region that the caller may pull from (API reference, GetAuthorizationToken).
        const token = await client.send(new GetAuthorizationTokenCommand({}));
        const data = token.authorizationData?.[0]?.authorizationToken;
        if (!data) throw new CliError(`ECR in ${cache.region} answered GetAuthorizationToken with no token`);
        authorization = `Basic ${data}`;
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw new CliError(describeFatal(error, 'ECR', cache.region, endpoint));
      }
      drawProgress(true);
      await eachLimited(toWarm, concurrency, async (entry) => {
        const image = await warmOne(entry, { client, account: cache.account, endpoint, region: cache.region, authorization, registryUrl, platforms, onBytes: (count) => {
          bytes += count;
          drawProgress();
        } });
        registry ??= image.registry;
        done += 1;
        report(image.result);
        drawProgress(true);
      });
    } finally {
      client.destroy();
      clearProgress();
    }
  }

  const count = (status: WarmStatus) => results.filter((image) => image.status === status).length;
  const seconds = (performance.now() - started) / 1000;
  const summary = {
    cached: count('cached'),
    alreadyCached: count('already cached'),
    failed: count('failed'),
    skipped: count('skipped'),
    notWarmed: count('not warmed'),
    bytes: results.reduce((sum, image) => sum + (image.bytes ?? 0), 0),
    seconds: Math.round(seconds * 10) / 10,
  };
  if (options.json) {
    const result: WarmReport = { environment: environment.name, cache: cache.name, registry: registry ?? '', images: results, summary };
    io.out(JSON.stringify(result));
  } else if (results.length === 0) {
    io.out('no images found');
  } else {
    io.out(
      `${summary.cached} cached, ${summary.alreadyCached} already cached, ${summary.failed} failed, ${summary.skipped} skipped, ${summary.notWarmed} not warmed` +
        ` (cache of ${cache.name}, ${cache.account} ${cache.region}); ${byteSize(summary.bytes)} in ${seconds.toFixed(1)} s`,
    );
  }
  return summary.failed > 0 ? 1 : 0;
}

interface WarmContext {
  readonly client: ECRClient;
  readonly account: string;
  readonly region: string;
  readonly endpoint: Endpoint;
  readonly authorization: string;
  readonly registryUrl?: string;
  readonly platforms?: readonly string[];
  readonly onBytes: (bytes: number) => void;
}

/** Warms one image by its tag: already cached, or pulled and then found in the cache; failed with the reason otherwise. */
async function warmOne(entry: { reference: string; uri: string; sources: string[] }, context: WarmContext): Promise<{ result: WarmedImage; registry: string }> {
  const parsed = parseImageReference(entry.uri);
  const registry = context.registryUrl ?? `https://${parsed.domain}`;
  // A reference without a tag or digest is pulled as `latest`, as the kubelet pulls it.
  const tag = parsed.tag ?? 'latest';
  const started = performance.now();
  const base = { reference: entry.reference, uri: entry.uri, sources: entry.sources };
  const elapsed = () => Math.round((performance.now() - started) / 100) / 10;
  const failed = (reason: string, extra: Partial<WarmedImage> = {}) => ({ result: { ...base, status: 'failed' as const, reason, seconds: elapsed(), ...extra }, registry });
  const ecr = async <T>(call: () => Promise<T>): Promise<T | { error: string }> => {
    try {
      return await call();
    } catch (error) {
      return { error: describeFatal(error, 'ECR', context.region, context.endpoint) };
    }
  };
  const isError = (value: unknown): value is { error: string } => typeof value === 'object' && value !== null && 'error' in value;

  // What the cache holds already; when DescribeImages is refused (a consumer's principal on the hub's repositories,
  // which the creation template's policy does not grant), the image is pulled all the same and the check after it fails
  // with the reason.
  const before = await ecr(() => cachedDigest(context.client, context.account, parsed.path, tag));
  if (!isError(before) && before !== undefined && (parsed.digest === undefined || parsed.digest === before)) {
    return { result: { ...base, status: 'already cached', digest: before, seconds: elapsed() }, registry };
  }

  let pulled;
  const puller = new RegistryPull({ registry, authorization: context.authorization, ...(context.platforms ? { platforms: context.platforms } : {}), onBytes: context.onBytes });
  try {
    pulled = await puller.pull(parsed.path, tag);
  } catch (error) {
    return failed(`${registry}: ${(error as Error).message}`, { bytes: puller.bytes, retries: puller.retries });
  }
  const facts = { digest: pulled.digest, platforms: pulled.platforms, bytes: pulled.bytes, retries: pulled.retries };
  if (parsed.digest !== undefined && parsed.digest !== pulled.digest) {
    return failed(
      `the cache's tag ${tag} names ${pulled.digest}, not the digest the reference pins (${parsed.digest}), which is not cached: ` +
        'the upstream moved the tag, or the cache has not seen it move yet (a mutable tag refreshes at most every 24 hours, containers-roadmap #2254)',
      facts,
    );
  }

  for (let attempt = 1; ; attempt++) {
    const after = await ecr(() => cachedDigest(context.client, context.account, parsed.path, tag));
    if (isError(after)) return failed(`pulled, but DescribeImages: ${after.error}`, facts);
    if (after === pulled.digest) return { result: { ...base, status: 'cached', ...facts, seconds: elapsed() }, registry };
    if (after !== undefined) return failed(`pulled ${pulled.digest}, but the cache holds ${after} for ${tag}`, facts);
    if (attempt >= CONFIRM_ATTEMPTS) {
      return failed(`pulled, but DescribeImages does not show ${parsed.path}:${tag} in ${context.account} ${context.region}: the pull did not go through the cache's rule`, facts);
    }
    await sleep(Math.min(CONFIRM_FIRST_WAIT_MS * 2 ** (attempt - 1), CONFIRM_MAX_WAIT_MS));
  }
}
