/**
 * Image reference -> pull-through cache URI: `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<path>[:tag][@digest]`.
 * The upstream host is replaced by the rule's prefix and the path is kept; what each upstream adds (Docker Hub's
 * aliases and `library/`, ECR's upstream prefixes) comes from the catalogue.
 */
import { ROOT_PREFIX, privateRegistryHost } from '../aws/ecr';
import { type ImageReference, formatImageReference, parseImageReference } from './image-reference';
import type { RuleSettings } from '../checks/rule';
import type { CacheRegistry } from '../checks/common';
import { UPSTREAMS, type UpstreamName, upstream, upstreamRegistryUrl } from '../aws/upstreams';

/** What mapping needs of an environment; a validated `Environment` is one. */
export interface CacheEnvironment extends CacheRegistry {
  readonly name?: string;
  readonly rules: readonly RuleSettings[];
}

/** A reference that cannot be pulled through this environment's cache. */
export class ImageMappingError extends Error {
  constructor(
    readonly reference: string,
    readonly reason: string,
  ) {
    super(`${reference}: ${reason}`);
    this.name = 'ImageMappingError';
  }
}

/** Why a reference cannot be pulled through the cache, as `cacheImageUriOrReason` returns it. */
export interface NotMapped {
  readonly reason: string;
}

const DEFAULT_UPSTREAM = (Object.keys(UPSTREAMS) as UpstreamName[]).find((name) => upstream(name).isDefaultRegistry)!;

/** The upstream and host a reference pulls from, with the catalogue's aliases resolved. */
function upstreamHostOf(reference: ImageReference): string {
  if (reference.domain === undefined) return upstreamRegistryUrl(DEFAULT_UPSTREAM);
  for (const name of Object.keys(UPSTREAMS) as UpstreamName[]) {
    const spec = upstream(name);
    if (spec.host !== undefined && spec.aliases?.includes(reference.domain)) return spec.host;
  }
  return reference.domain;
}

/** The repository path as the upstream knows it: Docker Hub's single-component names live under `library/`. */
function upstreamPath(name: UpstreamName, path: string): string {
  const namespace = upstream(name).officialImagesNamespace;
  return namespace !== undefined && !path.includes('/') ? `${namespace}/${path}` : path;
}

interface RuleMatch {
  readonly rule: RuleSettings;
  /** The path below the rule's prefix in the cache. */
  readonly cachePath: string;
}

/**
 * The rule that caches `path` from `host`: for ECR upstreams, the one whose upstream prefix is the longest that
 * matches (a rule without one matches everything); otherwise the first rule for that registry.
 */
function matchRule(environment: CacheEnvironment, host: string, path: string): RuleMatch | undefined {
  let best: (RuleMatch & { readonly specificity: number }) | undefined;
  for (const rule of environment.rules) {
    if (upstreamRegistryUrl(rule.upstream, rule.registry) !== host) continue;
    const fullPath = upstreamPath(rule.upstream, path);
    const upstreamPrefix = rule.upstreamPrefix === undefined || rule.upstreamPrefix === ROOT_PREFIX ? undefined : rule.upstreamPrefix;
    if (upstreamPrefix !== undefined && !fullPath.startsWith(`${upstreamPrefix}/`)) continue;
    const specificity = upstreamPrefix?.length ?? 0;
    if (best === undefined || specificity > best.specificity) {
      best = { rule, cachePath: upstreamPrefix === undefined ? fullPath : fullPath.slice(upstreamPrefix.length + 1), specificity };
    }
  }
  return best;
}

/**
 * The cache URI of an image reference. A reference that already points at this environment's registry comes
 * back unchanged, so rewriting twice changes nothing. Throws ImageMappingError for an invalid reference or a
 * registry without a rule.
 */
export function cacheImageUri(environment: CacheEnvironment, reference: string): string {
  const mapped = cacheImageUriOrReason(environment, reference);
  if (typeof mapped !== 'string') throw new ImageMappingError(reference, mapped.reason);
  return mapped;
}

/** cacheImageUri, returning the reason instead of throwing it: for callers that map many references that have none. */
export function cacheImageUriOrReason(environment: CacheEnvironment, reference: string): string | NotMapped {
  let parsed: ImageReference;
  try {
    parsed = parseImageReference(reference);
  } catch (error) {
    return { reason: `not a valid image reference: ${(error as { reason?: string }).reason ?? String(error)}` };
  }
  const cacheHost = privateRegistryHost(environment.account, environment.region);
  if (parsed.domain === cacheHost) return reference;

  const host = upstreamHostOf(parsed);
  const match = matchRule(environment, host, parsed.path);
  if (!match) {
    const where = environment.name ? ` in environment ${environment.name}` : '';
    const prefixes = environment.rules.filter((rule) => upstreamRegistryUrl(rule.upstream, rule.registry) === host);
    return {
      reason:
        prefixes.length > 0
          ? `no rule${where} maps ${host}/${parsed.path} (its rules for ${host} cover only ${prefixes.map((rule) => `${rule.upstreamPrefix}/`).join(', ')})`
          : `no rule${where} pulls through from ${host}`,
    };
  }
  const path = match.rule.prefix === ROOT_PREFIX ? match.cachePath : `${match.rule.prefix}/${match.cachePath}`;
  // ECR serves a cache repository from the rule with the longest matching prefix: a path that lands under another
  // rule (`quay/x` under ROOT when a `quay` rule exists) would be pulled from that rule's upstream instead.
  const served = servingRule(environment, path);
  if (served !== match.rule) {
    return {
      reason:
        `its cache path ${path} belongs to rule ${served?.prefix ?? '(none)'} (${served?.upstream ?? 'no upstream'}), not to rule ${match.rule.prefix}: ` +
        'ECR would pull another image; give the rules prefixes that do not nest',
    };
  }
  return formatImageReference({ domain: cacheHost, path, tag: parsed.tag, digest: parsed.digest });
}

/** The rule ECR routes a cache repository path to: the longest prefix it starts with, else the ROOT rule. */
export function servingRule(environment: Pick<CacheEnvironment, 'rules'>, path: string): RuleSettings | undefined {
  let served: RuleSettings | undefined;
  for (const rule of environment.rules) {
    if (rule.prefix === ROOT_PREFIX) continue;
    if (path.startsWith(`${rule.prefix}/`) && (served === undefined || rule.prefix.length > served.prefix.length)) served = rule;
  }
  return served ?? environment.rules.find((rule) => rule.prefix === ROOT_PREFIX);
}
