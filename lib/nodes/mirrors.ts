/**
 * Registry mirrors on the nodes: which upstream hosts a node's container runtime can send to the cache, and where.
 * The rules decide it; what a host mirror cannot express is left out with its reason. Sources: containerd's
 * docs/hosts.md, the prototype recorded in docs/node-mirrors.md.
 */
import { privateRegistryHost, ROOT_PREFIX } from '../aws/ecr';
import { type UpstreamName, upstream, upstreamRegistryUrl } from '../aws/upstreams';
import type { RuleSettings } from '../checks/rule';
import type { CacheEnvironment } from '../images/cache-uri';


/** One upstream host sent to the cache. */
export interface HostMirror {
  /** The host image references name: `docker.io`, `quay.io`, `<name>.azurecr.io`. */
  readonly host: string;
  /** The rule's prefix. */
  readonly prefix: string;
  readonly upstream: UpstreamName;
  /** `https://<account>.dkr.ecr.<region>.amazonaws.com/v2/<prefix>`: with `override_path`, `/v2/<prefix>/<path>/...`. */
  readonly endpoint: string;
  /** The upstream registry itself, where a pull falls back when the cache fails. */
  readonly upstreamServer: string;
}

/** A rule that no host mirror can serve, and why. */
export interface UnmirroredRule {
  readonly prefix: string;
  readonly upstream: UpstreamName;
  readonly reason: string;
}

export interface NodeMirrors {
  readonly mirrors: readonly HostMirror[];
  readonly leftOut: readonly UnmirroredRule[];
}

/** The host image references name a rule's upstream by: the first alias, else the registry's own host. */
function imageHost(rule: RuleSettings): string {
  return upstream(rule.upstream).aliases?.[0] ?? upstreamRegistryUrl(rule.upstream, rule.registry);
}

/** Which of the rules of the cache the nodes pull through can be host mirrors, and why the others cannot. */
export function nodeMirrors(cache: CacheEnvironment): NodeMirrors {
  const registry = privateRegistryHost(cache.account, cache.region);
  const ownReason = (rule: RuleSettings) =>
    upstream(rule.upstream).noNodeMirror ?? (rule.prefix === ROOT_PREFIX ? 'a ROOT rule has no prefix for a mirror path to name: reference the cache URI instead' : undefined);
  // Only the rules a mirror could serve compete for a host: a ROOT rule left out does not take its host from another.
  const byHost = new Map<string, RuleSettings[]>();
  for (const rule of cache.rules) if (ownReason(rule) === undefined) byHost.set(imageHost(rule), [...(byHost.get(imageHost(rule)) ?? []), rule]);
  const mirrors: HostMirror[] = [];
  const leftOut: UnmirroredRule[] = [];
  for (const rule of cache.rules) {
    const host = imageHost(rule);
    const sharing = byHost.get(host) ?? [];
    const reason =
      ownReason(rule) ??
      (sharing.length > 1 ? `rules ${listed(sharing.map((other) => other.prefix))} all pull from ${host}: a mirror sends a host to one prefix` : undefined);
    if (reason !== undefined) leftOut.push({ prefix: rule.prefix, upstream: rule.upstream, reason });
    else {
      mirrors.push({
        host,
        prefix: rule.prefix,
        upstream: rule.upstream,
        endpoint: `https://${registry}/v2/${rule.prefix}`,
        upstreamServer: `https://${upstreamRegistryUrl(rule.upstream, rule.registry)}`,
      });
    }
  }
  return { mirrors, leftOut };
}

/** `a and b`, `a, b and c`. */
function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
