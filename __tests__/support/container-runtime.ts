/**
 * A real container runtime on this machine for tests: Debian's distribution registry (`docker-registry`) on loopback
 * with basic authentication, and a containerd of the test's own (root, state and sockets in a temporary folder),
 * spoken to with `ctr` and over its CRI socket (gRPC) as the kubelet does. Every process is started with its id kept,
 * and stopped by it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import bcrypt from 'bcryptjs';

export const RUNTIME_TOOLS = ['containerd', 'ctr', 'docker-registry', 'skopeo'] as const;

/** Why the runtime cannot run here, or undefined when it can. */
export function runtimeUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'containerd needs root';
  const missing = RUNTIME_TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  return missing.length > 0 ? `${missing.join(', ')} not installed (apt-get install -y --no-install-recommends containerd docker-registry skopeo)` : undefined;
}

/** The processes a test started, by id: stopped when it ends, whatever happened. */
const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of started) if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
});

function start(command: string, args: readonly string[], log: string): ChildProcess {
  const out = openSync(log, 'a');
  const child = spawn(command, args, { stdio: ['ignore', out, out] });
  closeSync(out);
  started.add(child);
  child.on('exit', () => started.delete(child));
  return child;
}

/** Stops a process by its id and waits for it to be gone. */
export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, ready: () => Promise<boolean> | boolean, child: ChildProcess, log: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}):\n${readFileSync(log, 'utf8')}`);
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not start:\n${readFileSync(log, 'utf8')}`);
}

const httpStatus = (url: string) =>
  new Promise<number | undefined>((resolve) => {
    request(url, (response) => {
      response.resume();
      resolve(response.statusCode);
    })
      .on('error', () => resolve(undefined))
      .end();
  });

export interface Registry {
  readonly address: string;
  readonly user: string;
  readonly password: string;
  /** What it logged: its access log has every request and its status. */
  readonly log: () => string;
  stop(): Promise<void>;
}

/** `dir/registry.yml` for distribution: on `address`, storage in `dir`, with the access log, and `settings` after. */
function writeRegistryConfig(dir: string, address: string, settings: readonly string[]): void {
  writeFileSync(
    join(dir, 'registry.yml'),
    [
      'version: 0.1',
      'log: { level: info, accesslog: { disabled: false } }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'storage')} } }`,
      `http: { addr: "${address}", secret: test-only }`,
      ...settings,
      '',
    ].join('\n'),
  );
}

/** A distribution registry on 127.0.0.1 with basic authentication (htpasswd, bcrypt) and storage in `dir`. */
export async function startRegistry(dir: string, user: string, password: string): Promise<Registry> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  // distribution reads bcrypt hashes in the $2y$ form.
  writeFileSync(join(dir, 'htpasswd'), `${user}:${bcrypt.hashSync(password, 8).replace(/^\$2[ab]\$/, '$2y$')}\n`);
  writeRegistryConfig(dir, address, [`auth: { htpasswd: { realm: cache, path: ${join(dir, 'htpasswd')} } }`]);
  const log = join(dir, 'registry.log');
  const child = start('docker-registry', ['serve', join(dir, 'registry.yml')], log);
  await waitFor('the registry', async () => (await httpStatus(`http://${address}/v2/`)) === 401, child, log);
  return { address, user, password, log: () => readFileSync(log, 'utf8'), stop: () => stop(child) };
}

export interface PlainRegistry {
  readonly address: string;
  readonly log: () => string;
  stop(): Promise<void>;
}

/**
 * A distribution registry on 127.0.0.1 without authentication, storage in `dir`: an upstream, or, with `proxyOf`, a
 * pull-through cache of that registry (distribution's proxy mode: what it serves it fetches from the remote once and
 * keeps). `notify` receives its notifications (distribution's events, one per manifest or blob served or pushed).
 */
export async function startPlainRegistry(dir: string, options: { readonly proxyOf?: string; readonly notify?: string } = {}): Promise<PlainRegistry> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  writeRegistryConfig(dir, address, [
    ...(options.proxyOf ? [`proxy: { remoteurl: "${options.proxyOf}" }`] : []),
    ...(options.notify ? ['notifications:', '  endpoints:', `    - { name: test, url: "${options.notify}", timeout: 2s, threshold: 5, backoff: 200ms }`] : []),
  ]);
  const log = join(dir, 'registry.log');
  const child = start('docker-registry', ['serve', join(dir, 'registry.yml')], log);
  await waitFor('the registry', async () => (await httpStatus(`http://${address}/v2/`)) === 200, child, log);
  return { address, log: () => readFileSync(log, 'utf8'), stop: () => stop(child) };
}

/** Copies an OCI layout's `tag`, every platform of it, to a registry without authentication, as `path:tag`. */
export function pushAll(address: string, layout: string, tag: string, path: string): void {
  const result = spawnSync('skopeo', ['copy', '--all', '--quiet', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${address}/${path}:${tag}`], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`skopeo copy to ${path}:${tag} failed:\n${result.stderr}`);
}

/** Pushes an OCI layout to the registry with skopeo, as `path:tag`. */
export function push(registry: Registry, layout: string, tag: string, path: string): void {
  const result = spawnSync(
    'skopeo',
    ['copy', '--quiet', '--dest-tls-verify=false', '--dest-creds', `${registry.user}:${registry.password}`, `oci:${layout}:${tag}`, `docker://${registry.address}/${path}:${tag}`],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`skopeo copy to ${path}:${tag} failed:\n${result.stderr}`);
}

export interface AuthConfig {
  readonly username?: string;
  readonly password?: string;
  readonly server_address?: string;
}

export interface Containerd {
  readonly socket: string;
  /** What containerd logged, at debug level: it names every host it resolves an image at. */
  readonly log: () => string;
  /**
   * `ctr images pull` of a reference, with the hosts folder and credentials given; returns its exit status and output,
   * at debug level: it names every host it tries. With `platform`, that platform's image of an index (ctr --platform).
   */
  ctrPull(reference: string, hostsDir: string, user: string, platform?: string): { status: number | null; output: string };
  /** The CRI's ImageService.PullImage, as the kubelet calls it; rejects with containerd's error. */
  criPull(reference: string, auth?: AuthConfig): Promise<string>;
  /** Forgets an image and its content, so the next pull fetches it again. */
  forget(reference: string): void;
  stop(): Promise<void>;
}

/**
 * containerd with everything of its own under `dir`: root, state, gRPC, ttrpc and debug sockets, the native
 * snapshotter (no kernel overlay needed), the CRI plugin with its registry hosts in `hostsDir` (what EKS nodes have
 * as /etc/containerd/certs.d).
 */
export async function startContainerd(dir: string, hostsDir: string): Promise<Containerd> {
  const socket = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    `version = 2
root = "${join(dir, 'root')}"
state = "${join(dir, 'state')}"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.overlayfs"]

[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[debug]
  address = "${join(dir, 'debug.sock')}"
  level = "debug"
[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  disable_tcp_service = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${join(dir, 'cni-bin')}"
    conf_dir = "${join(dir, 'cni-conf')}"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "${hostsDir}"
`,
  );
  const log = join(dir, 'containerd.log');
  const child = start('containerd', ['--config', config], log);
  await waitFor('containerd', () => existsSync(socket) && spawnSync('ctr', ['-a', socket, 'version']).status === 0, child, log);

  const definition = loadSync(join(__dirname, 'cri-image.proto'), { keepCase: true, defaults: true });
  const runtime = (grpc.loadPackageDefinition(definition).runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
  const ImageService = runtime.ImageService as grpc.ServiceClientConstructor;
  const client = new ImageService(`unix://${socket}`, grpc.credentials.createInsecure());
  const call = <T>(method: string, body: object) =>
    new Promise<T>((resolve, reject) => {
      (client[method] as (body: object, options: object, callback: (error: grpc.ServiceError | null, response: T) => void) => void)(
        body,
        { deadline: new Date(Date.now() + 60_000) },
        (error, response) => (error ? reject(new Error(error.details)) : resolve(response)),
      );
    });
  const ctr = (args: readonly string[]) => spawnSync('ctr', ['-a', socket, ...args], { encoding: 'utf8' });

  return {
    socket,
    log: () => readFileSync(log, 'utf8'),
    ctrPull: (reference, hostsDir, user, platform) => {
      const result = ctr(['--debug', 'images', 'pull', '--snapshotter', 'native', '--hosts-dir', hostsDir, '--user', user, ...(platform ? ['--platform', platform] : []), reference]);
      return { status: result.status, output: result.stdout + result.stderr };
    },
    criPull: async (reference, auth) =>
      (await call<{ image_ref: string }>('PullImage', { image: { image: reference }, ...(auth ? { auth } : {}) })).image_ref,
    forget: (reference) => {
      for (const namespace of ['default', 'k8s.io']) {
        const image = ctr(['-n', namespace, 'images', 'ls', '-q']).stdout.split('\n').filter((name) => name.startsWith(reference.split(':')[0]));
        if (image.length > 0) ctr(['-n', namespace, 'images', 'rm', '--sync', ...image]);
        const content = ctr(['-n', namespace, 'content', 'ls', '-q']).stdout.split('\n').filter(Boolean);
        if (content.length > 0) ctr(['-n', namespace, 'content', 'rm', ...content]);
      }
    },
    stop: async () => {
      client.close();
      await stop(child);
    },
  };
}
