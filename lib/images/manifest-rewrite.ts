/**
 * Rewrites the image references of Kubernetes manifests, Kustomize image overrides and Helm values to pull through
 * the cache. The yaml Document API finds each image scalar and its exact place in the source; only those bytes are
 * replaced (or, for a Kustomize image without `newName`, one line inserted), so comments, key order, quoting and
 * layout stay as they were. Every image it sees but does not change is reported, with the reason.
 *
 * The stream is read and written document by document (yaml-stream.ts): a document's edits are written out, and
 * its text and nodes let go, before the next one is composed, so memory follows the largest document, not the file.
 */
import { type Document, isMap, isPair, isScalar, isSeq, type Node, type Scalar, type YAMLMap } from 'yaml';
import {
  type CacheImage,
  type ImageMapper,
  imagesInText,
  isRewritable,
  mapReference,
  representLike,
  type RewriteContext,
  scalarText,
  stringScalar,
} from './rewrite-context';
import { rewriteHelmValues } from './helm-values';
import { type SourceWindow, YamlDocumentStream } from './yaml-stream';

export type { CacheImage, ImageMapper } from './rewrite-context';

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

/** An image of the stream that pulls through the cache, and its line. */
export interface PulledImage extends CacheImage {
  readonly line: number;
}

/** Where an `ImageRewriter` puts what it finds, in the order of the stream. */
export interface RewriteSink {
  /** The next piece of the rewritten stream. */
  write(text: string): void;
  change(change: ImageChange): void;
  unmapped(image: UnmappedImage): void;
  /** Each image that pulls through the cache once the stream is rewritten: those rewritten and those already there. */
  pulled?(image: PulledImage): void;
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
/** Kinds whose keys are data, not configuration: an `image` key there is not an image to report. */
const DATA_KINDS = new Set(['ConfigMap', 'Secret']);

/** The kinds and places rewrite reads, for help texts and docs/pulling.md. */
export const READ_KINDS = [...Object.keys(POD_SPEC_PATHS), 'HelmRelease (spec.values)', 'Application (Argo CD helm.valuesObject)', 'Kustomization (images)'];

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export class YamlRewriteError extends Error {}

/**
/**
 * A character YAML 1.2 does not allow in a stream (its c-printable set, section 5.1: tab, line breaks, printable
 * ASCII, NEL and the rest of Unicode but surrogates, U+FFFE and U+FFFF). yaml itself reads them without a word.
 */
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/** Where a Go template action (`{{ .Values.x }}`) starts a line or sits in a value: a Helm chart's templates. */
const GO_TEMPLATE_ACTION = /\{\{-?\s*[\w.$/"(-]/;
/** Text kept from the end of one piece, so that an action split between two pieces is still seen. */
const TEMPLATE_ACTION_OVERLAP = 64;

const GO_TEMPLATE_HINT =
  "; it holds Go template actions ({{ }}), as a Helm chart's templates/ do: rewrite the chart's values instead, or leave it out with --exclude";

/**
 * Rewrites a YAML stream (one or more documents) pushed in pieces of any size: each document's text, with its
 * edits, goes to the sink once the document is complete, with its changes and the images it leaves. Throws
 * YamlRewriteError at the first document that is not valid YAML, or at the first character YAML does not allow
 * (what was written before it is then incomplete).
 */
export class ImageRewriter {
  private readonly stream = new YamlDocumentStream(
    (document) => this.rewriteDocument(document),
    (message, offset) => this.fail(message, offset),
  );
  /** The offset up to which the source has gone to the sink. */
  private written = 0;
  private edits = 0;
  /** Lines pushed so far, counted for the control-character check, which runs before the parser sees a piece. */
  private linesBefore = 1;
  /** A high surrogate that ended the last piece: its low half starts the next. */
  private pendingSurrogate = '';
  /** The end of the text pushed so far, for an action split between pieces; and whether one was seen. */
  private templateTail = '';
  private templateActions = false;

  constructor(
    private readonly mapImage: ImageMapper,
    private readonly sink: RewriteSink,
  ) {}

  push(chunk: string): void {
    this.checkPrintable(chunk);
    if (!this.templateActions) {
      const text = this.templateTail + chunk;
      this.templateActions = GO_TEMPLATE_ACTION.test(text);
      this.templateTail = text.slice(-TEMPLATE_ACTION_OVERLAP);
    }
    this.stream.push(chunk);
  }

  end(): void {
    this.checkPrintable('', true);
    this.stream.end();
    this.writeUpTo(this.stream.source.end);
  }

  /** True once an edit has gone to the sink. */
  get edited(): boolean {
    return this.edits > 0;
  }

  /** Characters of source held now: one document and the piece being read, whatever the size of the stream. */
  get held(): number {
    return this.stream.source.held;
  }

  private rewriteDocument(document: Document.Parsed): void {
    const source = this.stream.source;
    const [error] = document.errors;
    if (error) this.fail(error.message.split('\n')[0], error.pos[0]);
    const found = new DocumentRewrite(this.mapImage, source);
    found.walkManifest(document.contents);

    for (const change of found.changes.sort(byLine)) this.sink.change(change);
    for (const image of found.unmapped.sort(byLine)) this.sink.unmapped(image);
    if (this.sink.pulled) for (const image of found.pulled.sort(byLine)) this.sink.pulled(image);
    let end = document.range[2];
    for (const edit of found.edits.sort((a, b) => a.start - b.start)) {
      this.writeUpTo(edit.start);
      this.sink.write(edit.text);
      this.written = edit.end;
      this.edits += 1;
      end = Math.max(end, edit.end);
    }
    // Nothing later edits before the end of this document: its text can go.
    this.writeUpTo(end);
    source.release(this.written);
  }

  /**
   * A character YAML does not allow, named with its line, before the parser reads the piece that holds it (yaml
   * reads such characters without a word).
   */
  private checkPrintable(chunk: string, last = false): void {
    let text = this.pendingSurrogate + chunk;
    this.pendingSurrogate = '';
    // A pair split between two pieces is checked whole, with the next one.
    if (!last && /[\ud800-\udbff]$/.test(text)) {
      this.pendingSurrogate = text.slice(-1);
      text = text.slice(0, -1);
    }
    const unprintable = NOT_PRINTABLE.exec(text);
    if (unprintable) {
      const codePoint = unprintable[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      const line = this.linesBefore + countNewlines(text, unprintable.index);
      throw new YamlRewriteError(`not valid YAML: holds the control character U+${codePoint}, which YAML does not allow (line ${line})`);
    }
    this.linesBefore += countNewlines(text, text.length);
  }

  /**
   * Throws for a document yaml finds invalid. A file that holds Go template actions (in what was read up to the
   * error) is said to look like a chart's template, and what to do.
   */
  private fail(message: string, offset: number): never {
    // yaml's message ends with where it is ("at line 3, column 1:" and the line): said once, as the others do.
    const said = message.replace(/ at line \d+, column \d+:?$/, '');
    const template = this.templateActions ? GO_TEMPLATE_HINT : '';
    throw new YamlRewriteError(`not valid YAML: ${said} (line ${this.stream.source.lineOf(offset)})${template}`);
  }

  private writeUpTo(offset: number): void {
    if (offset <= this.written) return;
    this.sink.write(this.stream.source.slice(this.written, offset));
    this.written = offset;
  }
}

/** Rewrites every image reference of a YAML stream held in one string. Linear in the size of the stream. */
export function rewriteImages(source: string, mapImage: ImageMapper): RewriteResult {
  const pieces: string[] = [];
  const changes: ImageChange[] = [];
  const unmapped: UnmappedImage[] = [];
  const rewriter = new ImageRewriter(mapImage, {
    write: (text) => pieces.push(text),
    change: (change) => changes.push(change),
    unmapped: (image) => unmapped.push(image),
  });
  rewriter.push(source);
  rewriter.end();
  return { text: rewriter.edited ? pieces.join('') : source, changes, unmapped };
}

function countNewlines(text: string, end: number): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < end; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}

const byLine = (a: { line: number }, b: { line: number }) => a.line - b.line;

/** The edits and findings of one document. */
class DocumentRewrite implements RewriteContext {
  readonly edits: Edit[] = [];
  readonly changes: ImageChange[] = [];
  readonly unmapped: UnmappedImage[] = [];
  readonly pulled: PulledImage[] = [];

  constructor(
    readonly mapImage: ImageMapper,
    private readonly source: SourceWindow,
  ) {}

  pulls(node: Node, image: CacheImage): void {
    this.pulled.push({ line: this.lineOf(node), ...image });
  }

  lineOf(node: Node): number {
    return this.source.lineOf(node.range![0]);
  }

  report(node: Node, reference: string, reason: string, noRule: boolean): void {
    this.unmapped.push({ line: this.lineOf(node), reference, reason, noRule });
  }

  /** An image rewrite leaves: says whether the cache could serve it, so `--strict` still sees a missing rule. */
  leave(node: Node, reference: string, why: string): void {
    const mapped = mapReference(this.mapImage, reference);
    if ('uri' in mapped) this.report(node, reference, mapped.uri === reference ? why : `${why} (the cache would serve it as ${mapped.uri})`, false);
    else this.report(node, reference, `${why} (and ${mapped.reason})`, true);
  }

  replace(node: Scalar, value: string): void {
    const [start, end] = node.range!;
    this.edits.push({ start, end, text: representLike(node, value) });
  }

  change(node: Node, from: string, to: string): void {
    this.changes.push({ line: this.lineOf(node), from, to });
  }

  /** The cache URI of a reference, or undefined (and listed) when it has none. */
  private mapped(node: Node, reference: string): string | undefined {
    const mapped = mapReference(this.mapImage, reference);
    if ('uri' in mapped) return mapped.uri;
    this.report(node, reference, mapped.reason, true);
    return undefined;
  }

  /**
   * A scalar that holds a whole reference (`image:` of a container, `newName` of a Kustomize image); `version` is the
   * tag or digest that goes with it when it is written elsewhere (`:1.0`, `@sha256:...`), for `pulls`.
   */
  private rewriteReference(node: unknown, version?: Version): void {
    const scalar = stringScalar(node);
    if (!scalar) return;
    if (!isRewritable(scalar)) return this.leave(scalar, String(scalar.value).trim(), 'a block scalar (| or >) is left as written');
    const from = String(scalar.value);
    const to = this.mapped(scalar, from);
    if (to === undefined) return;
    this.pulls(scalar, versioned(from, to, version));
    if (to === from) return;
    this.replace(scalar, to);
    this.change(scalar, from, to);
  }

  /** Kustomize `images`: `newName` is mapped; an image without one gets a `newName` line. */
  private rewriteKustomizeImages(images: unknown): void {
    if (!isSeq(images)) return;
    for (const item of images.items) {
      if (!isMap(item)) continue;
      const version = kustomizeVersion(item);
      const newName = item.get('newName', true);
      if (newName !== undefined) {
        this.rewriteReference(newName, version);
        continue;
      }
      const name = stringScalar(item.get('name', true));
      if (!name) continue;
      const from = String(name.value);
      const to = this.mapped(name, from);
      if (to === undefined) continue;
      this.pulls(name, versioned(from, to, version));
      if (to === from) continue;
      this.edits.push(insertNewName(this.source, item, name, to));
      this.change(name, from, to);
    }
  }

  /**
   * Images inside a container's `args`, `command` and `env` values (`--prometheus-config-reloader=quay.io/...`): the
   * program reads them, in a syntax of its own; they are reported, not changed.
   */
  private reportArguments(container: YAMLMap): void {
    for (const field of ['args', 'command']) {
      for (const item of seqItems(container.get(field, true)) ?? []) {
        const scalar = stringScalar(item);
        if (scalar) for (const image of imagesInText(String(scalar.value), this.mapImage)) this.leave(scalar, image, `in the container's ${field}, which rewrite does not edit`);
      }
    }
    for (const variable of seqItems(container.get('env', true)) ?? []) {
      const value = isMap(variable) ? stringScalar(variable.get('value', true)) : undefined;
      const name = isMap(variable) ? stringScalar(variable.get('name', true)) : undefined;
      const which = name ? ` ${String(name.value)}` : '';
      if (value) for (const image of imagesInText(String(value.value), this.mapImage)) this.leave(value, image, `in the container's env${which}, which rewrite does not edit`);
    }
  }

  /** Every `image: <string>` below a node of a kind rewrite does not read: reported, not changed. */
  private reportImages(node: unknown, kind: string): void {
    if (isSeq(node)) for (const item of node.items) this.reportImages(item, kind);
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const scalar = isScalar(pair.key) && pair.key.value === 'image' ? stringScalar(pair.value) : undefined;
      if (scalar) this.leave(scalar, String(scalar.value).trim(), `kind ${kind} is not one rewrite reads`);
      else this.reportImages(pair.value, kind);
    }
  }

  walkManifest(node: unknown): void {
    if (!isMap(node)) return;
    const kind = stringScalar(node.get('kind', true))?.value as string | undefined;
    if (kind === 'List') {
      const items = node.get('items', true);
      if (isSeq(items)) for (const item of items.items) this.walkManifest(item);
    } else if (kind === 'HelmRelease') {
      rewriteHelmValues(node.getIn(['spec', 'values'], true), this);
    } else if (kind === 'Application' && node.has('spec')) {
      // Argo CD: one source, or several.
      const sources = [node.getIn(['spec', 'source'], true), ...(seqItems(node.getIn(['spec', 'sources'], true)) ?? [])];
      for (const source of sources.filter(isMap)) {
        rewriteHelmValues(source.getIn(['helm', 'valuesObject'], true), this);
        const values = stringScalar(source.getIn(['helm', 'values'], true));
        if (values) this.reportEmbeddedValues(values);
      }
    } else if (kind === 'Kustomization') {
      // Kustomize's own file (kustomize.config.k8s.io) keeps `images` at the top; Flux's (kustomize.toolkit.fluxcd.io) in spec.
      this.rewriteKustomizeImages(node.get('images', true) ?? node.getIn(['spec', 'images'], true));
    } else if (typeof kind === 'string' && POD_SPEC_PATHS[kind]) {
      const podSpec = node.getIn(POD_SPEC_PATHS[kind], true);
      for (const list of CONTAINER_LISTS) {
        for (const container of (isMap(podSpec) ? seqItems(podSpec.get(list, true)) : undefined) ?? []) {
          if (!isMap(container)) continue;
          this.rewriteReference(container.get('image', true));
          this.reportArguments(container);
        }
      }
    } else if (kind === undefined && !node.has('apiVersion')) {
      // A kustomization.yaml without apiVersion and kind, or else a Helm values file.
      if (node.has('images') && (node.has('resources') || node.has('bases') || node.has('components'))) this.rewriteKustomizeImages(node.get('images', true));
      else rewriteHelmValues(node, this);
    } else if (kind !== undefined && !DATA_KINDS.has(kind)) {
      this.reportImages(node, kind);
    }
  }

  /** Argo CD `helm.values` is YAML inside a string: its images are reported, with the way to have them rewritten. */
  private reportEmbeddedValues(values: Scalar): void {
    let inner: RewriteResult;
    try {
      inner = rewriteImages(String(values.value), this.mapImage);
    } catch {
      return;
    }
    const base = this.lineOf(values);
    for (const found of [...inner.changes.map((item) => ({ line: item.line, reference: item.from })), ...inner.unmapped]) {
      this.unmapped.push({
        line: base + found.line,
        reference: found.reference,
        reason: 'Argo CD helm.values is a string rewrite does not edit: move the values to helm.valuesObject',
        noRule: 'noRule' in found && found.noRule,
      });
    }
  }
}

/** A `newName: <uri>` entry after `name` in a Kustomize image: on its own line in a block map, inline in a flow map. */
function insertNewName(source: SourceWindow, item: YAMLMap, name: Scalar, uri: string): Edit {
  const value = representLike({ type: 'PLAIN' }, uri);
  const pair = item.items.find((candidate) => isPair(candidate) && candidate.value === name)!;
  const keyStart = (pair.key as Node).range![0];
  if (item.flow) return { start: name.range![1], end: name.range![1], text: `, newName: ${value}` };
  const lineStart = source.lastIndexOf('\n', keyStart - 1) + 1;
  // The key's column, whatever precedes it on its line (`- ` of a sequence item).
  const indent = ' '.repeat(keyStart - lineStart);
  const lineEnd = source.indexOf('\n', name.range![1]);
  const at = lineEnd === -1 ? source.end : lineEnd;
  return { start: at, end: at, text: `\n${indent}newName: ${value}` };
}

/** A tag or digest written apart from the name it goes with; `unknown` says why there is none. */
type Version = { readonly suffix: string } | { readonly unknown: string };

/** A Kustomize image's version: `newTag` and `digest`, or, without either, the tag of the resources it overrides. */
function kustomizeVersion(item: YAMLMap): Version {
  const tag = stringOrNumber(item.get('newTag', true));
  const digest = stringOrNumber(item.get('digest', true));
  if (tag === undefined && digest === undefined) return { unknown: "a Kustomize image without newTag or digest keeps the tag of the resources it overrides; warm those" };
  return { suffix: `${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}` };
}

function stringOrNumber(node: unknown): string | undefined {
  if (!isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'number')) return undefined;
  const text = scalarText(node).trim();
  return text === '' ? undefined : text;
}

/** An image as `pulls` records it: its own reference, or a name with the version written apart from it. */
function versioned(reference: string, uri: string, version: Version | undefined): CacheImage {
  if (version === undefined) return { reference, uri };
  if ('unknown' in version) return { reference, uri, unversioned: version.unknown };
  return { reference: `${reference}${version.suffix}`, uri: `${uri}${version.suffix}` };
}

function seqItems(node: unknown): unknown[] | undefined {
  return isSeq(node) ? node.items : undefined;
}
