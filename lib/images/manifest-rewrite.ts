/**
 * Rewrites the image references of Kubernetes manifests, Kustomize image overrides and Helm values to pull through
 * the cache. The yaml Document API finds each image scalar and its exact place in the source; only those bytes are
 * replaced (or, for a Kustomize image without `newName`, one line inserted), so comments, key order, quoting and
 * layout stay as they were. Every image it sees but does not change is reported, with the reason.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parse, parseAllDocuments, type Scalar, type YAMLMap } from 'yaml';

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
  /** True when no rule pulls it through the cache (what `--strict` fails on); false when a rule would, but rewrite leaves it. */
  readonly noRule: boolean;
}

export interface RewriteResult {
  readonly text: string;
  readonly changes: readonly ImageChange[];
  readonly unmapped: readonly UnmappedImage[];
}

/** Kinds whose pod spec holds containers, and where the pod spec is. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  // Argo Rollouts (argoproj.io/v1alpha1): a Deployment's pod template.
  Rollout: ['spec', 'template', 'spec'],
};
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];
/** Siblings that mark a map with `repository` as an image in Helm values. */
const IMAGE_MAP_HINTS = ['tag', 'digest', 'pullPolicy'];
/** Kinds whose keys are data, not configuration: an `image` key there is not an image to report. */
const DATA_KINDS = new Set(['ConfigMap', 'Secret']);

/** The kinds and places rewrite reads, for help texts and the README. */
export const READ_KINDS = [...Object.keys(POD_SPEC_PATHS), 'HelmRelease (spec.values)', 'Application (Argo CD helm.valuesObject)', 'Kustomization (images)'];

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export class YamlRewriteError extends Error {}

/**
 * A character YAML 1.2 does not allow in a stream (its c-printable set, section 5.1: tab, line breaks, printable
 * ASCII, NEL and the rest of Unicode but surrogates, U+FFFE and U+FFFF). yaml itself reads them without a word.
 */
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/** Where a Go template action (`{{ .Values.x }}`) starts a line or sits in a value: a Helm chart's templates. */
const GO_TEMPLATE_ACTION = /\{\{-?\s*[\w.$/"(-]/;

/** Rewrites every image reference of a YAML stream (one or more documents). Linear in the size of the stream. */
export function rewriteImages(source: string, mapImage: ImageMapper): RewriteResult {
  const lineCounter = new LineCounter();
  const unprintable = NOT_PRINTABLE.exec(source);
  if (unprintable) {
    const codePoint = unprintable[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    const line = source.slice(0, unprintable.index).split('\n').length;
    throw new YamlRewriteError(`not valid YAML: holds the control character U+${codePoint}, which YAML does not allow (line ${line})`);
  }
  const documents = parseAllDocuments(source, { lineCounter });
  if (!Array.isArray(documents)) return { text: source, changes: [], unmapped: [] };
  for (const document of documents) {
    const [error] = document.errors;
    if (!error) continue;
    // yaml's message ends with where it is ("at line 3, column 1:" and the line): said once, as the others do.
    const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    const template = GO_TEMPLATE_ACTION.test(source)
      ? "; it holds Go template actions ({{ }}), as a Helm chart's templates/ do: rewrite the chart's values instead, or leave it out with --exclude"
      : '';
    throw new YamlRewriteError(`not valid YAML: ${message} (line ${lineCounter.linePos(error.pos[0]).line})${template}`);
  }

  const edits: Edit[] = [];
  const changes: ImageChange[] = [];
  const unmapped: UnmappedImage[] = [];
  const lineOf = (node: Node) => lineCounter.linePos(node.range![0]).line;

  /** The cache URI of a reference, or undefined (and listed) when it has none. */
  const mapped = (node: Node, reference: string): string | undefined => {
    try {
      return mapImage(reference);
    } catch (error) {
      unmapped.push({ line: lineOf(node), reference, reason: (error as { reason?: string }).reason ?? (error as Error).message, noRule: true });
      return undefined;
    }
  };
  /** An image rewrite leaves: says whether the cache could serve it, so `--strict` still sees a missing rule. */
  const leave = (node: Node, reference: string, why: string) => {
    let noRule = false;
    let serves: string;
    try {
      const uri = mapImage(reference);
      serves = uri === reference ? '' : ` (the cache would serve it as ${uri})`;
    } catch (error) {
      noRule = true;
      serves = ` (and ${(error as { reason?: string }).reason ?? (error as Error).message})`;
    }
    unmapped.push({ line: lineOf(node), reference, reason: `${why}${serves}`, noRule });
  };
  const replace = (node: Scalar, value: string) => {
    const [start, end] = node.range!;
    edits.push({ start, end, text: representLike(node, value) });
  };
  const change = (node: Node, from: string, to: string) => changes.push({ line: lineOf(node), from, to });

  /** A scalar that holds a whole reference (`image:` of a container, `repository: ghcr.io/x/y`). */
  const rewriteReference = (node: unknown) => {
    const scalar = stringScalar(node);
    if (!scalar) return;
    if (!isRewritable(scalar)) return leave(scalar, String(scalar.value).trim(), 'a block scalar (| or >) is left as written');
    const from = String(scalar.value);
    const to = mapped(scalar, from);
    if (to === undefined || to === from) return;
    replace(scalar, to);
    change(scalar, from, to);
  };

  /** `registry` + `repository`: the registry takes the cache's, the repository stays when it can. */
  const rewriteRegistryAndRepository = (registryNode: Scalar, repositoryNode: Scalar) => {
    const registry = String(registryNode.value);
    const repository = String(repositoryNode.value);
    const from = `${registry}/${repository}`;
    const to = mapped(registryNode, from);
    if (to === undefined || to === from) return;
    const keepsRepository = to.endsWith(`/${repository}`);
    const slash = to.indexOf('/');
    replace(registryNode, keepsRepository ? to.slice(0, to.length - repository.length - 1) : to.slice(0, slash));
    if (!keepsRepository) replace(repositoryNode, to.slice(slash + 1));
    change(registryNode, from, to);
  };

  const walkValues = (node: unknown, key?: string) => {
    if (isSeq(node)) {
      for (const item of node.items) walkValues(item);
      return;
    }
    if (!isMap(node)) return;
    // `registry` with `repository`, or with `image` as ingress-nginx's chart names it.
    const registry = rewritableScalar(node.get('registry', true));
    const repository = rewritableScalar(node.get('repository', true)) ?? (registry ? rewritableScalar(node.get('image', true)) : undefined);
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

  /** Kustomize `images`: `newName` is mapped; an image without one gets a `newName` line. */
  const rewriteKustomizeImages = (images: unknown) => {
    if (!isSeq(images)) return;
    for (const item of images.items) {
      if (!isMap(item)) continue;
      const newName = item.get('newName', true);
      if (newName !== undefined) {
        rewriteReference(newName);
        continue;
      }
      const name = stringScalar(item.get('name', true));
      if (!name) continue;
      const from = String(name.value);
      const to = mapped(name, from);
      if (to === undefined || to === from) continue;
      edits.push(insertNewName(source, item, name, to));
      change(name, from, to);
    }
  };

  /** Every `image: <string>` below a node of a kind rewrite does not read: reported, not changed. */
  const reportImages = (node: unknown, kind: string) => {
    if (isSeq(node)) for (const item of node.items) reportImages(item, kind);
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const scalar = isScalar(pair.key) && pair.key.value === 'image' ? stringScalar(pair.value) : undefined;
      if (scalar) leave(scalar, String(scalar.value).trim(), `kind ${kind} is not one rewrite reads`);
      else reportImages(pair.value, kind);
    }
  };

  const walkManifest = (node: unknown) => {
    if (!isMap(node)) return;
    const kind = stringScalar(node.get('kind', true))?.value as string | undefined;
    if (kind === 'List') {
      const items = node.get('items', true);
      if (isSeq(items)) for (const item of items.items) walkManifest(item);
    } else if (kind === 'HelmRelease') {
      walkValues(node.getIn(['spec', 'values'], true));
    } else if (kind === 'Application' && node.has('spec')) {
      // Argo CD: one source, or several.
      const sources = [node.getIn(['spec', 'source'], true), ...(seqItems(node.getIn(['spec', 'sources'], true)) ?? [])];
      for (const source of sources.filter(isMap)) {
        walkValues(source.getIn(['helm', 'valuesObject'], true));
        const values = stringScalar(source.getIn(['helm', 'values'], true));
        if (values) reportEmbeddedValues(values);
      }
    } else if (kind === 'Kustomization') {
      // Kustomize's own file (kustomize.config.k8s.io) keeps `images` at the top; Flux's (kustomize.toolkit.fluxcd.io) in spec.
      rewriteKustomizeImages(node.get('images', true) ?? node.getIn(['spec', 'images'], true));
    } else if (typeof kind === 'string' && POD_SPEC_PATHS[kind]) {
      const podSpec = node.getIn(POD_SPEC_PATHS[kind], true);
      for (const list of CONTAINER_LISTS) {
        for (const container of (isMap(podSpec) ? seqItems(podSpec.get(list, true)) : undefined) ?? []) {
          if (isMap(container)) rewriteReference(container.get('image', true));
        }
      }
    } else if (kind === undefined && !node.has('apiVersion')) {
      // A kustomization.yaml without apiVersion and kind, or else a Helm values file.
      if (node.has('images') && (node.has('resources') || node.has('bases') || node.has('components'))) rewriteKustomizeImages(node.get('images', true));
      else walkValues(node);
    } else if (kind !== undefined && !DATA_KINDS.has(kind)) {
      reportImages(node, kind);
    }
  };

  /** Argo CD `helm.values` is YAML inside a string: its images are reported, with the way to have them rewritten. */
  const reportEmbeddedValues = (values: Scalar) => {
    let inner: RewriteResult;
    try {
      inner = rewriteImages(String(values.value), mapImage);
    } catch {
      return;
    }
    const base = lineOf(values);
    for (const found of [...inner.changes.map((item) => ({ line: item.line, reference: item.from })), ...inner.unmapped]) {
      unmapped.push({
        line: base + found.line,
        reference: found.reference,
        reason: 'Argo CD helm.values is a string rewrite does not edit: move the values to helm.valuesObject',
        noRule: 'noRule' in found && found.noRule,
      });
    }
  };

  for (const document of documents) walkManifest(document.contents);
  return { text: applyEdits(source, edits), changes: changes.sort(byLine), unmapped: unmapped.sort(byLine) };
}

const byLine = (a: { line: number }, b: { line: number }) => a.line - b.line;

/** The source with every edit applied, in one pass: linear in its size whatever the number of edits. */
function applyEdits(source: string, edits: readonly Edit[]): string {
  if (edits.length === 0) return source;
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  const pieces: string[] = [];
  let at = 0;
  for (const edit of sorted) {
    pieces.push(source.slice(at, edit.start), edit.text);
    at = edit.end;
  }
  pieces.push(source.slice(at));
  return pieces.join('');
}

/** A `newName: <uri>` entry after `name` in a Kustomize image: on its own line in a block map, inline in a flow map. */
function insertNewName(source: string, item: YAMLMap, name: Scalar, uri: string): Edit {
  const value = representLike({ type: 'PLAIN' } as Scalar, uri);
  const pair = item.items.find((candidate) => isPair(candidate) && candidate.value === name)!;
  const keyStart = (pair.key as Node).range![0];
  if (item.flow) return { start: name.range![1], end: name.range![1], text: `, newName: ${value}` };
  const lineStart = source.lastIndexOf('\n', keyStart - 1) + 1;
  // The key's column, whatever precedes it on its line (`- ` of a sequence item).
  const indent = ' '.repeat(keyStart - lineStart);
  const lineEnd = source.indexOf('\n', name.range![1]);
  const at = lineEnd === -1 ? source.length : lineEnd;
  return { start: at, end: at, text: `\n${indent}newName: ${value}` };
}

function seqItems(node: unknown): unknown[] | undefined {
  return isSeq(node) ? node.items : undefined;
}

function stringScalar(node: unknown): Scalar | undefined {
  return isScalar(node) && typeof node.value === 'string' && node.range ? node : undefined;
}

/** Block scalars (`|`, `>`) are left alone: their bytes are not the value. */
function isRewritable(scalar: Scalar): boolean {
  return scalar.type === 'PLAIN' || scalar.type === 'QUOTE_DOUBLE' || scalar.type === 'QUOTE_SINGLE';
}

function rewritableScalar(node: unknown): Scalar | undefined {
  const scalar = stringScalar(node);
  return scalar && isRewritable(scalar) ? scalar : undefined;
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
