/**
 * Container image references, parsed the way Docker and containerd do: a port of the grammar in
 * github.com/distribution/reference (regexp.go, reference.go), of the first-component rule of normalize.go's
 * splitDockerDomain, and of the digest checks of github.com/opencontainers/go-digest v1.0.0 (the version
 * distribution/reference requires). Anything distribution rejects is rejected here, with its own wording; the
 * only difference is that nothing is normalized (no "docker.io", no "library/"), so every accepted reference
 * formats back to exactly its input.
 */

import { UPSTREAMS } from '../aws/upstreams';

/** An image reference split by the distribution/reference grammar, nothing normalized. */
export interface ImageReference {
  /** The registry host (with port), as written; undefined when the reference names none. */
  readonly domain?: string;
  /** The repository path after the host, as written: "nginx", "bitnami/redis", "library/nginx". */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * A reference the grammar rejects; `reason` is distribution's own wording, e.g. "invalid reference format" or
 * "repository name (Foo) must be lowercase" (distribution names the normalized "library/Foo"; this the path as
 * written).
 */
export class InvalidImageReferenceError extends Error {
  constructor(
    readonly reference: string,
    readonly reason: string,
  ) {
    super(`invalid image reference ${JSON.stringify(reference)}: ${reason}`);
    this.name = 'InvalidImageReferenceError';
  }
}

/** distribution's RepositoryNameTotalLengthMax. Since distribution/reference#9 it bounds the path, not the domain. */
export const REPOSITORY_PATH_MAX_LENGTH = 255;

// distribution's and go-digest's error texts, so callers see what `docker pull` would print.
const INVALID_FORMAT = 'invalid reference format';
const NAME_CONTAINS_UPPERCASE = 'repository name must be lowercase';
const NAME_TOO_LONG = `repository name must not be more than ${REPOSITORY_PATH_MAX_LENGTH} characters`;
const DIGEST_INVALID_FORMAT = 'invalid checksum digest format';
const DIGEST_INVALID_LENGTH = 'invalid checksum digest length';
const DIGEST_UNSUPPORTED = 'unsupported digest algorithm';

// The grammar, built from the same named pieces as regexp.go so the two can be read side by side. Go's RE2 and
// JavaScript's backtracking engine pick the same submatches (both are leftmost-first), and every repetition
// below is unambiguous, so backtracking stays linear.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainAndPort = `(?:${domainName}|${ipv6Address})(?::[0-9]+)?`;
const namePattern = `(?:${domainAndPort}/)?${remoteName}`;
// Go's \w is ASCII-only, as is JavaScript's without the u flag.
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';

/** regexp.go's referenceRegexp: captures name, tag, digest. */
const referenceRegexp = new RegExp(`^(${namePattern})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`);
/** regexp.go's anchoredNameRegexp: captures domain and path of a name. */
const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
/** regexp.go's anchoredIdentifierRegexp: a bare sha256 image ID, which must never be taken for a repository. */
const anchoredIdentifierRegexp = /^[a-f0-9]{64}$/;

// distribution measures and checks names as normalized against Docker Hub: its domain, its legacy domain and its
// official namespace, as the upstream catalogue knows them.
const [DOCKER_HUB_DOMAIN, LEGACY_DOCKER_HUB_DOMAIN] = UPSTREAMS['docker-hub'].aliases;
const OFFICIAL_REPOSITORY_PREFIX = `${UPSTREAMS['docker-hub'].officialImagesNamespace}/`;

/** go-digest's DigestRegexpAnchored: tells an unknown algorithm ("unsupported") from a malformed one. */
const goDigestAnchoredRegexp = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** The algorithms go-digest registers by default, with the hex length of each. */
const HEX_LENGTH_BY_ALGORITHM: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

/** Parses like distribution's ParseNormalizedNamed minus the Docker Hub normalization: no "docker.io" is added and no "library/" is prepended (callers do that from their own catalogue). Throws InvalidImageReferenceError. */
export function parseImageReference(reference: string): ImageReference {
  if (anchoredIdentifierRegexp.test(reference)) {
    throw new InvalidImageReferenceError(
      reference,
      `invalid repository name (${reference}), cannot specify 64-byte hexadecimal strings`,
    );
  }

  const { writtenDomain, remainder } = splitDockerDomain(reference);
  // distribution validates the normalized name, so its checks must see the same string to agree with it.
  const normalizedDomain =
    writtenDomain === undefined || writtenDomain === LEGACY_DOCKER_HUB_DOMAIN ? DOCKER_HUB_DOMAIN : writtenDomain;
  const officialPrefix =
    normalizedDomain === DOCKER_HUB_DOMAIN && !remainder.includes('/') ? OFFICIAL_REPOSITORY_PREFIX : '';

  // Like distribution, everything before the first ':' counts as the repository here, which with a digest and
  // no tag includes "@algorithm". Its message names the normalized path; this one names the path as written.
  const tagSeparator = remainder.indexOf(':');
  const writtenRepository = tagSeparator === -1 ? remainder : remainder.slice(0, tagSeparator);
  if (writtenRepository.toLowerCase() !== writtenRepository) {
    throw new InvalidImageReferenceError(reference, `repository name (${writtenRepository}) must be lowercase`);
  }

  const normalized = `${normalizedDomain}/${officialPrefix}${remainder}`;
  const match = referenceRegexp.exec(normalized);
  if (!match) {
    const lowerCased = normalized.toLowerCase();
    // Only upper case stands between this reference and a valid one (e.g. an upper-case first component that
    // is not a valid host, which splitDockerDomain still takes for a domain).
    const onlyCaseIsWrong = lowerCased !== normalized && referenceRegexp.test(lowerCased);
    throw new InvalidImageReferenceError(reference, onlyCaseIsWrong ? NAME_CONTAINS_UPPERCASE : INVALID_FORMAT);
  }
  const [, name = '', tag, digest] = match;

  // namePattern and the anchored name pattern accept the same strings, so this always matches.
  const [, parsedDomain, parsedPath = ''] = anchoredNameRegexp.exec(name) ?? [];
  if (parsedPath.length > REPOSITORY_PATH_MAX_LENGTH) throw new InvalidImageReferenceError(reference, NAME_TOO_LONG);

  const digestProblem = digest === undefined ? undefined : goDigestValidationError(digest);
  if (digestProblem) throw new InvalidImageReferenceError(reference, digestProblem);

  // A first component that splitDockerDomain took for a host but the grammar does not (e.g. "foo_bar.com")
  // leaves distribution with no domain and that component at the head of the path; the prefix is then empty.
  const isRegistryHost = parsedDomain !== undefined;
  const path = isRegistryHost ? parsedPath.slice(officialPrefix.length) : parsedPath;
  return {
    ...(isRegistryHost && writtenDomain !== undefined ? { domain: writtenDomain } : {}),
    path,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** domain/path:tag@digest, the inverse of parseImageReference. Empty parts count as absent. */
export function formatImageReference(reference: ImageReference): string {
  const { domain, path, tag, digest } = reference;
  return `${domain ? `${domain}/` : ''}${path}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

/**
 * normalize.go's splitDockerDomain, without substituting Docker Hub: the first component names a registry only
 * if it is "localhost", contains "." or ":", or has upper case (repository paths cannot). Otherwise, and when
 * there is no "/", there is no written domain and the whole reference is the remainder.
 */
function splitDockerDomain(reference: string): { writtenDomain: string | undefined; remainder: string } {
  const slash = reference.indexOf('/');
  if (slash === -1) return { writtenDomain: undefined, remainder: reference };
  const firstComponent = reference.slice(0, slash);
  const namesRegistry =
    firstComponent === 'localhost' ||
    firstComponent.includes('.') ||
    firstComponent.includes(':') ||
    firstComponent.toLowerCase() !== firstComponent;
  return namesRegistry
    ? { writtenDomain: firstComponent, remainder: reference.slice(slash + 1) }
    : { writtenDomain: undefined, remainder: reference };
}

/** go-digest's Digest.Validate for the default algorithms; the error text, or undefined when valid. */
function goDigestValidationError(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  if (colon <= 0 || colon === digest.length - 1) return DIGEST_INVALID_FORMAT;
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  const hexLength = HEX_LENGTH_BY_ALGORITHM.get(algorithm);
  if (hexLength === undefined) return goDigestAnchoredRegexp.test(digest) ? DIGEST_UNSUPPORTED : DIGEST_INVALID_FORMAT;
  if (encoded.length !== hexLength) return DIGEST_INVALID_LENGTH;
  // Registered algorithms are lower-case hex only.
  return /^[a-f0-9]+$/.test(encoded) ? undefined : DIGEST_INVALID_FORMAT;
}
