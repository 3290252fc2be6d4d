/**
 * Registry mirrors on the nodes, proven with the real container runtime: Debian's containerd pulls upstream image
 * names through the configuration `node-config` generates, from a distribution registry on loopback that stands in
 * for the cache (basic authentication as user AWS, as ECR's tokens are; images under the cache's paths).
 * - `ctr images pull` by upstream names succeeds, and the registry sees the cache paths;
 * - containerd's CRI ImageService.PullImage, called as the kubelet calls it with the credentials of the
 *   ecr-credential-provider (username and password, server_address left empty), authenticates at the mirror;
 * - with --no-fallback (the default) and the cache down, containerd tries nothing else; with --fallback it tries the
 *   upstream next.
 * Only the cache's address is replaced in the generated files: `https://<account>.dkr.ecr...` by the loopback registry.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Containerd, type Registry, push, runtimeUnavailable, startContainerd, startRegistry } from './support/container-runtime';
import { writeOciImage } from './support/oci-image';
import { ecrCache } from './support/processes';
import { skipLoudly } from './support/skip-loudly';

/** The cache of the fixtures' dev environment, as the generated files name it. */
const CACHE = 'https://111111111111.dkr.ecr.eu-west-2.amazonaws.com';
const USER = 'AWS';
const PASSWORD = 'eyJwYXlsb2FkIjoibm9kZS1taXJyb3JzLXRlc3QifQ';
const TAG = '1.0';

/** Each upstream name, and where the cache keeps it (dev's rules: docker-hub, github, k8s, quay). */
const IMAGES = [
  { upstream: `docker.io/library/nginx:${TAG}`, cachePath: 'docker-hub/library/nginx' },
  { upstream: `docker.io/acme/tool:${TAG}`, cachePath: 'docker-hub/acme/tool' },
  { upstream: `quay.io/acme/app:${TAG}`, cachePath: 'quay/acme/app' },
  { upstream: `ghcr.io/acme/web:${TAG}`, cachePath: 'github/acme/web' },
  { upstream: `registry.k8s.io/pause:${TAG}`, cachePath: 'k8s/pause' },
] as const;

const skip = skipLoudly('the registry mirror tests with the real container runtime', runtimeUnavailable());
const work = mkdtempSync(join(tmpdir(), 'ecr-cache-node-mirrors-'));
/** The generated configuration, with --fallback and with --no-fallback, pointed at the loopback registry. */
const hostsDirs = { fallback: join(work, 'fallback', 'certs.d'), mirrorOnly: join(work, 'mirror-only', 'certs.d') };
/** What containerd's CRI reads, as /etc/containerd/certs.d on a node: one of the above, copied in by a test. */
const criHostsDir = join(work, 'cri-certs.d');
let registry: Registry | undefined;
let containerd: Containerd | undefined;

/** Generates the containerd files for the fixtures' dev environment and replaces the cache's address only. */
function generate(folder: string, args: readonly string[], registryAddress: string): void {
  const run = ecrCache(['node-config', '--env', 'dev', '--format', 'containerd', '--out', folder, ...args]);
  if (run.status !== 0) throw new Error(`node-config failed:\n${run.stderr}`);
  const certs = join(folder, 'certs.d');
  for (const host of readdirSync(certs)) {
    const file = join(certs, host, 'hosts.toml');
    const generated = readFileSync(file, 'utf8');
    if (!generated.includes(CACHE)) throw new Error(`${file} does not name the cache ${CACHE}:\n${generated}`);
    writeFileSync(file, generated.replaceAll(CACHE, `http://${registryAddress}`));
  }
}

/** Points containerd's CRI at one of the generated configurations (containerd reads it at every pull). */
function useForCri(hostsDir: string): void {
  rmSync(criHostsDir, { recursive: true, force: true });
  cpSync(hostsDir, criHostsDir, { recursive: true });
}

/** What a log gains from now on. */
function since(read: () => string): () => string {
  const before = read().length;
  return () => read().slice(before);
}

beforeAll(async () => {
  if (skip) return;
  mkdirSync(join(work, 'registry'));
  registry = await startRegistry(join(work, 'registry'), USER, PASSWORD);
  for (const [index, image] of IMAGES.entries()) {
    const layout = join(work, 'images', String(index));
    writeOciImage(layout, TAG, `${image.upstream} from the cache`);
    push(registry, layout, TAG, image.cachePath);
  }
  generate(join(work, 'fallback'), ['--fallback'], registry.address);
  generate(join(work, 'mirror-only'), ['--no-fallback'], registry.address);
  useForCri(hostsDirs.mirrorOnly);
  mkdirSync(join(work, 'containerd'));
  containerd = await startContainerd(join(work, 'containerd'), criHostsDir);
});

afterAll(async () => {
  await containerd?.stop();
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(skip)('node-config --format containerd, with the real containerd and a registry standing in for the cache', () => {
  it.each(IMAGES)('pulls $upstream by its upstream name from the cache path $cachePath', ({ upstream, cachePath }) => {
    const seen = since(registry!.log);
    const pull = containerd!.ctrPull(upstream, hostsDirs.mirrorOnly, `${USER}:${PASSWORD}`);
    expect(pull.status, pull.output).toBe(0);
    expect(pull.output).not.toMatch(/trying next host/);
    // The access log of a registry that admits no one without credentials: 200 is an authenticated pull.
    expect(seen()).toContain(`"HEAD /v2/${cachePath}/manifests/${TAG}?ns=${upstream.split('/')[0]} HTTP/1.1" 200`);
    containerd!.forget(upstream);
  });

  it('authenticates a CRI pull with the credentials the kubelet sends: username and password, server_address empty', async () => {
    useForCri(hostsDirs.mirrorOnly);
    // The kubelet's request once the credential provider has answered for docker.io: it fills username and password
    // only (kubernetes pkg/credentialprovider/keyring.go, pkg/kubelet/kuberuntime/kuberuntime_image.go).
    const auth = { username: USER, password: PASSWORD, server_address: '' };
    const seen = since(registry!.log);
    expect(await containerd!.criPull(`nginx:${TAG}`, auth)).toMatch(/^sha256:/);
    expect(seen()).toContain(`"HEAD /v2/docker-hub/library/nginx/manifests/${TAG}?ns=docker.io HTTP/1.1" 200`);
    containerd!.forget('docker.io/library/nginx');
  });

  it('is refused by the cache without credentials, or with credentials addressed to the upstream host', async () => {
    useForCri(hostsDirs.mirrorOnly);
    await expect(containerd!.criPull(`nginx:${TAG}`)).rejects.toThrow(/401 Unauthorized|authorization failed|failed to authorize/i);
    // containerd gives credentials with a server_address only to the host it names (CRI ParseAuth): never to a mirror.
    for (const serverAddress of ['docker.io', 'https://registry-1.docker.io', 'https://index.docker.io/v1/']) {
      await expect(containerd!.criPull(`nginx:${TAG}`, { username: USER, password: PASSWORD, server_address: serverAddress })).rejects.toThrow(
        /401 Unauthorized|authorization failed|failed to authorize/i,
      );
    }
  });

  describe('with the cache down', () => {
    beforeAll(async () => {
      if (!skip) await registry!.stop();
    });

    /** A ctr pull, and the hosts it tried: ctr resolves them itself (1.6, 1.7) or containerd does (2.x, transfer service). */
    const tried = (hostsDir: string) => {
      const daemon = since(containerd!.log);
      const pull = containerd!.ctrPull(`docker.io/library/nginx:${TAG}`, hostsDir, `${USER}:${PASSWORD}`);
      return { status: pull.status, hosts: `${pull.output}\n${daemon()}` };
    };

    it('with --no-fallback, tries the cache only and fails', () => {
      const pull = tried(hostsDirs.mirrorOnly);
      expect(pull.status).not.toBe(0);
      expect(pull.hosts).toContain(`host="${registry!.address}"`);
      expect(pull.hosts).not.toMatch(/registry-1\.docker\.io/);
    });

    it('with --fallback, tries the upstream registry next', () => {
      const pull = tried(hostsDirs.fallback);
      expect(pull.hosts).toContain(`host="${registry!.address}"`);
      expect(pull.hosts).toMatch(/host="?registry-1\.docker\.io/);
    });

    it('the CRI the kubelet uses also tries the cache only with --no-fallback', async () => {
      useForCri(hostsDirs.mirrorOnly);
      const logged = since(containerd!.log);
      await expect(containerd!.criPull(`nginx:${TAG}`, { username: USER, password: PASSWORD, server_address: '' })).rejects.toThrow(/connection refused/);
      expect(logged()).toContain(`host="${registry!.address}"`);
      expect(logged()).not.toMatch(/registry-1\.docker\.io/);
    });
  });
});
