/**
 * What the walkers of a document (manifests, Helm values) share: how they report and edit, and the scalar helpers
 * that keep an edit in the style it replaces.
 */
import { isScalar, type Node, parse, type Scalar } from 'yaml';
import type { NotMapped } from './cache-uri';
import { parseImageReference } from './image-reference';

/**
 * Maps one image reference to its cache URI. When it cannot, it returns the reason (`{ reason }`: cheaper than an
 * error, whose stack V8 captures, when most images of a large file have no rule) or throws an error with a `reason`.
 */
export type ImageMapper = (reference: string) => string | NotMapped;

/** The cache URI of a reference, or the reason there is none, whichever way the mapper says it. */
export function mapReference(mapImage: ImageMapper, reference: string): { readonly uri: string } | NotMapped {
  try {
    const mapped = mapImage(reference);
    return typeof mapped === 'string' ? { uri: mapped } : mapped;
  } catch (error) {
    return { reason: reasonOf(error) };
  }
}

/** What a walker does with what it finds; positions are the nodes' own. */
export interface RewriteContext {
  readonly mapImage: ImageMapper;
  /** Replaces a scalar's bytes with `value`, written in the scalar's own quoting style. */
  replace(node: Scalar, value: string): void;
  /** Records an image rewritten from `from` to `to`. */
  change(node: Node, from: string, to: string): void;
  /** Records an image left as it is, for `why`, adding whether the cache would serve it. */
  leave(node: Node, reference: string, why: string): void;
  /** Records an image left as it is, with the whole reason; `noRule` is what `--strict` fails on. */
  report(node: Node, reference: string, reason: string, noRule: boolean): void;
  /** The one-based line of a node, for reasons that point at another place in the file. */
  lineOf(node: Node): number;
  /** Records an image that pulls through the cache, as written or once rewritten (what `warm` warms). */
  pulls(node: Node, image: CacheImage): void;
}

/** An image that pulls through the cache: as the file names it, and its cache URI, each with its version when known. */
export interface CacheImage {
  readonly reference: string;
  readonly uri: string;
  /** Why the file gives no tag or digest for it (a chart's appVersion, a Kustomize override of another file's tag). */
  readonly unversioned?: string;
}

/** The source text of a scalar (`1.10` stays `1.10`, not the number 1.1), for tags written unquoted. */
export function scalarText(scalar: Scalar): string {
  return typeof scalar.value === 'string' ? scalar.value : (scalar.source ?? String(scalar.value));
}

/** The reason a mapper gave. */
export function reasonOf(error: unknown): string {
  return (error as { reason?: string }).reason ?? (error as Error).message;
}

export function stringScalar(node: unknown): Scalar | undefined {
  return isScalar(node) && typeof node.value === 'string' && node.range ? node : undefined;
}

/** Block scalars (`|`, `>`) are left alone: their bytes are not the value. */
export function isRewritable(scalar: Scalar): boolean {
  return scalar.type === 'PLAIN' || scalar.type === 'QUOTE_DOUBLE' || scalar.type === 'QUOTE_SINGLE';
}

export function rewritableScalar(node: unknown): Scalar | undefined {
  const scalar = stringScalar(node);
  return scalar && isRewritable(scalar) ? scalar : undefined;
}

/** `value` written in the quoting style `node` had. */
export function representLike(node: Pick<Scalar, 'type'>, value: string): string {
  if (node.type === 'QUOTE_SINGLE') return `'${value.replaceAll("'", "''")}'`;
  if (node.type === 'PLAIN' && isPlainSafe(value)) return value;
  return JSON.stringify(value);
}

function isPlainSafe(value: string): boolean {
  try {
    return !/[#\s]|: /.test(value) && parse(value) === value;
  } catch {
    return false;
  }
}

/** What cannot be part of a reference: what separates one in a command line, a flag (`--x=ref`) or a list. */
const NOT_IN_A_REFERENCE = /[\s,;="'`()]+/;

/**
 * The image references inside a free-form string (a container's `args`, `command`, an `env` value): each word, or
 * value of a `--flag=value`, that names a registry host and carries a tag or a digest, or names a host the cache has a
 * rule for. A path (`/etc/x`), a URL (`http://h/x`), `host:port` or `namespace/name` is not one.
 */
export function imagesInText(text: string, mapImage: ImageMapper): string[] {
  const found: string[] = [];
  for (const word of text.split(NOT_IN_A_REFERENCE)) {
    if (!word.includes('/') || word.includes('://')) continue;
    let pinned: boolean;
    try {
      const reference = parseImageReference(word);
      if (reference.domain === undefined) continue;
      pinned = reference.tag !== undefined || reference.digest !== undefined;
    } catch {
      continue;
    }
    if (pinned || 'uri' in mapReference(mapImage, word)) found.push(word);
  }
  return found;
}
