/**
 * parseImageReference against the published cases of github.com/distribution/reference (reference_test.go,
 * normalize_test.go, regexp_test.go) and go-digest's rules. Upstream asserts the normalized split
 * (docker.io, library/); these tables assert the split as written, and the "normalized like distribution"
 * table checks that normalizing it gives exactly upstream's Domain() and Path().
 *
 * Two upstream functions disagree on a few inputs: Parse (the TestReferenceParse table) takes any valid host as
 * the domain, ParseNormalizedNamed (which this parser follows) only a first component with ".", ":", upper case
 * or "localhost". Cases where that changes the outcome say so.
 */
import {
  formatImageReference,
  type ImageReference,
  InvalidImageReferenceError,
  parseImageReference,
} from '../lib/images/image-reference';

const SHA256_F = `sha256:${'f'.repeat(64)}`;
const SHA256_BE17 = 'sha256:be178c0543eb17f5f3043021c9e5fcf30285e557a4fc309cce97ff9ca6182912';
const SHA256_DBCC = 'sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';
const SHA256_86E0 = 'sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';
const SHA256_E669 = 'sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582';
const SHA512_F = `sha512:${'f'.repeat(128)}`;
const HEX_IDENTIFIER = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';
const SONG_THAT_NEVER_ENDS = 'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev';
const NAMESPACE_OVER_255 =
  'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255';

// distribution's error texts (reference.go, normalize.go, go-digest).
const INVALID_FORMAT = 'invalid reference format';
const MUST_BE_LOWERCASE = 'repository name must be lowercase';
const TOO_LONG = 'repository name must not be more than 255 characters';
const DIGEST_INVALID_FORMAT = 'invalid checksum digest format';
const DIGEST_INVALID_LENGTH = 'invalid checksum digest length';
const DIGEST_UNSUPPORTED = 'unsupported digest algorithm';
const mustBeLowercase = (repository: string) => `repository name (${repository}) must be lowercase`;
const hexadecimalName = (name: string) =>
  `invalid repository name (${name}), cannot specify 64-byte hexadecimal strings`;

type ValidCase = readonly [input: string, expected: ImageReference];
type InvalidCase = readonly [input: string, reason: string];

/** reference_test.go TestReferenceParse, current table (after distribution/reference#9). */
const REFERENCE_PARSE_VALID: readonly ValidCase[] = [
  ['test_com', { path: 'test_com' }],
  ['test.com:tag', { path: 'test.com', tag: 'tag' }],
  ['test.com:5000', { path: 'test.com', tag: '5000' }],
  ['test.com/repo:tag', { domain: 'test.com', path: 'repo', tag: 'tag' }],
  ['test:5000/repo', { domain: 'test:5000', path: 'repo' }],
  ['test:5000/repo:tag', { domain: 'test:5000', path: 'repo', tag: 'tag' }],
  [`test:5000/repo@${SHA256_F}`, { domain: 'test:5000', path: 'repo', digest: SHA256_F }],
  [`test:5000/repo:tag@${SHA256_F}`, { domain: 'test:5000', path: 'repo', tag: 'tag', digest: SHA256_F }],
  // Upstream's commented-out FIXME: ParseNormalizedNamed takes an upper-case first component for a host.
  ['Uppercase/lowercase:tag', { domain: 'Uppercase', path: 'lowercase', tag: 'tag' }],
  ['lowercase:Uppercase', { path: 'lowercase', tag: 'Uppercase' }],
  // Parse takes "a" as the domain; ParseNormalizedNamed does not, and the 255-character path is still allowed.
  [`${'a/'.repeat(127)}a:tag-puts-this-over-max`, { path: `${'a/'.repeat(127)}a`, tag: 'tag-puts-this-over-max' }],
  ['sub-dom1.foo.com/bar/baz/quux', { domain: 'sub-dom1.foo.com', path: 'bar/baz/quux' }],
  [
    'sub-dom1.foo.com/bar/baz/quux:some-long-tag',
    { domain: 'sub-dom1.foo.com', path: 'bar/baz/quux', tag: 'some-long-tag' },
  ],
  [
    'b.gcr.io/test.example.com/my-app:test.example.com',
    { domain: 'b.gcr.io', path: 'test.example.com/my-app', tag: 'test.example.com' },
  ],
  ['xn--n3h.com/myimage:xn--n3h.com', { domain: 'xn--n3h.com', path: 'myimage', tag: 'xn--n3h.com' }],
  [
    `xn--7o8h.com/myimage:xn--7o8h.com@${SHA512_F}`,
    { domain: 'xn--7o8h.com', path: 'myimage', tag: 'xn--7o8h.com', digest: SHA512_F },
  ],
  ['foo_bar.com:8080', { path: 'foo_bar.com', tag: '8080' }],
  // Parse takes "foo" as the domain; ParseNormalizedNamed keeps it in the (Docker Hub) path.
  ['foo/foo_bar.com:8080', { path: 'foo/foo_bar.com', tag: '8080' }],
  ['192.168.1.1', { path: '192.168.1.1' }],
  ['192.168.1.1:tag', { path: '192.168.1.1', tag: 'tag' }],
  ['192.168.1.1:5000', { path: '192.168.1.1', tag: '5000' }],
  ['192.168.1.1/repo', { domain: '192.168.1.1', path: 'repo' }],
  ['192.168.1.1:5000/repo', { domain: '192.168.1.1:5000', path: 'repo' }],
  ['192.168.1.1:5000/repo:5050', { domain: '192.168.1.1:5000', path: 'repo', tag: '5050' }],
  ['[2001:db8::1]/repo', { domain: '[2001:db8::1]', path: 'repo' }],
  ['[2001:db8:1:2:3:4:5:6]/repo:tag', { domain: '[2001:db8:1:2:3:4:5:6]', path: 'repo', tag: 'tag' }],
  ['[2001:db8::1]:5000/repo', { domain: '[2001:db8::1]:5000', path: 'repo' }],
  ['[2001:db8::1]:5000/repo:tag', { domain: '[2001:db8::1]:5000', path: 'repo', tag: 'tag' }],
  [`[2001:db8::1]:5000/repo@${SHA256_F}`, { domain: '[2001:db8::1]:5000', path: 'repo', digest: SHA256_F }],
  [
    `[2001:db8::1]:5000/repo:tag@${SHA256_F}`,
    { domain: '[2001:db8::1]:5000', path: 'repo', tag: 'tag', digest: SHA256_F },
  ],
  ['[2001:db8::]:5000/repo', { domain: '[2001:db8::]:5000', path: 'repo' }],
  ['[::1]:5000/repo', { domain: '[::1]:5000', path: 'repo' }],
  // Only the path counts towards the 255 characters.
  [`example.com/${'a'.repeat(255)}:tag`, { domain: 'example.com', path: 'a'.repeat(255), tag: 'tag' }],
];

const REFERENCE_PARSE_INVALID: readonly InvalidCase[] = [
  // Parse says "repository name must have at least one component"; ParseNormalizedNamed gets there with
  // "docker.io/library/" and says this.
  ['', INVALID_FORMAT],
  [':justtag', INVALID_FORMAT],
  [`@${SHA256_F}`, INVALID_FORMAT],
  [`repo@sha256:${'f'.repeat(34)}`, DIGEST_INVALID_LENGTH],
  [`validname@invaliddigest:${'f'.repeat(64)}`, DIGEST_UNSUPPORTED],
  ['Uppercase:tag', mustBeLowercase('Uppercase')],
  ['test:5000/Uppercase/lowercase:tag', mustBeLowercase('Uppercase/lowercase')],
  [`domain/${'a'.repeat(256)}:tag`, TOO_LONG],
  // The table's previous too-long case: 257 characters of path once "a" is not taken for a domain.
  [`${'a/'.repeat(128)}a:tag`, TOO_LONG],
  ['aa/asdf$$^/aa', INVALID_FORMAT],
  ['[2001:db8::1]', INVALID_FORMAT],
  ['[2001:db8::1]:5000', INVALID_FORMAT],
  ['[2001:db8::1]:tag', INVALID_FORMAT],
  ['[fe80::1%eth0]:5000/repo', INVALID_FORMAT],
  ['[fe80::1%@invalidzone]:5000/repo', INVALID_FORMAT],
];

/** normalize_test.go TestValidateReferenceName. */
const VALIDATE_REFERENCE_NAME_VALID: readonly ValidCase[] = [
  ['docker/docker', { path: 'docker/docker' }],
  ['library/debian', { path: 'library/debian' }],
  ['debian', { path: 'debian' }],
  ['docker.io/docker/docker', { domain: 'docker.io', path: 'docker/docker' }],
  ['docker.io/library/debian', { domain: 'docker.io', path: 'library/debian' }],
  ['docker.io/debian', { domain: 'docker.io', path: 'debian' }],
  ['index.docker.io/docker/docker', { domain: 'index.docker.io', path: 'docker/docker' }],
  ['index.docker.io/library/debian', { domain: 'index.docker.io', path: 'library/debian' }],
  ['index.docker.io/debian', { domain: 'index.docker.io', path: 'debian' }],
  ['127.0.0.1:5000/docker/docker', { domain: '127.0.0.1:5000', path: 'docker/docker' }],
  ['127.0.0.1:5000/library/debian', { domain: '127.0.0.1:5000', path: 'library/debian' }],
  ['127.0.0.1:5000/debian', { domain: '127.0.0.1:5000', path: 'debian' }],
  ['192.168.0.1', { path: '192.168.0.1' }],
  ['192.168.0.1:80', { path: '192.168.0.1', tag: '80' }],
  ['192.168.0.1:8/debian', { domain: '192.168.0.1:8', path: 'debian' }],
  ['192.168.0.2:25000/debian', { domain: '192.168.0.2:25000', path: 'debian' }],
  [SONG_THAT_NEVER_ENDS, { path: SONG_THAT_NEVER_ENDS }],
  ['[fc00::1]:5000/docker', { domain: '[fc00::1]:5000', path: 'docker' }],
  ['[fc00::1]:5000/docker/docker', { domain: '[fc00::1]:5000', path: 'docker/docker' }],
  ['[fc00:1:2:3:4:5:6:7]:5000/library/debian', { domain: '[fc00:1:2:3:4:5:6:7]:5000', path: 'library/debian' }],
  // With a host in front, a 64-hex-digit path is no longer ambiguous with an image ID.
  [`docker.io/${HEX_IDENTIFIER}`, { domain: 'docker.io', path: HEX_IDENTIFIER }],
  ['Docker/docker', { domain: 'Docker', path: 'docker' }],
  ['DOCKER/docker', { domain: 'DOCKER', path: 'docker' }],
];

const VALIDATE_REFERENCE_NAME_INVALID: readonly InvalidCase[] = [
  ['https://github.com/docker/docker', INVALID_FORMAT],
  ['docker/Docker', mustBeLowercase('docker/Docker')],
  ['-docker', INVALID_FORMAT],
  ['-docker/docker', INVALID_FORMAT],
  ['-docker.io/docker/docker', INVALID_FORMAT],
  ['docker///docker', INVALID_FORMAT],
  ['docker.io/docker/Docker', mustBeLowercase('docker/Docker')],
  ['docker.io/docker///docker', INVALID_FORMAT],
  ['[fc00::1]', INVALID_FORMAT],
  ['[fc00::1]:5000', INVALID_FORMAT],
  ['fc00::1:5000/debian', INVALID_FORMAT],
  ['[fe80::1%eth0]:5000/debian', INVALID_FORMAT],
  ['[2001:db8:3:4::192.0.2.33]:5000/debian', INVALID_FORMAT],
  [HEX_IDENTIFIER, hexadecimalName(HEX_IDENTIFIER)],
];

/** normalize_test.go TestValidateRemoteName (cases already in TestValidateReferenceName left out). */
const VALIDATE_REMOTE_NAME_VALID: readonly ValidCase[] = [
  ['docker-rules/docker', { path: 'docker-rules/docker' }],
  ['docker---rules/docker', { path: 'docker---rules/docker' }],
  ['doc/docker', { path: 'doc/docker' }],
  ['d/docker', { path: 'd/docker' }],
  ['jess/t', { path: 'jess/t' }],
  ['dock__er/docker', { path: 'dock__er/docker' }],
];

const VALIDATE_REMOTE_NAME_INVALID: readonly InvalidCase[] = [
  ['docker-/docker', INVALID_FORMAT],
  ['-docker-/docker', INVALID_FORMAT],
  ['____/____', INVALID_FORMAT],
  ['_docker/_docker', INVALID_FORMAT],
  ['dock..er/docker', INVALID_FORMAT],
  ['dock_.er/docker', INVALID_FORMAT],
  ['dock-.er/docker', INVALID_FORMAT],
  ['docker/', INVALID_FORMAT],
  [`${NAMESPACE_OVER_255}/docker`, TOO_LONG],
];

/**
 * normalize_test.go TestParseRepositoryInfo (every familiar, full and ambiguous name), TestNormalizedSplitHostname,
 * and the ParseNormalizedNamed inputs of TestParseAnyReference, TestParseReferenceWithTagAndDigest and
 * TestParseDockerRef: the split as written, then upstream's normalized Domain() and Path().
 */
type NormalizedCase = readonly [input: string, asWritten: ImageReference, dockerDomain: string, dockerPath: string];

const NORMALIZED_LIKE_DISTRIBUTION: readonly NormalizedCase[] = [
  // TestParseRepositoryInfo
  ['fooo/bar', { path: 'fooo/bar' }, 'docker.io', 'fooo/bar'],
  ['docker.io/fooo/bar', { domain: 'docker.io', path: 'fooo/bar' }, 'docker.io', 'fooo/bar'],
  ['index.docker.io/fooo/bar', { domain: 'index.docker.io', path: 'fooo/bar' }, 'docker.io', 'fooo/bar'],
  ['ubuntu', { path: 'ubuntu' }, 'docker.io', 'library/ubuntu'],
  ['docker.io/library/ubuntu', { domain: 'docker.io', path: 'library/ubuntu' }, 'docker.io', 'library/ubuntu'],
  ['library/ubuntu', { path: 'library/ubuntu' }, 'docker.io', 'library/ubuntu'],
  ['nonlibrary/ubuntu', { path: 'nonlibrary/ubuntu' }, 'docker.io', 'nonlibrary/ubuntu'],
  ['docker.io/nonlibrary/ubuntu', { domain: 'docker.io', path: 'nonlibrary/ubuntu' }, 'docker.io', 'nonlibrary/ubuntu'],
  ['other/library', { path: 'other/library' }, 'docker.io', 'other/library'],
  ['docker.io/other/library', { domain: 'docker.io', path: 'other/library' }, 'docker.io', 'other/library'],
  [
    '127.0.0.1:8000/private/moonbase',
    { domain: '127.0.0.1:8000', path: 'private/moonbase' },
    '127.0.0.1:8000',
    'private/moonbase',
  ],
  ['127.0.0.1:8000/privatebase', { domain: '127.0.0.1:8000', path: 'privatebase' }, '127.0.0.1:8000', 'privatebase'],
  [
    'example.com/private/moonbase',
    { domain: 'example.com', path: 'private/moonbase' },
    'example.com',
    'private/moonbase',
  ],
  ['example.com/privatebase', { domain: 'example.com', path: 'privatebase' }, 'example.com', 'privatebase'],
  [
    'example.com:8000/private/moonbase',
    { domain: 'example.com:8000', path: 'private/moonbase' },
    'example.com:8000',
    'private/moonbase',
  ],
  [
    'example.com:8000/privatebasee',
    { domain: 'example.com:8000', path: 'privatebasee' },
    'example.com:8000',
    'privatebasee',
  ],
  ['ubuntu-12.04-base', { path: 'ubuntu-12.04-base' }, 'docker.io', 'library/ubuntu-12.04-base'],
  [
    'docker.io/library/ubuntu-12.04-base',
    { domain: 'docker.io', path: 'library/ubuntu-12.04-base' },
    'docker.io',
    'library/ubuntu-12.04-base',
  ],
  [
    'index.docker.io/library/ubuntu-12.04-base',
    { domain: 'index.docker.io', path: 'library/ubuntu-12.04-base' },
    'docker.io',
    'library/ubuntu-12.04-base',
  ],
  ['foo', { path: 'foo' }, 'docker.io', 'library/foo'],
  ['docker.io/library/foo', { domain: 'docker.io', path: 'library/foo' }, 'docker.io', 'library/foo'],
  ['docker.io/foo', { domain: 'docker.io', path: 'foo' }, 'docker.io', 'library/foo'],
  ['library/foo/bar', { path: 'library/foo/bar' }, 'docker.io', 'library/foo/bar'],
  ['docker.io/library/foo/bar', { domain: 'docker.io', path: 'library/foo/bar' }, 'docker.io', 'library/foo/bar'],
  ['store/foo/bar', { path: 'store/foo/bar' }, 'docker.io', 'store/foo/bar'],
  ['docker.io/store/foo/bar', { domain: 'docker.io', path: 'store/foo/bar' }, 'docker.io', 'store/foo/bar'],
  ['Foo/bar', { domain: 'Foo', path: 'bar' }, 'Foo', 'bar'],
  ['FOO/bar', { domain: 'FOO', path: 'bar' }, 'FOO', 'bar'],
  // TestNormalizedSplitHostname (cases not above)
  ['test.com/foo', { domain: 'test.com', path: 'foo' }, 'test.com', 'foo'],
  ['test_com/foo', { path: 'test_com/foo' }, 'docker.io', 'test_com/foo'],
  ['docker/migrator', { path: 'docker/migrator' }, 'docker.io', 'docker/migrator'],
  ['test.com:8080/foo', { domain: 'test.com:8080', path: 'foo' }, 'test.com:8080', 'foo'],
  ['test-com:8080/foo', { domain: 'test-com:8080', path: 'foo' }, 'test-com:8080', 'foo'],
  ['xn--n3h.com/foo', { domain: 'xn--n3h.com', path: 'foo' }, 'xn--n3h.com', 'foo'],
  ['xn--n3h.com:18080/foo', { domain: 'xn--n3h.com:18080', path: 'foo' }, 'xn--n3h.com:18080', 'foo'],
  // TestParseAnyReference, the inputs it hands to ParseNormalizedNamed
  ['redis', { path: 'redis' }, 'docker.io', 'library/redis'],
  ['redis:latest', { path: 'redis', tag: 'latest' }, 'docker.io', 'library/redis'],
  [`redis@${SHA256_DBCC}`, { path: 'redis', digest: SHA256_DBCC }, 'docker.io', 'library/redis'],
  ['dmcgowan/myapp:latest', { path: 'dmcgowan/myapp', tag: 'latest' }, 'docker.io', 'dmcgowan/myapp'],
  [
    `docker.io/dmcgowan/myapp@${SHA256_DBCC}`,
    { domain: 'docker.io', path: 'dmcgowan/myapp', digest: SHA256_DBCC },
    'docker.io',
    'dmcgowan/myapp',
  ],
  // 63 hex digits is not an image ID, so it is a repository name.
  [SHA256_DBCC.slice(7, -1), { path: SHA256_DBCC.slice(7, -1) }, 'docker.io', `library/${SHA256_DBCC.slice(7, -1)}`],
  ['dbcc1', { path: 'dbcc1' }, 'docker.io', 'library/dbcc1'],
  // ParseAnyReference takes this for a digest before ParseNormalizedNamed sees it; to the grammar it is
  // repository "sha256" with a 64-character tag.
  [SHA256_DBCC, { path: 'sha256', tag: SHA256_DBCC.slice(7) }, 'docker.io', 'library/sha256'],
  // TestParseReferenceWithTagAndDigest
  [
    `busybox:latest@${SHA256_86E0}`,
    { path: 'busybox', tag: 'latest', digest: SHA256_86E0 },
    'docker.io',
    'library/busybox',
  ],
  // TestParseDockerRef inputs
  [`busybox@${SHA256_E669}`, { path: 'busybox', digest: SHA256_E669 }, 'docker.io', 'library/busybox'],
  ['docker.io/busybox:latest', { domain: 'docker.io', path: 'busybox', tag: 'latest' }, 'docker.io', 'library/busybox'],
  ['gcr.io/library/busybox', { domain: 'gcr.io', path: 'library/busybox' }, 'gcr.io', 'library/busybox'],
  [
    `gcr.io/library/busybox:latest@${SHA256_E669}`,
    { domain: 'gcr.io', path: 'library/busybox', tag: 'latest', digest: SHA256_E669 },
    'gcr.io',
    'library/busybox',
  ],
  // A first component that looks like a host but is not one stays in the path: Domain() is "".
  ['foo_bar.com/app', { path: 'foo_bar.com/app' }, '', 'foo_bar.com/app'],
];

/** regexp_test.go TestDomainRegexp, each domain put in front of "/foo". */
const DOMAIN_REGEXP: readonly (readonly [domain: string, isHost: boolean])[] = [
  ['test.com', true],
  ['test.com:10304', true],
  ['test.com:http', false],
  ['localhost', true],
  ['localhost:8080', true],
  ['a.b', true],
  ['ab.cd.com', true],
  ['a-b.com', true],
  ['-ab.com', false],
  ['ab-.com', false],
  ['ab.c-om', true],
  ['ab.-com', false],
  ['ab.com-', false],
  ['0101.com', true],
  ['001a.com', true],
  ['b.gbc.io:443', true],
  ['b.gbc.io', true],
  ['xn--n3h.com', true],
  ['Asdf.com', true],
  ['192.168.1.1:75050', true],
  ['192.168.1.1:750050', true],
  ['[fd00:1:2::3]:75050', true],
  ['[fd00:1:2::3]75050', false],
  ['[fd00:1:2::3]::75050', false],
  ['[fd00:1:2::3%eth0]:75050', false],
  ['[fd00123123123]:75050', true],
  ['[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:75050', true],
  ['[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505', true],
  ['fd00:1:2::3:75050', false],
];

/** regexp_test.go TestFullNameRegexp (names) and TestReferenceRegexp, valid under ParseNormalizedNamed. */
const REGEXP_VALID: readonly ValidCase[] = [
  ['short', { path: 'short' }],
  ['simple/name', { path: 'simple/name' }],
  ['docker/stevvooe/app', { path: 'docker/stevvooe/app' }],
  ['aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb', { path: 'aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb' }],
  ['a/a/a/a', { path: 'a/a/a/a' }],
  ['a', { path: 'a' }],
  ['a/aa/a', { path: 'a/aa/a' }],
  ['foo.com', { path: 'foo.com' }],
  ['foo.com:8080/bar', { domain: 'foo.com:8080', path: 'bar' }],
  ['foo.com/bar/baz', { domain: 'foo.com', path: 'bar/baz' }],
  ['localhost:8080/bar', { domain: 'localhost:8080', path: 'bar' }],
  ['blog.foo.com/bar/baz', { domain: 'blog.foo.com', path: 'bar/baz' }],
  ['aa-a/a', { path: 'aa-a/a' }],
  ['foo_bar', { path: 'foo_bar' }],
  ['foo.com/foo_bar', { domain: 'foo.com', path: 'foo_bar' }],
  ['xn--7o8h.com/myimage', { domain: 'xn--7o8h.com', path: 'myimage' }],
  ['example.com/xn--7o8h.com/myimage', { domain: 'example.com', path: 'xn--7o8h.com/myimage' }],
  [
    'example.com/some_separator__underscore/myimage',
    { domain: 'example.com', path: 'some_separator__underscore/myimage' },
  ],
  ['do__cker/docker', { path: 'do__cker/docker' }],
  [
    'registry.io/foo/project--id.module--name.ver---sion--name',
    { domain: 'registry.io', path: 'foo/project--id.module--name.ver---sion--name' },
  ],
  ['Asdf.com/foo/bar', { domain: 'Asdf.com', path: 'foo/bar' }],
  ['registry.com:8080/myapp:tag', { domain: 'registry.com:8080', path: 'myapp', tag: 'tag' }],
  [`registry.com:8080/myapp@${SHA256_BE17}`, { domain: 'registry.com:8080', path: 'myapp', digest: SHA256_BE17 }],
  [
    `registry.com:8080/myapp:tag2@${SHA256_BE17}`,
    { domain: 'registry.com:8080', path: 'myapp', tag: 'tag2', digest: SHA256_BE17 },
  ],
  // Without a slash, "localhost" is a repository and ":8080" its tag.
  [`localhost:8080@${SHA256_BE17}`, { path: 'localhost', tag: '8080', digest: SHA256_BE17 }],
  [`localhost:8080/name@${SHA256_BE17}`, { domain: 'localhost:8080', path: 'name', digest: SHA256_BE17 }],
  [`localhost@${SHA256_BE17}`, { path: 'localhost', digest: SHA256_BE17 }],
  // Not a name to the name regexp, but a valid reference: repository "foo_bar.com", tag "8080".
  ['foo_bar.com:8080', { path: 'foo_bar.com', tag: '8080' }],
  // TestIdentifierRegexp: only exactly 64 lower-case hex digits are an image ID.
  [
    'da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf',
    { path: 'da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf' },
  ],
  [
    'da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf98218482',
    { path: 'da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf98218482' },
  ],
];

const REGEXP_INVALID: readonly InvalidCase[] = [
  ['a/a/a/a/', INVALID_FORMAT],
  ['a//a/a', INVALID_FORMAT],
  ['foo.com/', INVALID_FORMAT],
  ['foo.com:http/bar', INVALID_FORMAT],
  ['a^a', INVALID_FORMAT],
  ['asdf$$^/aa', INVALID_FORMAT],
  // The name regexp accepts it; its 257-character path is too long for a reference.
  [`${'a/'.repeat(128)}a`, TOO_LONG],
  ['a-/a/a/a', INVALID_FORMAT],
  ['foo.com/a-/a/a', INVALID_FORMAT],
  ['foo/bar-', INVALID_FORMAT],
  ['foo-/bar', INVALID_FORMAT],
  ['foo/-bar', INVALID_FORMAT],
  ['_foo/bar', INVALID_FORMAT],
  ['foo_bar.com:8080/app', INVALID_FORMAT],
  ['docker_/docker_', INVALID_FORMAT],
  ['example.com/__underscore/myimage', INVALID_FORMAT],
  ['example.com/..dots/myimage', INVALID_FORMAT],
  ['example.com/.dots/myimage', INVALID_FORMAT],
  ['example.com/nodouble..dots/myimage', INVALID_FORMAT],
  ['docker./docker', INVALID_FORMAT],
  ['.docker/docker', INVALID_FORMAT],
  ['do..cker/docker', INVALID_FORMAT],
  ['do__cker:8080/docker', INVALID_FORMAT],
  // "Foo" is taken for a host, so only "FarB" is the repository.
  ['Foo/FarB', mustBeLowercase('FarB')],
  ['registry.com:8080/myapp@sha256:badbadbadbad', INVALID_FORMAT],
  ['registry.com:8080/myapp:invalid~tag', INVALID_FORMAT],
  ['bad_hostname.com:8080/myapp:tag', INVALID_FORMAT],
  [`localhost:http/name@${SHA256_BE17}`, INVALID_FORMAT],
  ['registry.com:8080/myapp@bad', INVALID_FORMAT],
  ['registry.com:8080/myapp@2bad', INVALID_FORMAT],
  // TestIdentifierRegexp
  [SHA256_BE17.slice(7), hexadecimalName(SHA256_BE17.slice(7))],
  [
    '7EC43B381E5AEFE6E04EFB0B3F0693FF2A4A50652D64AEC573905F2DB5889A1C',
    mustBeLowercase('7EC43B381E5AEFE6E04EFB0B3F0693FF2A4A50652D64AEC573905F2DB5889A1C'),
  ],
];

/** The rules the task names, beyond the upstream tables. */
const EXTRA_VALID: readonly ValidCase[] = [
  ['nginx', { path: 'nginx' }],
  ['nginx:1.27-alpine', { path: 'nginx', tag: '1.27-alpine' }],
  ['bitnami/redis:7.2', { path: 'bitnami/redis', tag: '7.2' }],
  ['localhost/foo', { domain: 'localhost', path: 'foo' }],
  ['localhost/foo/bar:1.0', { domain: 'localhost', path: 'foo/bar', tag: '1.0' }],
  ['localhost:5000/foo', { domain: 'localhost:5000', path: 'foo' }],
  ['localhost', { path: 'localhost' }],
  ['foo:5000', { path: 'foo', tag: '5000' }],
  ['foo:5000/bar', { domain: 'foo:5000', path: 'bar' }],
  ['myregistry.example.com:5000/a/b:tag', { domain: 'myregistry.example.com:5000', path: 'a/b', tag: 'tag' }],
  ['[::1]:5000/foo', { domain: '[::1]:5000', path: 'foo' }],
  ['[::1]/foo', { domain: '[::1]', path: 'foo' }],
  ['my-registry.example-domain.com/team/app', { domain: 'my-registry.example-domain.com', path: 'team/app' }],
  ['EXAMPLE.COM:443/team-less/app', { domain: 'EXAMPLE.COM:443', path: 'team-less/app' }],
  ['a/b/c/d/e/f', { path: 'a/b/c/d/e/f' }],
  ['a.b', { path: 'a.b' }],
  ['a_b', { path: 'a_b' }],
  ['a__b', { path: 'a__b' }],
  ['a-b', { path: 'a-b' }],
  ['a--b', { path: 'a--b' }],
  ['a---b', { path: 'a---b' }],
  ['a.b-c_d__e--f/g', { path: 'a.b-c_d__e--f/g' }],
  ['my_org/app', { path: 'my_org/app' }],
  ['nginx:_private', { path: 'nginx', tag: '_private' }],
  [`nginx:${'t'.repeat(128)}`, { path: 'nginx', tag: 't'.repeat(128) }],
  [`nginx@${SHA256_F}`, { path: 'nginx', digest: SHA256_F }],
  [`nginx:1.27@${SHA256_F}`, { path: 'nginx', tag: '1.27', digest: SHA256_F }],
  [`nginx@sha384:${'a'.repeat(96)}`, { path: 'nginx', digest: `sha384:${'a'.repeat(96)}` }],
  [`nginx@${SHA512_F}`, { path: 'nginx', digest: SHA512_F }],
  // Longest Docker Hub single name: distribution measures "library/" + name.
  ['a'.repeat(247), { path: 'a'.repeat(247) }],
  [`docker.io/${'a'.repeat(247)}`, { domain: 'docker.io', path: 'a'.repeat(247) }],
  [`localhost/${'a'.repeat(255)}`, { domain: 'localhost', path: 'a'.repeat(255) }],
  [`b/${'a'.repeat(253)}`, { path: `b/${'a'.repeat(253)}` }],
];

const EXTRA_INVALID: readonly InvalidCase[] = [
  ['nginx:', INVALID_FORMAT],
  ['nginx@', INVALID_FORMAT],
  ['nginx:1.0@', INVALID_FORMAT],
  [`nginx:${'t'.repeat(129)}`, INVALID_FORMAT],
  ['nginx:.hidden', INVALID_FORMAT],
  ['nginx:-rc', INVALID_FORMAT],
  ['nginx:a/b', INVALID_FORMAT],
  [' nginx', INVALID_FORMAT],
  ['nginx ', INVALID_FORMAT],
  ['/nginx', INVALID_FORMAT],
  ['Foo', mustBeLowercase('Foo')],
  ['Foo:Tag', mustBeLowercase('Foo')],
  // distribution names "library/Foo" here; this parser names the path as written.
  ['docker.io/Foo', mustBeLowercase('Foo')],
  ['example.com/Foo:tag', mustBeLowercase('Foo')],
  ['foo/Bar/baz', mustBeLowercase('foo/Bar/baz')],
  // Like distribution, with a digest and no tag everything before the first ":" is checked.
  [`Foo@${SHA256_F}`, mustBeLowercase(`Foo@sha256`)],
  [`nginx@SHA256:${'f'.repeat(64)}`, mustBeLowercase('nginx@SHA256')],
  // An upper-case first component is taken for a host; when it cannot be one, upper case is all that is wrong.
  ['Foo_Bar/x', MUST_BE_LOWERCASE],
  ['a..b', INVALID_FORMAT],
  ['a___b', INVALID_FORMAT],
  ['a._b', INVALID_FORMAT],
  ['a.-b', INVALID_FORMAT],
  ['a-_b', INVALID_FORMAT],
  ['.a', INVALID_FORMAT],
  ['a.', INVALID_FORMAT],
  ['_a', INVALID_FORMAT],
  ['a_', INVALID_FORMAT],
  ['-a', INVALID_FORMAT],
  ['a-', INVALID_FORMAT],
  ['-bad.example.com/app', INVALID_FORMAT],
  ['bad-.example.com/app', INVALID_FORMAT],
  ['::1/foo', INVALID_FORMAT],
  [`nginx@sha256:${'f'.repeat(31)}`, INVALID_FORMAT],
  [`nginx@sha256:${'f'.repeat(32)}`, DIGEST_INVALID_LENGTH],
  [`nginx@sha256:${'f'.repeat(65)}`, DIGEST_INVALID_LENGTH],
  [`nginx@sha384:${'f'.repeat(64)}`, DIGEST_INVALID_LENGTH],
  [`nginx@sha512:${'f'.repeat(64)}`, DIGEST_INVALID_LENGTH],
  [`nginx@sha256:${'F'.repeat(64)}`, DIGEST_INVALID_FORMAT],
  [`nginx@md5:${'f'.repeat(32)}`, DIGEST_UNSUPPORTED],
  [`nginx@sha256+b64:${'f'.repeat(64)}`, DIGEST_UNSUPPORTED],
  // With a tag the repository check stops at ":", and go-digest rejects the upper-case algorithm.
  [`nginx:1@SHA256:${'f'.repeat(64)}`, DIGEST_INVALID_FORMAT],
  [`nginx@${SHA256_F}@${SHA256_F}`, INVALID_FORMAT],
  ['a'.repeat(248), TOO_LONG],
  [`index.docker.io/${'a'.repeat(248)}`, TOO_LONG],
  [`example.com/${'a'.repeat(256)}`, TOO_LONG],
  [`b/${'a'.repeat(254)}`, TOO_LONG],
];

function parseFailure(input: string): InvalidImageReferenceError {
  try {
    parseImageReference(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidImageReferenceError);
    return error as InvalidImageReferenceError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

/** What distribution's Domain() and Path() give after ParseNormalizedNamed, derived from the split as written. */
function normalizeLikeDistribution(reference: ImageReference): { domain: string; path: string } {
  // splitDockerDomain took a first component with "." or ":" for a host, but the grammar did not.
  const [firstComponent = '', ...rest] = reference.path.split('/');
  if (reference.domain === undefined && rest.length > 0 && /[.:]/.test(firstComponent)) {
    return { domain: '', path: reference.path };
  }
  const domain =
    reference.domain === undefined || reference.domain === 'index.docker.io' ? 'docker.io' : reference.domain;
  const path = domain === 'docker.io' && !reference.path.includes('/') ? `library/${reference.path}` : reference.path;
  return { domain, path };
}

const VALID_TABLES: Record<string, readonly ValidCase[]> = {
  'reference_test.go TestReferenceParse': REFERENCE_PARSE_VALID,
  'normalize_test.go TestValidateReferenceName': VALIDATE_REFERENCE_NAME_VALID,
  'normalize_test.go TestValidateRemoteName': VALIDATE_REMOTE_NAME_VALID,
  'regexp_test.go TestFullNameRegexp, TestReferenceRegexp, TestIdentifierRegexp': REGEXP_VALID,
  'named rules': EXTRA_VALID,
};

const INVALID_TABLES: Record<string, readonly InvalidCase[]> = {
  'reference_test.go TestReferenceParse': REFERENCE_PARSE_INVALID,
  'normalize_test.go TestValidateReferenceName': VALIDATE_REFERENCE_NAME_INVALID,
  'normalize_test.go TestValidateRemoteName': VALIDATE_REMOTE_NAME_INVALID,
  'regexp_test.go TestFullNameRegexp, TestReferenceRegexp, TestIdentifierRegexp': REGEXP_INVALID,
  'named rules': EXTRA_INVALID,
};

const ALL_VALID: readonly ValidCase[] = [
  ...Object.values(VALID_TABLES).flat(),
  ...NORMALIZED_LIKE_DISTRIBUTION.map(([input, asWritten]): ValidCase => [input, asWritten]),
];

describe('parseImageReference', () => {
  for (const [table, cases] of Object.entries(VALID_TABLES)) {
    describe(`${table}: valid`, () => {
      it.each(cases)('%s', (input, expected) => {
        expect(parseImageReference(input)).toStrictEqual(expected);
      });
    });
  }

  for (const [table, cases] of Object.entries(INVALID_TABLES)) {
    describe(`${table}: invalid`, () => {
      it.each(cases)('%s', (input, reason) => {
        const error = parseFailure(input);
        expect(error.reason).toBe(reason);
        expect(error.reference).toBe(input);
        expect(error.message).toContain(reason);
      });
    });
  }

  describe('normalize_test.go split, normalized like distribution', () => {
    it.each(NORMALIZED_LIKE_DISTRIBUTION)('%s', (input, asWritten, dockerDomain, dockerPath) => {
      const parsed = parseImageReference(input);
      expect(parsed).toStrictEqual(asWritten);
      expect(normalizeLikeDistribution(parsed)).toEqual({ domain: dockerDomain, path: dockerPath });
    });
  });

  describe('regexp_test.go TestDomainRegexp, as the host of "<domain>/foo"', () => {
    it.each(DOMAIN_REGEXP)('%s (host: %s)', (domain, isHost) => {
      const input = `${domain}/foo`;
      if (isHost) expect(parseImageReference(input)).toStrictEqual({ domain, path: 'foo' });
      else expect(parseFailure(input).reason).toBe(INVALID_FORMAT);
    });

    // Not a host to splitDockerDomain (no ".", ":" or upper case), so a path component even though the host
    // grammar would accept it.
    it('a/foo', () => {
      expect(parseImageReference('a/foo')).toStrictEqual({ path: 'a/foo' });
    });
  });

  it('throws an InvalidImageReferenceError that names the reference and the reason', () => {
    const error = parseFailure('Foo');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('InvalidImageReferenceError');
    expect(error.message).toBe('invalid image reference "Foo": repository name (Foo) must be lowercase');
  });
});

describe('formatImageReference', () => {
  it.each(ALL_VALID.map(([input]) => input))('round-trips %s', (input) => {
    expect(formatImageReference(parseImageReference(input))).toBe(input);
  });

  it.each<readonly [ImageReference, string]>([
    [{ path: 'nginx' }, 'nginx'],
    [{ domain: 'docker.io', path: 'library/nginx', tag: '1.27' }, 'docker.io/library/nginx:1.27'],
    [{ domain: '[::1]:5000', path: 'a/b', digest: SHA256_F }, `[::1]:5000/a/b@${SHA256_F}`],
    [{ domain: 'quay.io', path: 'a/b', tag: 'v1', digest: SHA256_F }, `quay.io/a/b:v1@${SHA256_F}`],
  ])('formats %j', (reference, expected) => {
    expect(formatImageReference(reference)).toBe(expected);
  });
});
