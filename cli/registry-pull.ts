/**
 * A pull through the registry API (the OCI distribution specification, "Pulling manifests" and "Pulling blobs"), as a
 * container runtime makes it, with nothing stored: the manifest by tag, for an index each platform's manifest, then
 * each manifest's config and layers, read to the end and checked against their digests.
 *
 * Amazon ECR's registry API takes the authorization token of GetAuthorizationToken as basic authentication (user guide,
 * "Private registry authentication": `Authorization: Basic <token>`). ECR may answer a blob with a redirect to a
 * presigned S3 address; Node's fetch follows it and, the origin being another, drops the Authorization header (the
 * Fetch standard, HTTP-redirect fetch), as the presigned address needs.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a pull asks for, in this order of preference: the index or list first, so that every platform is seen. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/** A failure the registry answered, with its own reason (the distribution spec's error codes) when it gave one. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface PullOptions {
  /** The registry's base URL (`https://<account>.dkr.ecr.<region>.amazonaws.com`, or a stand-in's). */
  readonly registry: string;
  /** The value of the Authorization header, if any. */
  readonly authorization?: string;
  /** `os/architecture[/variant]` of the platforms to pull from an index; all of them when left out. */
  readonly platforms?: readonly string[];
  /** Called with the bytes of each piece as it arrives, for progress. */
  readonly onBytes?: (bytes: number) => void;
  /** Attempts of a request answered 429 or 5xx, or cut off, before it fails. @default 5 */
  readonly attempts?: number;
  /** The first wait before another attempt, doubled each time (with jitter), unless the registry says Retry-After. @default 500 */
  readonly backoffMs?: number;
  /**
   * How long a request may wait for its answer, or for the next bytes of it, before it is cut and made again: a
   * stalled connection would otherwise hold a worker for Node's own limits (5 minutes for headers, 5 for the body).
   * @default 60000
   */
  readonly stallMs?: number;
}

export interface PullResult {
  /** The digest of the manifest the tag names (`Docker-Content-Digest`, else the digest of its bytes). */
  readonly digest: string;
  readonly mediaType: string;
  /** The platforms pulled: those of the index, or the image's own. */
  readonly platforms: readonly string[];
  /** Bytes read: manifests, configs and layers. */
  readonly bytes: number;
  /** Requests answered 429 or 5xx (or cut off) and made again. */
  readonly retries: number;
}

interface Descriptor {
  readonly mediaType?: string;
  readonly digest: string;
  readonly size?: number;
  readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string };
}

const platformName = (platform: Descriptor['platform']) =>
  [platform?.os ?? 'unknown', platform?.architecture ?? 'unknown', ...(platform?.variant ? [platform.variant] : [])].join('/');

/** A platform from the list matches an index's when os and architecture agree, and the variant when the list gives one. */
function platformMatches(wanted: string, platform: Descriptor['platform']): boolean {
  const [os, architecture, variant] = wanted.split('/');
  return platform?.os === os && platform.architecture === architecture && (variant === undefined || platform.variant === variant);
}


/** The distribution spec's error body (`{"errors":[{"code","message"}]}`), or the start of whatever else it was. */
async function reasonOf(response: Response): Promise<string> {
  const body = await response.text().catch(() => '');
  try {
    const errors = (JSON.parse(body) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
    if (errors.length > 0) return errors.map((error) => [error.code, error.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    // Not JSON: a proxy's page, or nothing.
  }
  const text = body.trim().slice(0, 200);
  return `HTTP ${response.status} ${response.statusText}${text ? `: ${text}` : ''}`;
}

export class RegistryPull {
  /** Bytes read so far, and requests made again: what a pull that failed had done. */
  bytes = 0;
  retries = 0;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly stallMs: number;

  constructor(private readonly options: PullOptions) {
    this.attempts = options.attempts ?? 5;
    this.backoffMs = options.backoffMs ?? 500;
    this.stallMs = options.stallMs ?? 60_000;
  }

  /** Pulls `repository:tag` as a runtime does, every platform of an index or those asked for. */
  async pull(repository: string, tag: string): Promise<PullResult> {
    const top = await this.manifest(repository, tag);
    if (!INDEX_TYPES.has(top.mediaType)) {
      const platform = await this.image(repository, top.body);
      return { digest: top.digest, mediaType: top.mediaType, platforms: [platform], bytes: this.bytes, retries: this.retries };
    }
    const manifests = ((top.body as { manifests?: Descriptor[] }).manifests ?? []).filter((manifest) => !INDEX_TYPES.has(manifest.mediaType ?? ''));
    // An index's attestations (BuildKit's, platform unknown/unknown) are not images a runtime pulls.
    const images = manifests.filter((manifest) => manifest.platform?.os !== 'unknown');
    const wanted = this.options.platforms;
    const chosen = wanted === undefined ? images : images.filter((manifest) => wanted.some((platform) => platformMatches(platform, manifest.platform)));
    const missing = (wanted ?? []).filter((platform) => !images.some((manifest) => platformMatches(platform, manifest.platform)));
    if (missing.length > 0) {
      throw new RegistryError(`the index has no ${missing.join(', ')} (it has ${images.map((manifest) => platformName(manifest.platform)).join(', ') || 'no platform'})`);
    }
    for (const manifest of chosen) {
      const child = await this.manifest(repository, manifest.digest);
      if (child.digest !== manifest.digest) throw new RegistryError(`the registry answered ${child.digest} for ${manifest.digest}`);
      await this.image(repository, child.body);
    }
    return { digest: top.digest, mediaType: top.mediaType, platforms: chosen.map((manifest) => platformName(manifest.platform)), bytes: this.bytes, retries: this.retries };
  }

  /** An image manifest's config and layers; returns its platform, as its config says. */
  private async image(repository: string, manifest: unknown): Promise<string> {
    const { config, layers = [] } = manifest as { config?: Descriptor; layers?: Descriptor[] };
    if (!config) throw new RegistryError('the manifest has no config: not an image manifest this pull knows');
    const configBytes = await this.blob(repository, config, true);
    for (const layer of layers) await this.blob(repository, layer, false);
    try {
      return platformName(JSON.parse(configBytes.toString('utf8')) as Descriptor['platform']);
    } catch {
      return 'unknown';
    }
  }

  private async manifest(repository: string, reference: string): Promise<{ digest: string; mediaType: string; body: unknown }> {
    const { response, data } = await this.request(`manifest ${reference}`, `/v2/${repository}/manifests/${reference}`, { accept: MANIFEST_ACCEPT }, async (answer) => ({
      response: answer,
      data: Buffer.from(await answer.arrayBuffer()),
    }));
    this.count(data.length);
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    const said = response.headers.get('docker-content-digest');
    if (said !== null && said !== digest) throw new RegistryError(`manifest ${reference}: the registry says its digest is ${said}, its bytes are ${digest}`);
    if (reference.startsWith('sha256:') && reference !== digest) throw new RegistryError(`manifest ${reference}: the bytes answered are ${digest}`);
    let body: unknown;
    try {
      body = JSON.parse(data.toString('utf8'));
    } catch {
      throw new RegistryError(`manifest ${reference} is not JSON`);
    }
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim() || ((body as { mediaType?: string }).mediaType ?? '');
    return { digest, mediaType, body };
  }

  /** Reads a blob to its end, checking its digest; a config is kept (small, and read for the platform), a layer is not. */
  private async blob(repository: string, descriptor: Descriptor, keep: boolean): Promise<Buffer> {
    const [algorithm, expected] = descriptor.digest.split(':');
    if (algorithm !== 'sha256') throw new RegistryError(`blob ${descriptor.digest}: only sha256 digests are checked`);
    // Read within the request's attempts: a connection cut while a layer streams is made again from its start.
    return this.request(`blob ${descriptor.digest}`, `/v2/${repository}/blobs/${descriptor.digest}`, {}, async (response, alive) => {
      const hash = createHash('sha256');
      const kept: Buffer[] = [];
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        alive();
        hash.update(chunk);
        this.count(chunk.length);
        if (keep) kept.push(Buffer.from(chunk));
      }
      const actual = hash.digest('hex');
      if (actual !== expected) throw new RegistryError(`blob ${descriptor.digest}: the bytes read are sha256:${actual}`);
      return Buffer.concat(kept);
    });
  }

  private count(bytes: number): void {
    this.bytes += bytes;
    this.options.onBytes?.(bytes);
  }

  /**
   * A GET, and `read` of its answer, made again with exponential backoff and jitter when the registry answers 429
   * (throttled; ECR's registry API answers pulls over its rate so) or 5xx, or the connection fails or is cut while the
   * answer is read; Retry-After, when given, sets the wait. `what` names the manifest or blob in a failure.
   */
  private async request<T>(what: string, path: string, headers: Record<string, string>, read: (response: Response, alive: () => void) => Promise<T>): Promise<T> {
    const url = `${this.options.registry.replace(/\/+$/, '')}${path}`;
    for (let attempt = 1; ; attempt++) {
      let response: Response | undefined;
      let failure: string;
      // Cut when nothing arrives for stallMs: before the answer, and between its chunks (`alive` restarts the clock).
      const stall = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const alive = () => {
        clearTimeout(timer);
        timer = setTimeout(() => stall.abort(new Error(`nothing arrived for ${this.stallMs / 1000} s`)), this.stallMs);
      };
      alive();
      try {
        response = await fetch(url, {
          headers: { ...headers, ...(this.options.authorization ? { authorization: this.options.authorization } : {}) },
          redirect: 'follow',
          signal: stall.signal,
        });
        alive();
        if (response.ok) return await read(response, alive);
        failure = await reasonOf(response);
        if (response.status !== 429 && response.status < 500) throw new RegistryError(failure, response.status);
      } catch (error) {
        if (error instanceof RegistryError) throw error;
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason = cause?.code ?? cause?.message ?? (error as Error).message;
        failure = response?.ok ? `${what}: the connection to ${new URL(url).host} was cut while reading it (${reason})` : `cannot reach ${new URL(url).host}: ${reason}`;
      } finally {
        clearTimeout(timer);
      }
      if (attempt >= this.attempts) throw new RegistryError(`${failure} (after ${attempt} attempts)`, response?.status);
      this.retries += 1;
      const retryAfter = Number(response?.headers.get('retry-after'));
      const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : this.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      await sleep(Math.min(wait, 30_000));
    }
  }
}
