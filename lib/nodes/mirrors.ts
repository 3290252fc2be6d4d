/**
 * Registry mirrors on the nodes: which upstream hosts a node's container runtime can send to the cache, and where.
 * The rules decide it; what a host mirror cannot express is left out with its reason. Sources: containerd's
 * docs/hosts.md, the prototype recorded in the README ("Registry mirrors on the nodes").
 */
import { privateRegistryHost, ROOT_PREFIX } from '../aws/ecr';
import { type UpstreamName, upstream, upstreamRegistryUrl } from '../aws/upstreams';
import type { RuleSettings } from '../checks/rule';

/** The cache the nodes pull through: its registry and rules. */
export interface MirroredCache {
  readonly account: string;
  readonly region: string;
  readonly rules: readonly RuleSettings[];
}

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

/** The host image references name a rule's upstream by. */
function imageHost(rule: RuleSettings): string {
  return upstream(rule.upstream).imageHost ?? upstreamRegistryUrl(rule.upstream, rule.registry);
}

export function nodeMirrors(cache: MirroredCache): NodeMirrors {
  const mirrors: HostMirror[] = [];
  const leftOut: UnmirroredRule[] = [];
  const registry = privateRegistryHost(cache.account, cache.region);
  const byHost = new Map<string, RuleSettings[]>();
  for (const rule of cache.rules) byHost.set(imageHost(rule), [...(byHost.get(imageHost(rule)) ?? []), rule]);
  for (const rule of cache.rules) {
    const spec = upstream(rule.upstream);
    const host = imageHost(rule);
    const sharing = byHost.get(host)!;
    const reason =
      spec.noNodeMirror ??
      (rule.prefix === ROOT_PREFIX
        ? 'a ROOT rule has no prefix for a mirror path to name: reference the cache URI instead'
        : sharing.length > 1
          ? `rules ${sharing.map((other) => other.prefix).join(' and ')} both pull from ${host}: a mirror sends a host to one prefix`
          : undefined);
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
