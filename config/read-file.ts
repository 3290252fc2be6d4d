/**
 * Reads one environment file as far as it can be read: its name, size, YAML and shape. What the file says is
 * checked afterwards (file-checks/); what stops reading stops here, with its reason.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import { type Document, type DocumentOptions, isAlias, isMap, isScalar, isSeq, LineCounter, type ParseOptions, parseDocument, type Scalar, type SchemaOptions, visit } from 'yaml';
import { displayPath } from './paths';
import type { FieldPath, Problem } from './problems';
import { decodeUtf8 } from './text';

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
 * How `yaml` reads an environment file: keys once each, and merge keys (`<<: *defaults`) merged as YAML 1.1 tools
 * (and Kubernetes' YAML) do, the keys written beside them winning, rather than taken for a key named "<<".
 */
const YAML_OPTIONS = { uniqueKeys: true, merge: true, prettyErrors: false } as const satisfies ParseOptions & DocumentOptions & SchemaOptions;

/**
 * Most environment files are a few plain lines. js-yaml reads them in a fifth of the time `yaml` takes to build the
 * Document that locates problems (a tenth of synthesizing 50 environments), so the Document is built only when a
 * problem needs a line, or when js-yaml would not read the file as yaml does: anchors and aliases (yaml bounds their
 * expansion), tags, merge keys (js-yaml's core schema reads "<<" as a plain key), or anything js-yaml refuses
 * (duplicate keys, several documents, bad YAML), which yaml then reports with its line. Both read YAML 1.2's core
 * schema; __tests__/file-checks.test.ts holds them to the same data.
 */
export function quickRead(text: string): { readonly data: unknown } | undefined {
  if (/[&*!]|<</.test(text)) return undefined;
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
      parsed = { document: parseDocument(text, { ...YAML_OPTIONS, lineCounter }), lineCounter };
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

  let bytes: Buffer;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return fail('is a folder: an environment is a file');
    if (stat.size > MAX_ENVIRONMENT_FILE_BYTES) {
      const size = stat.size >= 1024 * 1024 ? `${(stat.size / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(stat.size / 1024)} KiB`;
      return fail(`is ${size}; an environment file is at most ${MAX_ENVIRONMENT_FILE_BYTES / 1024} KiB`);
    }
    bytes = readFileSync(path);
  } catch (error) {
    return fail(`cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const decoded = decodeUtf8(bytes);
  if ('nonUtf8Line' in decoded) return fail('is not UTF-8 text: save it as UTF-8', decoded.nonUtf8Line);
  const { text } = decoded;

  const mapOnly = 'must be a YAML map of settings (account, region, rules)';
  const quick = quickRead(text);
  if (quick) {
    const { data } = quick;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return fail(mapOnly);
    return { file, name, problems, raw: data as Record<string, unknown>, lineAt: lazyLineAt(text) };
  }

  const lineCounter = new LineCounter();
  const document = parseDocument(text, { ...YAML_OPTIONS, lineCounter });
  for (const error of document.errors) {
    const line = lineCounter.linePos(error.pos[0]).line;
    if (error.code === 'DUPLICATE_KEY') {
      const duplicate = duplicateKeyAt(document, error.pos[0]);
      const first = duplicate?.firstRange ? ` (first set on line ${lineCounter.linePos(duplicate.firstRange[0]).line})` : '';
      problems.push({ file, path: duplicate?.path ?? [], message: `duplicate key${first}: YAML keys must be unique; keep one`, line });
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
    const mergeKey = badMergeKey(document);
    if (mergeKey?.range) return fail('a merge key (<<) takes a map, an alias of one (*name), or a list of them', lineCounter.linePos(mergeKey.range[0]).line);
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

/** The key of the first merge key (`<<`) whose value yaml cannot merge: not a map, an alias of one, or a list of them. */
function badMergeKey(document: Document): Scalar | undefined {
  const mergeable = (node: unknown): boolean => isMap(isAlias(node) ? node.resolve(document) : node);
  let found: Scalar | undefined;
  visit(document, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.source !== '<<') return undefined;
      if (mergeable(pair.value) || (isSeq(pair.value) && pair.value.items.every(mergeable))) return undefined;
      found = pair.key;
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * The key that yaml reports as duplicated at `offset` (where the second one starts): its field path, and the key
 * node of its first occurrence in the same map.
 */
function duplicateKeyAt(document: Document, offset: number): { path: FieldPath; firstRange?: readonly number[] } | undefined {
  const search = (node: unknown, path: readonly (string | number)[]): ReturnType<typeof duplicateKeyAt> => {
    if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) {
        const found = search(item, [...path, index]);
        if (found) return found;
      }
    }
    if (!isMap(node)) return undefined;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key : undefined;
      if (key?.range?.[0] === offset) {
        const first = node.items.find((other) => isScalar(other.key) && other.key.value === key.value)!;
        return { path: [...path, String(key.value)], ...(isScalar(first.key) && first.key.range ? { firstRange: first.key.range } : {}) };
      }
      const found = search(pair.value, [...path, key ? String(key.value) : '?']);
      if (found) return found;
    }
    return undefined;
  };
  return search(document.contents, []);
}
