/**
 * Rewrites the image references of Kubernetes manifests and Helm values to pull through the cache.
 * The yaml Document API finds each image scalar and its exact place in the source; only those bytes are replaced,
 * so comments, key order, quoting and layout stay as they were.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parse, parseAllDocuments, type Scalar } from 'yaml';

/** Maps one image reference; throws (with a `reason`) when it cannot. */
export type ImageMapper = (reference: string) => string;

export interface ImageChange {
  readonly line: number;
  readonly from: string;
  readonly to: string;
}

export interface UnmappedImage {
  readonly line: number;
  readonly reference: string;
  readonly reason: string;
}

export interface RewriteResult {
  readonly text: string;
  readonly changes: readonly ImageChange[];
  readonly unmapped: readonly UnmappedImage[];
}

/** Kinds whose pod spec holds containers, and where the pod spec is. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];
/** Siblings that mark a map with `repository` as an image in Helm values. */
const IMAGE_MAP_HINTS = ['tag', 'digest', 'pullPolicy'];

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export class YamlRewriteError extends Error {}

/** Rewrites every image reference of a YAML stream (one or more documents). */
export function rewriteImages(source: string, mapImage: ImageMapper): RewriteResult {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(source, { lineCounter });
  if (!Array.isArray(documents)) return { text: source, changes: [], unmapped: [] };
  const broken = documents.flatMap((document) => document.errors);
  if (broken.length > 0) {
    throw new YamlRewriteError(`not valid YAML: ${broken[0]!.message.split('\n')[0]} (line ${lineCounter.linePos(broken[0]!.pos[0]).line})`);
  }

  const edits: Edit[] = [];
  const changes: ImageChange[] = [];
  const unmapped: UnmappedImage[] = [];
  const lineOf = (node: Node) => lineCounter.linePos(node.range![0]).line;

  /** The new value of a scalar holding a reference, or undefined (and listed) when it stays. */
  const mapped = (node: Scalar, reference: string): string | undefined => {
    try {
      const to = mapImage(reference);
      return to === reference ? undefined : to;
    } catch (error) {
      unmapped.push({ line: lineOf(node), reference, reason: (error as { reason?: string }).reason ?? (error as Error).message });
      return undefined;
    }
  };
  const replace = (node: Scalar, value: string) => {
    const [start, end] = node.range!;
    edits.push({ start, end, text: representLike(node, value) });
  };

  /** A scalar that holds a whole reference (`image:` of a container, `repository: ghcr.io/x/y`). */
  const rewriteReference = (node: unknown) => {
    const reference = referenceScalar(node);
    if (!reference) return;
    const to = mapped(reference, String(reference.value));
    if (to === undefined) return;
    replace(reference, to);
    changes.push({ line: lineOf(reference), from: String(reference.value), to });
  };

  /** `registry` + `repository`: the registry takes the cache's, the repository stays when it can. */
  const rewriteRegistryAndRepository = (registryNode: Scalar, repositoryNode: Scalar) => {
    const registry = String(registryNode.value);
    const repository = String(repositoryNode.value);
    const from = `${registry}/${repository}`;
    const to = mapped(registryNode, from);
    if (to === undefined) return;
    const keepsRepository = to.endsWith(`/${repository}`);
    const slash = to.indexOf('/');
    const newRegistry = keepsRepository ? to.slice(0, to.length - repository.length - 1) : to.slice(0, slash);
    replace(registryNode, newRegistry);
    if (!keepsRepository) replace(repositoryNode, to.slice(slash + 1));
    changes.push({ line: lineOf(registryNode), from, to });
  };

  const walkValues = (node: unknown, key?: string) => {
    if (isSeq(node)) {
      for (const item of node.items) walkValues(item);
      return;
    }
    if (!isMap(node)) return;
    // `registry` with `repository`, or with `image` as ingress-nginx's chart names it.
    const registry = referenceScalar(node.get('registry', true));
    const repository = referenceScalar(node.get('repository', true)) ?? (registry ? referenceScalar(node.get('image', true)) : undefined);
    let handled: Scalar | undefined;
    if (repository && registry && String(registry.value) !== '') {
      rewriteRegistryAndRepository(registry, repository);
      handled = repository;
    } else if (repository && (/image$/i.test(key ?? '') || IMAGE_MAP_HINTS.some((hint) => node.has(hint)))) {
      rewriteReference(repository);
      handled = repository;
    }
    for (const pair of node.items) {
      const pairKey = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (pair.value === handled) continue;
      if (pairKey === 'image' && isScalar(pair.value)) rewriteReference(pair.value);
      else walkValues(pair.value, pairKey);
    }
  };

  const walkManifest = (node: unknown) => {
    if (!isMap(node)) return;
    const kind = stringScalar(node.get('kind', true))?.value;
    if (kind === 'List') {
      const items = node.get('items', true);
      if (isSeq(items)) for (const item of items.items) walkManifest(item);
    } else if (kind === 'HelmRelease') {
      walkValues(node.getIn(['spec', 'values'], true));
    } else if (typeof kind === 'string' && POD_SPEC_PATHS[kind]) {
      const podSpec = node.getIn(POD_SPEC_PATHS[kind]!, true);
      for (const list of CONTAINER_LISTS) {
        const containers = isMap(podSpec) ? podSpec.get(list, true) : undefined;
        if (!isSeq(containers)) continue;
        for (const container of containers.items) if (isMap(container)) rewriteReference(container.get('image', true));
      }
    } else if (kind === undefined && !node.has('apiVersion')) {
      // Not a Kubernetes object: a Helm values file.
      walkValues(node);
    }
  };

  for (const document of documents) walkManifest(document.contents);

  let text = source;
  for (const edit of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  return { text, changes: changes.sort((a, b) => a.line - b.line), unmapped: unmapped.sort((a, b) => a.line - b.line) };
}

function stringScalar(node: unknown): Scalar | undefined {
  return isScalar(node) && typeof node.value === 'string' && node.range ? node : undefined;
}

/** A scalar that can be rewritten in place: block scalars (`|`, `>`) are left alone. */
function referenceScalar(node: unknown): Scalar | undefined {
  const scalar = stringScalar(node);
  return scalar && (scalar.type === 'PLAIN' || scalar.type === 'QUOTE_DOUBLE' || scalar.type === 'QUOTE_SINGLE') ? scalar : undefined;
}

/** `value` written in the quoting style `node` had. */
function representLike(node: Scalar, value: string): string {
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
