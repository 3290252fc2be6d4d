#!/usr/bin/env node
// @ts-check
/**
 * The app and the CLI run from a prebuilt esbuild bundle, never from stale code.
 *
 * Loading TypeScript through tsx at run time cost more than synthesis itself; a bundle loads in a fraction of that
 * (npm run bench measures both against the floor, `node -e "require('cdktf')"`). Every run first checks the bundle
 * against its inputs: each source file it was built from (size and modification time, and its SHA-256 when only the
 * time differs, as after a fresh checkout), package-lock.json (the dependencies) and tsconfig.json. Any difference
 * rebuilds it (about a second), so an edited source file is picked up by the next command with no build step.
 *
 * Each entry is one CommonJS file, run with V8's code cache: the first run of a build saves the code V8 compiled
 * (.build/<id>/<entry>.<node version>[-<flags>].cache), and later runs skip parsing and compiling it, most of what loading
 * cdktf costs (Node 22's module.enableCompileCache does the same; this works on Node 20 too).
 *
 * Layout: .build/current.json names the build in use and its inputs; each build is a folder of its own,
 * .build/<id>/{main,cli}.cjs, never changed once written but for its code caches, so a command that is running keeps
 * its code while another rebuilds. The newest few builds are kept.
 *
 *   node scripts/bundle.cjs main [args]   run main.ts (what `npm run synth`, `cdktf synth` and `cdktf deploy` run)
 *   node scripts/bundle.cjs --build       build now if stale (CI, before the tests)
 * bin/ecr-cache runs the CLI the same way.
 *
 * Needs only Node.js while the bundle is current; esbuild (a devDependency) only to rebuild. The bundle holds its
 * dependencies, so a pipeline job can run it without node_modules.
 */
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { join, relative, resolve, sep } = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

const ROOT = resolve(__dirname, '..');
const BUILD = join(ROOT, '.build');
const CURRENT = join(BUILD, 'current.json');
/** Changes whenever the way bundles are built changes: older bundles are then stale. */
const FORMAT = 1;
const ENTRIES = { main: 'main.ts', cli: 'cli/main.ts' };
/** Not from node_modules, yet read by esbuild or deciding what it reads: they decide the bundle too. */
const ALWAYS = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/bundle.cjs', 'scripts/bundle/stable-stringify.cjs'];
/**
 * What npm installed (it rewrites this file at every install): checked where node_modules is, and skipped where it is
 * not, as in a pipeline job that runs the bundle from an artifact.
 */
const INSTALLED = 'node_modules/.package-lock.json';
const KEEP_BUILDS = 3;

/** @typedef {{ size: number, mtimeMs: number, sha256: string }} InputState */
/** @typedef {{ format: number, id: string, inputs: Record<string, InputState> }} Current */

/** @param {string} file */
const sha256 = (file) => createHash('sha256').update(readFileSync(join(ROOT, file))).digest('hex');

/** @param {string} file @returns {InputState} */
function stateOf(file) {
  const stat = statSync(join(ROOT, file));
  return { size: stat.size, mtimeMs: stat.mtimeMs, sha256: sha256(file) };
}

/** @returns {Current | undefined} */
function readCurrent() {
  try {
    return JSON.parse(readFileSync(CURRENT, 'utf8'));
  } catch {
    return undefined;
  }
}

/** @param {Current} current */
function writeCurrent(current) {
  const partial = `${CURRENT}.${process.pid}`;
  writeFileSync(partial, `${JSON.stringify(current, null, 1)}\n`);
  renameSync(partial, CURRENT);
}

/**
 * The build in use when every input is as it was built from. Files whose time changed but not their content (a fresh
 * checkout) get their new times recorded, so the next run need not hash them again.
 * @returns {Current | undefined}
 */
function currentBuild() {
  const current = readCurrent();
  if (current?.format !== FORMAT || !existsSync(join(BUILD, current.id))) return undefined;
  let retimed = false;
  for (const [file, built] of Object.entries(current.inputs)) {
    let stat;
    try {
      stat = statSync(join(ROOT, file));
    } catch {
      if (file === INSTALLED && !existsSync(join(ROOT, 'node_modules'))) continue;
      return undefined;
    }
    // -1: edited while it was being built from, so the build may hold older text.
    if (stat.size !== built.size || built.mtimeMs === -1) return undefined;
    if (stat.mtimeMs === built.mtimeMs) continue;
    if (sha256(file) !== built.sha256) return undefined;
    current.inputs[file] = { ...built, mtimeMs: stat.mtimeMs };
    retimed = true;
  }
  if (retimed) {
    try {
      writeCurrent(current);
    } catch {
      // A read-only checkout: hashing again next time is all it costs.
    }
  }
  return current;
}

/**
 * Turns off cdktf's stack-trace capture: it walks the whole stack for every token cdktf creates, only for its own error
 * messages. The module's own code stays; its exports are replaced: `captureStackTrace` (cdktf 0.21's callers) and
 * `captureCreationStack` (the fork's, which offers CDKTN_DISABLE_CREATION_STACK for the same purpose).
 */
const noTokenStackTraces = {
  name: 'no-token-stack-traces',
  /** @param {import('esbuild').PluginBuild} build */
  setup(build) {
    build.onLoad({ filter: /[\\/]cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]stack-trace\.js$/ }, (args) => ({
      contents: `${readFileSync(args.path, 'utf8')}
exports.captureStackTrace = () => [];
if ('captureCreationStack' in exports) exports.captureCreationStack = () => [];
`,
      loader: 'js',
    }));
  },
};

/**
 * Gives cdktf a json-stable-stringify that writes the same text without its per-call machinery
 * (scripts/bundle/stable-stringify.cjs): a tenth of synthesis time for 50 environments.
 */
const fastStableStringify = {
  name: 'fast-stable-stringify',
  /** @param {import('esbuild').PluginBuild} build */
  setup(build) {
    build.onResolve({ filter: /^json-stable-stringify$/ }, () => ({ path: join(__dirname, 'bundle', 'stable-stringify.cjs') }));
  },
};

/**
 * Leaves archiver out: cdktf loads it (and a dozen packages under it) at start only to zip TerraformAsset archives,
 * which this app never makes. Called anyway, it says so.
 */
const noArchiver = {
  name: 'no-archiver',
  /** @param {import('esbuild').PluginBuild} build */
  setup(build) {
    build.onResolve({ filter: /^archiver$/ }, () => ({ path: 'archiver', namespace: 'no-archiver' }));
    build.onLoad({ filter: /.*/, namespace: 'no-archiver' }, () => ({
      contents: "module.exports = () => { throw new Error('archiver is left out of this bundle: the app makes no TerraformAsset archives'); };",
      loader: 'js',
    }));
  },
};

/** Builds the bundle into a folder of its own and makes it the current one. @returns {Promise<Current>} */
async function build() {
  /** @type {typeof import('esbuild')} */
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch (error) {
    throw new Error(`the bundle in ${relative(process.cwd(), BUILD) || '.'} is missing or stale, and esbuild is not installed to rebuild it: run npm ci`, {
      cause: error,
    });
  }
  try {
    mkdirSync(BUILD, { recursive: true });
  } catch (error) {
    throw writeError(error);
  }
  // A file edited while esbuild reads it: the build may hold its old text. Build again, at most twice more.
  for (let attempt = 1; ; attempt++) {
    const current = await buildOnce(esbuild);
    const editedDuring = Object.entries(current.inputs).some(([file, state]) => {
      try {
        return statSync(join(ROOT, file)).mtimeMs !== state.mtimeMs;
      } catch {
        return false;
      }
    });
    if (!editedDuring || attempt === 3) return current;
  }
}

/** @param {typeof import('esbuild')} esbuild @returns {Promise<Current>} */
async function buildOnce(esbuild) {
  const staging = join(BUILD, `.staging-${process.pid}-${Date.now()}`);
  const startedAt = Date.now();
  let current;
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: ENTRIES,
      outdir: staging,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      outExtension: { '.js': '.cjs' },
      metafile: true,
      logLevel: 'silent',
      plugins: [noTokenStackTraces, fastStableStringify, noArchiver],
      // config/paths.ts finds the project from import.meta.url: in CommonJS, this file's URL.
      define: { 'import.meta.url': '__bundleUrl' },
      banner: { js: "var __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    });
    const own = Object.keys(result.metafile.inputs).filter((file) => !file.split(/[\\/]/).includes('node_modules') && existsSync(join(ROOT, file)));
    const files = [...new Set([...own, ...ALWAYS, ...(existsSync(join(ROOT, INSTALLED)) ? [INSTALLED] : [])])].sort();
    /** @type {Record<string, InputState>} */
    const inputs = Object.fromEntries(files.map((file) => [file.split(sep).join('/'), stateOf(file)]));
    // A file whose time is after the build started was edited during it: recorded so, it makes the build stale.
    for (const state of Object.values(inputs)) if (state.mtimeMs >= startedAt) state.mtimeMs = -1;
    const id = createHash('sha256').update(JSON.stringify([FORMAT, Object.entries(inputs).map(([file, state]) => [file, state.sha256])])).digest('hex').slice(0, 16);
    if (Object.values(inputs).some((state) => state.mtimeMs === -1)) {
      // Not trusted under an id that names its inputs' content: a build of its own, never reused.
      renameSync(staging, join(BUILD, `${id}-${process.pid}-${startedAt}`));
      current = { format: FORMAT, id: `${id}-${process.pid}-${startedAt}`, inputs };
    } else {
      try {
        renameSync(staging, join(BUILD, id));
      } catch {
        // Another process built the same sources first: its build is this one.
        rmSync(staging, { recursive: true, force: true });
      }
      current = { format: FORMAT, id, inputs };
    }
    writeCurrent(current);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const errors = /** @type {{ errors?: import('esbuild').Message[] }} */ (error).errors;
    if (!errors) throw writeError(error);
    const where = (/** @type {import('esbuild').Message} */ message) => (message.location ? `${message.location.file}:${message.location.line}:${message.location.column}: ` : '');
    throw new Error(`cannot build the bundle:\n${errors.map((message) => `  ${where(message)}${message.text}`).join('\n')}`, { cause: error });
  }
  try {
    removeOldBuilds(current.id);
  } catch {
    // Another process is writing into an old build (its code cache): it goes next time.
  }
  return current;
}

/** A file system error of the build folder, with what to do when it belongs to someone else (a build under sudo). @param {unknown} error */
function writeError(error) {
  const { code, message } = /** @type {NodeJS.ErrnoException} */ (error);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new Error(`cannot write the bundle in ${relative(process.cwd(), BUILD) || '.'} (${message}): remove the folder, or run as its owner`, { cause: error });
  }
  return /** @type {Error} */ (error);
}

/**
 * Keeps the newest builds (a command still running may be using one) and removes the rest, and staging folders an
 * interrupted build left behind an hour ago or more. @param {string} keep
 */
function removeOldBuilds(keep) {
  const entries = readdirSync(BUILD, { withFileTypes: true }).filter((entry) => entry.isDirectory() && entry.name !== keep);
  const aged = (/** @type {string} */ name) => statSync(join(BUILD, name)).mtimeMs;
  for (const entry of entries.filter((candidate) => candidate.name.startsWith('.staging-'))) {
    if (Date.now() - aged(entry.name) > 3600_000) rmSync(join(BUILD, entry.name), { recursive: true, force: true });
  }
  const builds = entries
    .filter((entry) => !entry.name.startsWith('.staging-'))
    .map((entry) => ({ name: entry.name, mtimeMs: aged(entry.name) }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { name } of builds.slice(KEEP_BUILDS - 1)) rmSync(join(BUILD, name), { recursive: true, force: true });
}

/** The current bundle, built first when it is missing or stale. @returns {Promise<string>} its folder */
async function ensureBundle() {
  const current = currentBuild() ?? (await build());
  return join(BUILD, current.id);
}

/**
 * Runs an entry of the bundle (`main` or `cli`) in this process, as Node runs a CommonJS file, with V8's code cache.
 * @param {keyof typeof ENTRIES} entry
 */
async function runBundled(entry) {
  let folder;
  try {
    folder = await ensureBundle();
  } catch (error) {
    console.error(`error: ${/** @type {Error} */ (error).message}`);
    process.exit(1);
  }
  const file = join(folder, `${entry}.cjs`);
  // V8 refuses a cache made by another version or with other flags: one cache for each.
  const flagList = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ').trim();
  const flags = flagList ? `-${createHash('sha256').update(flagList).digest('hex').slice(0, 8)}` : '';
  const cacheFile = join(folder, `${entry}.${process.version}${flags}.cache`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // The first run of this build on this Node.js: it saves the cache when it ends.
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    // Node 20.12 and later; before, a function that imports as the main context does.
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ?? ((specifier) => import(specifier)),
  });
  if (cachedData === undefined || script.cachedDataRejected) {
    // After the run, so that the cache holds the functions it compiled too.
    process.once('exit', () => {
      try {
        const partial = `${cacheFile}.${process.pid}`;
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, cacheFile);
      } catch {
        // A read-only folder: the next run compiles again.
      }
    });
  }
  const bundled = new Module(file, /** @type {Module} */ (/** @type {unknown} */ (module)));
  bundled.filename = file;
  bundled.paths = /** @type {{ _nodeModulePaths(from: string): string[] }} */ (/** @type {unknown} */ (Module))._nodeModulePaths(folder);
  const run = script.runInThisContext();
  run.call(bundled.exports, bundled.exports, Module.createRequire(file), bundled, file, folder);
}

module.exports = { ensureBundle, runBundled, BUILD };

if (require.main === module) {
  const [entry] = process.argv.splice(2, 1);
  if (entry === '--build') {
    ensureBundle().then(
      (folder) => console.log(`bundle: ${relative(process.cwd(), folder)}`),
      (error) => {
        console.error(`error: ${error.message}`);
        process.exit(1);
      },
    );
  } else if (entry === 'main' || entry === 'cli') {
    runBundled(entry).catch((error) => {
      console.error(error);
      process.exit(1);
    });
  } else {
    console.error('usage: node scripts/bundle.cjs main|cli [args] | --build');
    process.exit(2);
  }
}
