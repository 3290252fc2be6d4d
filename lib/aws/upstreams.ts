/**
 * The one catalogue of upstream registries that ECR pull-through cache supports. Validation, secrets, IAM,
 * outputs and image mapping all read it; no fact about an upstream is written anywhere else.
 * Source: ../shared/reference/ecr-pull-through-cache.md ("Upstream registries").
 */
import { didYouMean } from './close-match';
import { parsePrivateRegistryHost } from './ecr';
import { type RegionOptions, regionProblem } from './regions';

/** How ECR authenticates to the upstream. */
export type UpstreamAuth =
  /** Anonymous pulls. */
  | 'none'
  /** A Secrets Manager secret `{"username", "accessToken"}`, wired to `credential_arn`. */
  | 'secret'
  /** An IAM role for `custom_role_arn` (ECR-to-ECR, needed cross-account). */
  | 'role';

export interface UpstreamSpec {
  /** Human name for messages and docs. */
  readonly title: string;
  /** The `upstream_registry_url` when it is fixed. */
  readonly host?: string;
  /** When the host varies, what it looks like, and why a given one is wrong (undefined when right). */
  readonly hostFormat?: {
    readonly example: string;
    readonly problem: (host: string, options?: RegionOptions) => string | undefined;
  };
  /**
   * Other hosts that name the same registry in image references; the first is the one they normally use (what a
   * node's container runtime is asked for, and so what a registry mirror on the node is keyed by).
   */
  readonly aliases?: readonly string[];
  readonly auth: UpstreamAuth;
  /** What the secret's `accessToken` holds, for the docs. */
  readonly accessTokenIs?: string;
  /** True for the registry an image reference without a host means (Docker Hub). */
  readonly isDefaultRegistry?: boolean;
  /** Namespace of single-component repository names (`nginx` is `library/nginx` on Docker Hub). */
  readonly officialImagesNamespace?: string;
  /** True where a rule may map to a prefix of the upstream's repositories (`upstream_repository_prefix`). */
  readonly supportsUpstreamPrefix?: boolean;
  /** Why a registry mirror on the nodes cannot send this upstream to the cache, when it cannot. */
  readonly noNodeMirror?: string;
}

function privateEcrHostProblem(host: string, options?: RegionOptions): string | undefined {
  const parsed = parsePrivateRegistryHost(host);
  if (!parsed) return `"${host}" is not a private ECR registry host (<account>.dkr.ecr.<region>.amazonaws.com)`;
  return regionProblem(parsed.region, options);
}

function azureHostProblem(host: string): string | undefined {
  // Registry names are 5-50 alphanumerics; the login server is their lower-case form.
  return /^[a-z0-9]{5,50}\.azurecr\.io$/.test(host)
    ? undefined
    : `"${host}" is not an Azure Container Registry login server (<name>.azurecr.io, 5-50 lower-case letters or digits)`;
}

export const UPSTREAMS = {
  'ecr-public': {
    title: 'Amazon ECR Public',
    host: 'public.ecr.aws',
    auth: 'none',
    noNodeMirror:
      "the kubelet's ecr-credential-provider answers public.ecr.aws with an ECR Public token (cloud-provider-aws PR #603), " +
      'which the private cache does not accept: reference the cache URI instead',
  },
  k8s: { title: 'Kubernetes registry (registry.k8s.io)', host: 'registry.k8s.io', auth: 'none' },
  quay: { title: 'Quay', host: 'quay.io', auth: 'none' },
  'docker-hub': {
    title: 'Docker Hub',
    // The API wants the registry host, not docker.io.
    host: 'registry-1.docker.io',
    aliases: ['docker.io', 'index.docker.io'],
    auth: 'secret',
    accessTokenIs: 'a Docker Hub personal access token (read-only public repositories scope is enough)',
    isDefaultRegistry: true,
    officialImagesNamespace: 'library',
  },
  'github-container-registry': {
    title: 'GitHub Container Registry',
    host: 'ghcr.io',
    auth: 'secret',
    accessTokenIs: 'a GitHub personal access token (classic) with read:packages',
  },
  'gitlab-container-registry': {
    title: 'GitLab Container Registry (GitLab.com)',
    host: 'registry.gitlab.com',
    auth: 'secret',
    accessTokenIs: 'a GitLab personal, group or project access token with read_registry',
  },
  'azure-container-registry': {
    title: 'Azure Container Registry',
    hostFormat: { example: 'myregistry.azurecr.io', problem: azureHostProblem },
    auth: 'secret',
    accessTokenIs: 'a password of the registry (token, service principal or admin user)',
  },
  chainguard: {
    title: 'Chainguard',
    host: 'cgr.dev',
    auth: 'secret',
    accessTokenIs: 'a Chainguard pull token (its identity is the username)',
  },
  ecr: {
    title: 'Amazon ECR private registry (cross-region or cross-account)',
    hostFormat: { example: '111122223333.dkr.ecr.us-east-1.amazonaws.com', problem: privateEcrHostProblem },
    auth: 'role',
    supportsUpstreamPrefix: true,
    noNodeMirror:
      "the kubelet's ecr-credential-provider answers an ECR host with a token for that registry's region, which the cache " +
      'refuses unless it is the same region, and ECR pulls have no rate limit to escape: reference the cache URI instead',
  },
} as const satisfies Record<string, UpstreamSpec>;

export type UpstreamName = keyof typeof UPSTREAMS;

export const UPSTREAM_NAMES = Object.keys(UPSTREAMS) as [UpstreamName, ...UpstreamName[]];

export function upstream(name: UpstreamName): UpstreamSpec {
  return UPSTREAMS[name];
}

export function isUpstreamName(name: string): name is UpstreamName {
  return Object.hasOwn(UPSTREAMS, name);
}

/** Why `registry` cannot be this upstream's `upstream_registry_url` (undefined when it can, or may be derived). */
export function upstreamRegistryProblem(name: UpstreamName, registry: string | undefined, options?: RegionOptions): string | undefined {
  const spec = upstream(name);
  if (spec.host !== undefined) {
    if (registry === undefined || registry === spec.host) return undefined;
    return `${name}'s registry is always ${spec.host}; remove "registry" or set it to that`;
  }
  if (registry === undefined) return `${name} needs "registry", its host (for example ${spec.hostFormat!.example})`;
  return spec.hostFormat!.problem(registry, options);
}

/** The `upstream_registry_url` of a rule. Call after validation. */
export function upstreamRegistryUrl(name: UpstreamName, registry?: string): string {
  const host = upstream(name).host ?? registry;
  if (host === undefined) throw new Error(`${name} needs a registry host`);
  return host;
}

/**
 * The upstream that serves a registry host, by the catalogue: its host, one of its aliases, or a host of its format
 * (`<name>.azurecr.io`, `<account>.dkr.ecr.<region>.amazonaws.com`). A scheme or a path after the host is ignored.
 */
export function upstreamServing(reference: string): { readonly name: UpstreamName; readonly host: string } | undefined {
  const host = reference.replace(/^[a-z]+:\/\//i, '').split('/')[0].toLowerCase();
  for (const name of UPSTREAM_NAMES) {
    const spec: UpstreamSpec = UPSTREAMS[name];
    if (spec.host === host || spec.aliases?.includes(host) || (spec.hostFormat && spec.hostFormat.problem(host) === undefined)) return { name, host };
  }
  return undefined;
}

/** Why `input` is not the name of an upstream: with the upstream a registry host belongs to, or a close name. */
export function unknownUpstreamProblem(input: unknown): string {
  const names = `one of ${UPSTREAM_NAMES.join(', ')}`;
  if (typeof input !== 'string') return `${JSON.stringify(input)} is not an upstream AWS supports; ${names}`;
  const served = upstreamServing(input);
  if (served) {
    const registry = upstream(served.name).host === undefined ? ` and registry: ${served.host}` : '';
    return `"${input}" is the host of an upstream, not its name: write upstream: ${served.name}${registry}`;
  }
  return `"${input}" is not an upstream AWS supports${didYouMean(input, UPSTREAM_NAMES)}; ${names}`;
}
