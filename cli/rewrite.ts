import { closeSync, existsSync, fchmodSync, openSync, readdirSync, readSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import picomatch from 'picomatch';
import { cacheImageUriOrReason } from '../lib/images/cache-uri';
import { cacheOf } from '../config/environment';
import { displayPath, environmentsDirectory, loadEnvironment, YAML_EXTENSIONS } from '../config/environments';
import { type ImageMapper, ImageRewriter, type PulledImage, type UnmappedImage, YamlRewriteError } from '../lib/images/manifest-rewrite';
import { NotUtf8Error, Utf8PieceDecoder } from '../config/text';
import { CliError } from './cli-error';
import { plural } from './format';
import { LineSpool } from './line-spool';

export interface RewriteOptions {
  readonly env: string;
  readonly environments?: string;
  /** Write nothing; exit 1 when something would change. */
  readonly check?: boolean;
  /** Write nothing; print a diff. */
  readonly dryRun?: boolean;
  /** Exit 1 when an image has no rule. */
  readonly strict?: boolean;
  /** Globs of paths (as displayed, relative to the working folder) to leave out. */
  readonly exclude?: readonly string[];
}

export interface Found {
  files: string[];
  /** Helm chart `templates/` folders left out: Go templates are not YAML until rendered. */
  helmTemplates: string[];
  excluded: number;
}

/**
 * YAML files named, or found below named folders. Hidden folders, node_modules and the `templates/` folder of a
 * Helm chart (beside its Chart.yaml) are left out; so is every path an `--exclude` glob matches.
 */
export function yamlFiles(paths: readonly string[], exclude: readonly string[]): Found {
  const isExcluded = exclude.length > 0 ? picomatch([...exclude], { dot: true }) : () => false;
  const found: Found = { files: [], helmTemplates: [], excluded: 0 };
  const visit = (path: string, named: boolean) => {
    if (isExcluded(displayPath(path))) {
      found.excluded += 1;
      return;
    }
    const stat = statSync(path);
    if (stat.isDirectory()) {
      const entries = readdirSync(path).sort();
      const chart = entries.includes('Chart.yaml');
      for (const entry of entries) {
        if (entry.startsWith('.') || entry === 'node_modules') continue;
        if (chart && entry === 'templates') {
          found.helmTemplates.push(displayPath(join(path, entry)));
          continue;
        }
        visit(join(path, entry), false);
      }
    } else if (named || YAML_EXTENSIONS.includes(extname(path))) {
      found.files.push(path);
    }
  };
  for (const path of paths) {
    if (!existsSync(path)) throw new CliError(`${path}: no such file or folder`);
    visit(path, true);
  }
  return found;
}


/** What makes a file unreadable as YAML, named with the file; undefined for any other error. */
export function fileProblem(file: string, error: unknown): string | undefined {
  if (error instanceof NotUtf8Error) return `${displayPath(file)}: not UTF-8 text, so not YAML (line ${error.line}): leave it out with --exclude, or save it as UTF-8`;
  if (error instanceof YamlRewriteError) return `${displayPath(file)}: ${error.message}`;
  return undefined;
}

/** Files are read, and written, this many bytes at a time. */
const CHUNK_BYTES = 1 << 20;

export interface FileRewrite {
  /** Images rewritten. */
  readonly changes: number;
  /** Images left that no rule serves (what `--strict` fails on). */
  readonly withoutRule: number;
  /** The text before and after, when asked for (for a diff). */
  readonly before?: string;
  readonly after?: string;
}

/**
 * Rewrites one file document by document, reading and writing it a piece at a time. What it writes goes to a
 * temporary file beside it that replaces it only once every document was read and something changed: a file that
 * turns out to be invalid further down is left as it was. The file's changes and the images it leaves go to the
 * spools, to be printed once the file is done; each image that pulls through the cache, rewritten or not, goes to
 * `pulled` when given, and each left to `unmapped` (what `warm` warms, and what it says it skips).
 */
export function rewriteFile(
  file: string,
  mapImage: ImageMapper,
  options: { write: boolean; keepText: boolean; pulled?: (image: PulledImage) => void; unmapped?: (image: UnmappedImage) => void },
  changes: LineSpool,
  left: LineSpool,
): FileRewrite {
  // Through a symbolic link: the file it points at is the one rewritten.
  const target = realpathSync(file);
  const before: string[] = [];
  const after: string[] = [];
  const temporary = options.write ? join(dirname(target), `.${basename(target)}.ecr-cache-${process.pid}.tmp`) : undefined;
  let output: number | undefined;
  let pending: string[] = [];
  let pendingLength = 0;
  let withoutRule = 0;
  const flush = () => {
    if (output !== undefined && pending.length > 0) writeSync(output, pending.join(''));
    pending = [];
    pendingLength = 0;
  };
  const rewriter = new ImageRewriter(mapImage, {
    write: (text) => {
      if (options.keepText) after.push(text);
      if (output === undefined) return;
      pending.push(text);
      pendingLength += text.length;
      if (pendingLength >= CHUNK_BYTES) flush();
    },
    change: (change) => changes.add(`  line ${change.line}: ${change.from} -> ${change.to}`),
    unmapped: (image) => {
      left.add(`  ${displayPath(file)}:${image.line}: ${image.reference}: ${image.reason}`);
      options.unmapped?.(image);
      if (image.noRule) withoutRule += 1;
    },
    ...(options.pulled ? { pulled: options.pulled } : {}),
  });

  const input = openSync(target, 'r');
  try {
    if (temporary) {
      output = openSync(temporary, 'w');
      fchmodSync(output, statSync(target).mode & 0o7777);
    }
    // Bytes that are not UTF-8 stop the file with their line (NotUtf8Error), rather than turn into U+FFFD.
    const decoder = new Utf8PieceDecoder();
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    for (let read = 0; (read = readSync(input, buffer, 0, CHUNK_BYTES, null)) > 0; ) {
      const text = decoder.write(buffer.subarray(0, read));
      if (options.keepText) before.push(text);
      rewriter.push(text);
    }
    const rest = decoder.end();
    if (options.keepText) before.push(rest);
    rewriter.push(rest);
    rewriter.end();
    flush();
    if (output !== undefined && rewriter.edited) {
      closeSync(output);
      output = undefined;
      renameSync(temporary!, target);
    }
  } finally {
    closeSync(input);
    if (output !== undefined) closeSync(output);
    if (temporary) rmSync(temporary, { force: true });
  }
  return { changes: changes.count, withoutRule, ...(options.keepText ? { before: before.join(''), after: after.join('') } : {}) };
}

export function rewrite(paths: readonly string[], options: RewriteOptions): number {
  // A consumer's images come from its hub's cache.
  const environment = cacheOf(loadEnvironment(options.env, environmentsDirectory(options.environments)));
  const mapImage = (reference: string) => cacheImageUriOrReason(environment, reference);
  const writes = !options.check && !options.dryRun;
  let changed = 0;
  let images = 0;
  let failed = false;
  let withoutRule = 0;
  const left = new LineSpool();
  const fileChanges = new LineSpool();
  const fileLeft = new LineSpool();
  const { files, helmTemplates, excluded } = yamlFiles(paths, options.exclude ?? []);

  try {
    for (const file of files) {
      let result: FileRewrite;
      try {
        result = rewriteFile(file, mapImage, { write: writes, keepText: options.dryRun === true }, fileChanges, fileLeft);
      } catch (error) {
        fileChanges.clear();
        fileLeft.clear();
        const problem = fileProblem(file, error);
        if (problem === undefined) throw error;
        console.error(problem);
        failed = true;
        continue;
      }
      fileLeft.moveTo(left);
      withoutRule += result.withoutRule;
      if (result.changes === 0) continue;
      changed += 1;
      images += result.changes;
      if (options.dryRun) process.stdout.write(createTwoFilesPatch(displayPath(file), displayPath(file), result.before!, result.after!));
      console.log(`${writes ? 'rewrote' : 'would rewrite'} ${displayPath(file)}:`);
      fileChanges.drain((text) => process.stdout.write(text));
    }

    const leftCount = left.count;
    if (leftCount > 0) {
      console.log('left as they are:');
      left.drain((text) => process.stdout.write(text));
    }
    for (const folder of helmTemplates) {
      console.log(`skipped ${folder}: Helm templates are not YAML until rendered; rewrite the chart's values instead`);
    }
    const verb = writes ? 'rewritten' : 'to rewrite';
    const skipped = excluded > 0 ? `, ${plural(excluded, 'path')} excluded` : '';
    console.log(`${plural(images, 'image')} in ${plural(changed, 'file')} ${verb}, ${leftCount} left as ${leftCount === 1 ? 'it is' : 'they are'}${skipped}`);
    if (failed) return 1;
    if (options.strict && withoutRule > 0) {
      console.error(`--strict: ${plural(withoutRule, 'image')} without a rule in environment ${environment.name}`);
      return 1;
    }
    return options.check && changed > 0 ? 1 : 0;
  } finally {
    left.clear();
    fileChanges.clear();
    fileLeft.clear();
  }
}
