/**
 * Images in Helm values. A chart builds each image reference in its own templates, which rewrite does not see, from
 * values that follow one of a few conventions:
 *
 * - Bitnami: `global.imageRegistry` when set, else the image's `registry`, then `/repository`
 *   (bitnami/charts, bitnami/common/templates/_images.tpl, `common.images.image`).
 * - kube-prometheus-stack: the same, `{{ .Values.global.imageRegistry | default .Values.prometheusOperator.image.registry }}/
 *   {{ ...image.repository }}` (prometheus-community/helm-charts, charts/kube-prometheus-stack/templates/
 *   prometheus-operator/deployment.yaml).
 * - ingress-nginx: `merge .Values.controller.image .Values.global.image`, so the image's own `registry`, else
 *   `global.image.registry`, then `/image`; a `repository`, when set, is the whole reference instead
 *   (kubernetes/ingress-nginx, charts/ingress-nginx/templates/controller-deployment.yaml, and `ingress-nginx.image` in
 *   _helpers.tpl, which only adds `-chroot`).
 * - Charts that put `global.image.registry` first (`global.image.registry | default .image.registry`).
 * - A name with no registry anywhere in the values is the reference itself, Docker Hub's when it names no host.
 *
 * Which one a chart follows cannot be seen from its values, so every reference these conventions could render from an
 * image's values is a reading of it, and rewrite edits only when one set of edits gives every reading its own cache
 * URI (or leaves it as it was): whichever the chart follows, the image is then pulled from the same upstream, through
 * the cache. When no such edits exist, or a registry is written where no known convention reads it (a `registry` key
 * at another level, say), the image is left as it is and reported with the reason.
 */
import { isMap, isScalar, isSeq, type Scalar, type YAMLMap } from 'yaml';
import type { NotMapped } from './cache-uri';
import { imagesInText, isRewritable, mapReference, type RewriteContext, scalarText, stringScalar } from './rewrite-context';
import { parseImageReference } from './image-reference';

/** Siblings that mark a map with `repository` (or ingress-nginx's `image`) as an image; kube-prometheus-stack pins with `sha`. */
const IMAGE_MAP_HINTS = ['tag', 'digest', 'sha', 'pullPolicy'];
/** Keys that hold a registry: `registry`, `imageRegistry`, `prometheusDefaultBaseImageRegistry`... */
const REGISTRY_KEY = /registry$/i;
/** Keys whose strings a chart passes to a program (`extraArgs`, `env`...): images there are in its syntax, not edited. */
const ARGUMENT_KEY = /^(extra|container)?(args|command|commands|envs?|envvars)$/i;

/** A registry written in the values, and where. */
interface Registry {
  readonly scalar: Scalar;
  readonly path: string;
}

/** One reference a chart may render from an image's values: a registry joined to the name, or the name alone. */
interface Reading {
  readonly registry?: Registry;
  readonly from: string;
  readonly mapped: { readonly uri: string } | NotMapped;
}

/** An image of the values: the scalar that names it, and the references it may render as. */
interface Site {
  readonly name: Scalar;
  /** Where it is reported: its own registry, or its name. */
  readonly at: Scalar;
  readonly readings: readonly Reading[];
  /** A registry whose use no known convention settles: the image is left, and the registry too. */
  readonly unknown?: Registry;
  /** The tag and digest of an image map (`:v1.2@sha256:...`), or why it has none; none for a whole reference. */
  readonly version?: { readonly suffix: string } | { readonly unknown: string };
}

/**
 * The version an image map gives: its `tag`, and its `digest` (Bitnami, ingress-nginx) or `sha` (kube-prometheus-stack
 * adds `@sha256:` before it). Without either the chart renders its own appVersion, which the values do not hold.
 */
function versionOf(node: YAMLMap): NonNullable<Site['version']> {
  const text = (key: string) => {
    const scalar = node.get(key, true);
    if (!isScalar(scalar) || (typeof scalar.value !== 'string' && typeof scalar.value !== 'number')) return undefined;
    const value = scalarText(scalar).trim();
    return value === '' ? undefined : value;
  };
  const tag = text('tag');
  const sha = text('sha');
  const digest = text('digest') ?? (sha === undefined ? undefined : sha.startsWith('sha256:') ? sha : `sha256:${sha}`);
  if (tag === undefined && digest === undefined) return { unknown: "its values give no tag or digest: the chart renders its own appVersion, which the values do not hold" };
  return { suffix: `${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}` };
}

const valueOf = (scalar: Scalar) => String(scalar.value);

function nonEmptyString(node: unknown): Scalar | undefined {
  const scalar = stringScalar(node);
  return scalar && valueOf(scalar).trim() !== '' ? scalar : undefined;
}

function registryAt(node: unknown, path: string): Registry | undefined {
  const scalar = nonEmptyString(node);
  return scalar ? { scalar, path } : undefined;
}

/** The two global registries charts read. */
interface Globals {
  /** Bitnami's and kube-prometheus-stack's. */
  readonly imageRegistry?: Registry;
  /** ingress-nginx's, and other charts'. */
  readonly imageDotRegistry?: Registry;
}

function globalsOf(root: unknown): Globals {
  const global = isMap(root) ? root.get('global', true) : undefined;
  if (!isMap(global)) return {};
  return {
    imageRegistry: registryAt(global.get('imageRegistry', true), 'global.imageRegistry'),
    imageDotRegistry: registryAt(global.getIn(['image', 'registry'], true), 'global.image.registry'),
  };
}

/** True when a reference starts with a registry host, as the container runtime reads it. */
function namesAHost(reference: string): boolean {
  try {
    return parseImageReference(reference).domain !== undefined;
  } catch {
    return false;
  }
}

/** Rewrites the images of a Helm values tree (a values file, a HelmRelease's `spec.values`, an Argo CD `valuesObject`). */
export function rewriteHelmValues(root: unknown, context: RewriteContext): void {
  const globals = globalsOf(root);
  const sites: Site[] = [];
  const reading = (registry: Registry | undefined, name: Scalar): Reading => {
    const from = registry ? `${valueOf(registry.scalar)}/${valueOf(name)}` : valueOf(name);
    return { ...(registry ? { registry } : {}), from, mapped: mapReference(context.mapImage, from) };
  };

  const visit = (node: unknown, path: string, key: string | undefined, outer: readonly Registry[]): void => {
    if (isSeq(node)) {
      node.items.forEach((item, index) => visit(item, `${path}[${index}]`, undefined, outer));
      return;
    }
    if (!isMap(node)) return;
    const at = (child: string) => (path === '' ? child : `${path}.${child}`);
    const repository = nonEmptyString(node.get('repository', true));
    const imageName = nonEmptyString(node.get('image', true));
    const hinted = IMAGE_MAP_HINTS.some((hint) => node.has(hint)) || node.has('registry') || /image$/i.test(key ?? '');
    const imageMap = hinted && (repository ?? imageName) !== undefined;
    const local = imageMap ? registryAt(node.get('registry', true), at('registry')) : undefined;
    // Registries of this level that no convention joins to its images. One beside the key it is named for
    // (kube-prometheus-stack's `prometheusDefaultBaseImageRegistry` beside `prometheusDefaultBaseImage`) is that key's
    // alone, not the levels' below.
    const level: Registry[] = [];
    const paired = new Set<Registry>();
    for (const pair of node.items) {
      const pairKey = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (pairKey === undefined || !REGISTRY_KEY.test(pairKey) || (imageMap && pairKey === 'registry') || (path === '' && pairKey === 'global')) continue;
      const registry = registryAt(pair.value, at(pairKey));
      if (!registry) continue;
      level.push(registry);
      if (pairKey.length > 'registry'.length && node.has(pairKey.slice(0, -'registry'.length))) paired.add(registry);
    }
    const nearest = [...level, ...[...outer].reverse()][0];
    const below = level.filter((registry) => !paired.has(registry));

    if (imageMap) {
      const name = (repository ?? imageName)!;
      const byRepository = name === repository;
      // In the order the known conventions prefer them: the first is the one reported.
      const registries = (byRepository ? [globals.imageRegistry, local, globals.imageDotRegistry] : [local, globals.imageDotRegistry, globals.imageRegistry]).filter(
        (registry) => registry !== undefined,
      );
      // ingress-nginx: a `repository` beside `image` is the whole reference; no registry anywhere: the name is.
      const readings = byRepository && imageName ? [reading(undefined, name)] : registries.map((registry) => reading(registry, name));
      if (readings.length === 0) readings.push(reading(undefined, name));
      sites.push({ name, at: local?.scalar ?? name, readings, ...(nearest ? { unknown: nearest } : {}), version: versionOf(node) });
    }

    const inner = [...outer, ...below, ...(local ? [local] : [])];
    for (const pair of node.items) {
      const pairKey = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (pairKey === undefined || (path === '' && pairKey === 'global')) continue;
      const image = pairKey === 'image' && !imageMap ? nonEmptyString(pair.value) : undefined;
      const pairedRegistry = image ? undefined : registryAt(node.get(`${pairKey}Registry`, true), at(`${pairKey}Registry`));
      const pairedName = pairedRegistry && nonEmptyString(pair.value);
      if (ARGUMENT_KEY.test(pairKey)) {
        reportArguments(pair.value, at(pairKey), context);
      } else if (pairedRegistry && pairedName) {
        // kube-prometheus-stack: `--prometheus-default-base-image={{ global.imageRegistry | default
        // prometheusDefaultBaseImageRegistry }}/{{ prometheusDefaultBaseImage }}`, an argument of the operator's.
        context.leave(
          pairedName,
          `${valueOf(pairedRegistry.scalar)}/${valueOf(pairedName)}`,
          `the chart joins ${pairedRegistry.path} (line ${context.lineOf(pairedRegistry.scalar)}) and ${at(pairKey)} in a way rewrite does not know, and does not edit them`,
        );
      } else if (image) {
        // An `image` string: a container's (beside its `name`: charts write those as they are) or one naming its host is
        // the reference itself; any other may also have a global registry put before it.
        const asItIs = node.has('name') || namesAHost(valueOf(image));
        const readings = [reading(undefined, image), ...(asItIs ? [] : [globals.imageDotRegistry, globals.imageRegistry].filter((registry) => registry !== undefined).map((registry) => reading(registry, image)))];
        sites.push({ name: image, at: image, readings, ...(nearest && !asItIs ? { unknown: nearest } : {}) });
      } else if (isMap(pair.value) || isSeq(pair.value)) {
        visit(pair.value, at(pairKey), pairKey, inner);
      }
    }
  };
  visit(root, '', undefined, []);
  for (const group of sharingScalars(sites)) new ValuesSolver(group, context).apply();
}

/** Every string below an argument key: the images inside it are reported, not edited. */
function reportArguments(node: unknown, path: string, context: RewriteContext): void {
  if (isSeq(node)) node.items.forEach((item) => reportArguments(item, path, context));
  else if (isMap(node)) for (const pair of node.items) reportArguments(pair.value, path, context);
  const scalar = stringScalar(node);
  if (!scalar) return;
  for (const image of imagesInText(valueOf(scalar), context.mapImage)) context.leave(scalar, image, `in ${path}, which rewrite does not edit`);
}

/** The sites that share a scalar (a global registry, most often), each group to be solved together. */
function sharingScalars(sites: readonly Site[]): Site[][] {
  const parent = new Map<Scalar, Scalar>();
  const find = (scalar: Scalar): Scalar => {
    let root = scalar;
    while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(scalar, root);
    return root;
  };
  const union = (a: Scalar, b: Scalar) => parent.set(find(a), find(b));
  for (const site of sites) {
    if (!parent.has(site.name)) parent.set(site.name, site.name);
    for (const scalar of [...site.readings.flatMap((reading) => (reading.registry ? [reading.registry.scalar] : [])), ...(site.unknown ? [site.unknown.scalar] : [])]) {
      if (!parent.has(scalar)) parent.set(scalar, scalar);
      union(scalar, site.name);
    }
  }
  const groups = new Map<Scalar, Site[]>();
  for (const site of sites) {
    const root = find(site.name);
    groups.set(root, [...(groups.get(root) ?? []), site]);
  }
  return [...groups.values()];
}

/** Why a site is left; `said` when the reason is whole (no "the cache would serve it as", which one reading cannot say). */
interface Left {
  readonly reason: string;
  readonly noRule: boolean;
  readonly said?: boolean;
}

/** Cache URIs keep the name after the registry (`<cache>/k8s` + `ingress-nginx/controller`), or split at the cache's host. */
type Strategy = 'keep-names' | 'split-at-host';

interface Outcome {
  readonly rewritten: ReadonlySet<Site>;
  readonly values: ReadonlyMap<Scalar, { readonly value: string; readonly by: readonly Site[] }>;
  /** Why each site left is left ('' when it is in the cache already: nothing to say). */
  readonly reasons: ReadonlyMap<Site, Left>;
}

/** Finds the edits for a group of sites that share scalars, and makes them. */
class ValuesSolver {
  constructor(
    private readonly sites: readonly Site[],
    private readonly context: RewriteContext,
  ) {}

  apply(): void {
    const [keep, split] = (['keep-names', 'split-at-host'] as const).map((strategy) => this.attempt(strategy));
    const outcome = split.rewritten.size > keep.rewritten.size ? split : keep;
    for (const [scalar, { value }] of outcome.values) if (value !== valueOf(scalar)) this.context.replace(scalar, value);
    for (const site of this.sites) {
      const changed = site.readings.find((reading) => 'uri' in reading.mapped && reading.mapped.uri !== reading.from);
      if (outcome.rewritten.has(site) && changed && 'uri' in changed.mapped) {
        this.context.change(site.at, changed.from, changed.mapped.uri);
        this.pulls(site);
        continue;
      }
      const left = outcome.reasons.get(site);
      if (left?.reason === '') this.pulls(site);
      if (!left || left.reason === '') continue;
      if (left.noRule || left.said) this.context.report(site.at, site.readings[0].from, left.reason, left.noRule);
      else this.context.leave(site.at, site.readings[0].from, left.reason);
    }
  }

  private line(scalar: Scalar): number {
    return this.context.lineOf(scalar);
  }

  /**
   * A site that pulls through the cache, every reading of it now rendering its cache URI: the reading the known
   * conventions prefer (the first) is the one recorded.
   */
  private pulls(site: Site): void {
    const [reading] = site.readings;
    if (!('uri' in reading.mapped)) return;
    const version = site.version;
    if (version !== undefined && 'unknown' in version) this.context.pulls(site.at, { reference: reading.from, uri: reading.mapped.uri, unversioned: version.unknown });
    else this.context.pulls(site.at, { reference: `${reading.from}${version?.suffix ?? ''}`, uri: `${reading.mapped.uri}${version?.suffix ?? ''}` });
  }

  /** The sites it can rewrite with one strategy, dropping, until none conflict, those whose edits would. */
  private attempt(strategy: Strategy): Outcome {
    const reasons = new Map<Site, Left>();
    const frozen = new Map<Scalar, string>();
    for (const site of this.sites) {
      if (!isRewritable(site.name)) frozen.set(site.name, 'a block scalar (| or >) is left as written');
      for (const { registry } of site.readings) {
        if (registry && !isRewritable(registry.scalar)) frozen.set(registry.scalar, `${registry.path} is a block scalar (| or >), left as written`);
      }
      if (site.unknown) frozen.set(site.unknown.scalar, `${site.unknown.path} is read in a way rewrite does not know`);
    }

    const rewritten = new Set<Site>();
    for (const site of this.sites) {
      const failed = site.readings.find((reading) => !('uri' in reading.mapped));
      if (site.unknown) {
        const { path, scalar } = site.unknown;
        reasons.set(site, {
          reason: `${path} (${valueOf(scalar)}, line ${this.line(scalar)}) may be put before it, and rewrite does not know how this chart joins them`,
          noRule: site.readings.some((reading) => !('uri' in reading.mapped)),
          said: true,
        });
      } else if (failed && !('uri' in failed.mapped)) {
        const reason = failed === site.readings[0] ? failed.mapped.reason : `as the chart may render it, ${failed.from} (with ${failed.registry?.path}): ${failed.mapped.reason}`;
        reasons.set(site, { reason, noRule: true });
      } else if (site.readings.every((reading) => 'uri' in reading.mapped && reading.mapped.uri === reading.from)) {
        reasons.set(site, { reason: '', noRule: false });
      } else {
        rewritten.add(site);
      }
    }

    for (;;) {
      const drop = new Map<Site, Left>();
      // First the sites whose own readings need two values in one place: no edit serves them, whatever the others need.
      const proposals = new Map<Site, Map<Scalar, string>>();
      for (const site of rewritten) {
        const own = new Map<Scalar, string>();
        for (const reading of site.readings) {
          for (const [scalar, value] of propose(site, reading, strategy)) {
            const why = frozen.get(scalar);
            if (why !== undefined && value !== valueOf(scalar)) drop.set(site, { reason: why, noRule: false });
            else if (own.has(scalar) && own.get(scalar) !== value) drop.set(site, { reason: this.ambiguous(site), noRule: false, said: true });
            else own.set(scalar, value);
          }
        }
        proposals.set(site, own);
      }
      // Then the places that sites sharing them need different values in.
      const values = new Map<Scalar, { value: string; by: Site[] }>();
      if (drop.size === 0) {
        for (const [site, own] of proposals) {
          for (const [scalar, value] of own) {
            const held = values.get(scalar);
            if (!held) values.set(scalar, { value, by: [site] });
            else if (held.value === value) held.by.push(site);
            else for (const other of [...held.by, site]) if (!drop.has(other)) drop.set(other, { reason: this.shared(scalar, other, [...held.by, site]), noRule: false });
          }
        }
      }
      if (drop.size === 0) {
        // Last, a site left must render as it did, or from the cache, after the others' edits.
        for (const site of this.sites) {
          if (rewritten.has(site)) continue;
          for (const reading of site.readings) {
            if (!reading.registry) continue;
            const { path, scalar } = reading.registry;
            const held = values.get(scalar);
            if (!held || held.value === valueOf(scalar)) continue;
            const after = `${held.value}/${valueOf(site.name)}`;
            if (after === reading.from || ('uri' in reading.mapped && after === reading.mapped.uri)) continue;
            for (const other of held.by) {
              const reason = `${path} (line ${this.line(scalar)}) cannot change for it: ${site.readings[0].from} (line ${this.line(site.at)}), which rewrite leaves, reads it too`;
              if (!drop.has(other)) drop.set(other, { reason, noRule: false });
            }
          }
        }
      }
      if (drop.size === 0) return { rewritten, values, reasons };
      for (const [site, left] of drop) {
        rewritten.delete(site);
        reasons.set(site, left);
      }
    }
  }

  /** Why a site whose readings need different values in one place is left. */
  private ambiguous(site: Site): string {
    const readings = site.readings.map((reading) => (reading.registry ? `${reading.from} (with ${reading.registry.path})` : reading.from));
    return `the chart may render it as ${readings.join(' or as ')}, and no one edit gives each its cache URI`;
  }

  /** Why `site` is left when the sites `by` need different values in `scalar`, a registry they share. */
  private shared(scalar: Scalar, site: Site, by: readonly Site[]): string {
    const other = by.find((candidate) => candidate !== site)!;
    const registry = site.readings.find((reading) => reading.registry?.scalar === scalar)!.registry!;
    return `${registry.path} (line ${this.line(scalar)}) is shared with ${other.readings[0].from} (line ${this.line(other.at)}), which needs another value in it`;
  }
}

/** The values a reading needs its registry and name to hold for it to render as its cache URI. */
function propose(site: Site, reading: Reading, strategy: Strategy): [Scalar, string][] {
  if (!('uri' in reading.mapped)) return [];
  const { uri } = reading.mapped;
  if (!reading.registry) return [[site.name, uri]];
  const name = valueOf(site.name);
  if (strategy === 'keep-names' && uri.endsWith(`/${name}`) && uri.length > name.length + 1) return [[reading.registry.scalar, uri.slice(0, -name.length - 1)], [site.name, name]];
  const host = uri.slice(0, uri.indexOf('/'));
  return [[reading.registry.scalar, host], [site.name, uri.slice(host.length + 1)]];
}
