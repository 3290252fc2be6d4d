/**
 * Reads one environment file as far as it can be read: its name, size, YAML and shape. What the file says is
 * checked afterwards (file-checks/); what stops reading stops here, with its reason.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { displayPath } from './paths';
import type { FieldPath, Problem } from './problems';

export const STACK_NAME_PREFIX = 'ecr-cache-';
export const YAML_EXTENSIONS = ['.yaml', '.yml'];
const ENVIRONMENT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/;

/** Environment files are read whole and checked line by line: a larger one is a mistake, not an environment. */
export const MAX_ENVIRONMENT_FILE_BYTES = 256 * 1024;

export interface ReadFile {
  /** The file as displayed in messages. */
  readonly file: string;
  /** The environment's name: the file's base name. */
  readonly name: string;
  readonly problems: Problem[];
  /** The parsed settings, when the file is a YAML map. */
  readonly raw?: Record<string, unknown>;
  /** The line of the deepest node that exists on a path (a missing key is reported at its parent); with `raw`. */
  readonly lineAt?: (path: FieldPath) => number | undefined;
}

/**
 * Most environment files are a few plain lines. js-yaml reads them in a fifth of the time `yaml` takes to build the
 * Document that locates problems (a tenth of synthesizing 50 environments), so the Document is built only when a
 * problem needs a line, or when js-yaml would not read the file as yaml does: anchors and aliases (yaml bounds their
 * expansion), tags, or anything js-yaml refuses (duplicate keys, several documents, bad YAML), which yaml then reports
 * with its line. Both read YAML 1.2's core schema; __tests__/file-checks.test.ts holds them to the same data.
 */
export function quickRead(text: string): { readonly data: unknown } | undefined {
  if (/[&*!]/.test(text)) return undefined;
  try {
    return { data: load(text, { schema: CORE_SCHEMA }) };
  } catch {
    return undefined;
  }
}

/** `lineAt` of a text, whose Document is built on the first call. */
function lazyLineAt(text: string): (path: FieldPath) => number | undefined {
  let parsed: { document: Document; lineCounter: LineCounter } | undefined;
  return (path) => {
    if (!parsed) {
      const lineCounter = new LineCounter();
      parsed = { document: parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false }), lineCounter };
    }
    return lineAt(parsed.document, parsed.lineCounter, path);
  };
}

export function readEnvironmentFile(path: string): ReadFile {
  const file = displayPath(path);
  const name = basename(path, extname(path));
  const problems: Problem[] = [];
  const fail = (message: string, line?: number): ReadFile => ({ file, name, problems: [...problems, { file, path: [], message, ...(line ? { line } : {}) }] });
  if (!ENVIRONMENT_NAME.test(name)) {
    problems.push({
      file,
      path: [],
      message: `"${name}" is not a usable environment name: use 1-24 lower-case letters, digits or "-" (it names the stack ${STACK_NAME_PREFIX}${name})`,
    });
  }
  const extension = extname(path);
  if (!YAML_EXTENSIONS.includes(extension)) {
    problems.push({ file, path: [], message: `environment files end in ${YAML_EXTENSIONS.join(' or ')}, in lower case, not "${extension}"` });
  }

  let text: string;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return fail('is a folder: an environment is a file');
    if (stat.size > MAX_ENVIRONMENT_FILE_BYTES) {
      const size = stat.size >= 1024 * 1024 ? `${(stat.size / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(stat.size / 1024)} KiB`;
      return fail(`is ${size}; an environment file is at most ${MAX_ENVIRONMENT_FILE_BYTES / 1024} KiB`);
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return fail(`cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }

  const mapOnly = 'must be a YAML map of settings (account, region, rules)';
  const quick = quickRead(text);
  if (quick) {
    const { data } = quick;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return fail(mapOnly);
    return { file, name, problems, raw: data as Record<string, unknown>, lineAt: lazyLineAt(text) };
  }

  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  for (const error of document.errors) {
    const line = lineCounter.linePos(error.pos[0]).line;
    if (error.code === 'DUPLICATE_KEY') {
      problems.push({ file, path: pathAtOffset(document, error.pos[0]), message: 'duplicate key: YAML keys must be unique', line });
    } else if (error.code === 'MULTIPLE_DOCS') {
      problems.push({ file, path: [], message: 'holds more than one YAML document (a "---" line): an environment file is one document', line });
    } else {
      problems.push({ file, path: [], message: `is not valid YAML: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '')}`, line });
    }
  }
  // A duplicate key leaves a usable document (the last one wins): go on and report the rest too.
  if (document.errors.some((error) => error.code !== 'DUPLICATE_KEY')) return { file, name, problems };

  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    // yaml refuses aliases that expand without bound ("billion laughs").
    return fail(`cannot be read as data: ${(error as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return fail(mapOnly);
  return { file, name, problems, raw: data as Record<string, unknown>, lineAt: (path) => lineAt(document, lineCounter, path) };
}

/** The line of the deepest node that exists on `path`: a missing key is reported at its parent. */
export function lineAt(document: Document, lineCounter: LineCounter, path: FieldPath): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = document.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node?.range && depth > 0) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** The field path of the map entry whose key starts at `offset`. */
function pathAtOffset(document: Document, offset: number): FieldPath {
  const path: (string | number)[] = [];
  let node: unknown = document.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && within(item.key, offset, item.value));
      if (!pair) return path;
      path.push(isScalar(pair.key) ? String(pair.key.value) : '?');
      if (isScalar(pair.key) && (pair.key.range?.[0] ?? -1) === offset) return path;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => within(item, offset, item));
      if (index < 0) return path;
      path.push(index);
      node = node.items[index];
    } else {
      return path;
    }
  }
}

function within(start: unknown, offset: number, end: unknown): boolean {
  const from = (start as { range?: number[] } | null)?.range?.[0];
  const to = (end as { range?: number[] } | null)?.range?.[2] ?? (start as { range?: number[] } | null)?.range?.[2];
  return from !== undefined && to !== undefined && from <= offset && offset <= to;
}
