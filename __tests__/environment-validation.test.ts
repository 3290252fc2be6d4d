/**
 * AWS's rules and the file format, enforced before anything is planned: each bad environment file is rejected
 * with its file and field named. Cases run in-process through checkEnvironments, which synth and
 * `./bin/ecr-cache check` both use; the CLI and synth tests show they print the same lines.
 */
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { checkEnvironments, environmentFiles, formatPath } from '../config/environments';
import { environmentsFolder } from './support/stacks';

const ACCOUNT = '123456789012';

/** The warnings but the one every file that creates a node role without nodes.cluster gets (tested on its own). */
const otherThanAccessEntries = <T extends { message: string }>(warnings: readonly T[]) => warnings.filter((warning) => !warning.message.includes('has no EKS access entry'));

function env(rules: string, extra = '', head = `account: "${ACCOUNT}"\nregion: eu-west-2\n`): string {
  return `${head}${extra}rules:\n${rules}`;
}

const quay = '  quay: { upstream: quay }\n';
/** A file whose line 3 holds a tag value written in Latin-1: é as the single byte 0xE9. */
const NOT_UTF8 = Buffer.concat([Buffer.from(`account: "${ACCOUNT}"\nregion: eu-west-2\ntags: { team: "caf`), Buffer.from([0xe9]), Buffer.from(`" }\nrules:\n${quay}`)]);
const manyRules = (count: number, from = 0) =>
  Array.from({ length: count }, (_, index) => `  p${String(index + from).padStart(2, '0')}: { upstream: quay }\n`).join('');

interface Case {
  readonly files: Record<string, string | Buffer>;
  /** [file, field path, part of the message] of every problem reported. */
  readonly problems: readonly (readonly [string, string, string | RegExp])[];
}

const CASES: Record<string, Case> = {
  'account missing': { files: { 'a.yaml': env(quay, '', 'region: eu-west-2\n') }, problems: [['a.yaml', 'account', 'is required']] },
  'account unquoted': {
    files: { 'a.yaml': env(quay, '', 'account: 123456789012\nregion: eu-west-2\n') },
    problems: [['a.yaml', 'account', 'must be quoted']],
  },
  'account of 11 digits': {
    files: { 'a.yaml': env(quay, '', 'account: "12345678901"\nregion: eu-west-2\n') },
    problems: [['a.yaml', 'account', 'not a 12-digit AWS account ID']],
  },
  'region missing': { files: { 'a.yaml': env(quay, '', `account: "${ACCOUNT}"\n`) }, problems: [['a.yaml', 'region', 'is required']] },
  'region malformed': {
    files: { 'a.yaml': env(quay, '', `account: "${ACCOUNT}"\nregion: europe-west\n`) },
    problems: [['a.yaml', 'region', 'not an AWS region name']],
  },
  'a region with a typo': {
    files: { 'a.yaml': env(quay, '', `account: "${ACCOUNT}"\nregion: eu-wset-2\n`) },
    problems: [['a.yaml', 'region', /^"eu-wset-2" is not a region this tool knows \(did you mean "eu-west-2"\?\); if AWS opened it after the AWS SDK [\d.]+ this tool ships, set allowUnlistedRegion: true$/]],
  },
  'a region AWS does not have': {
    files: { 'a.yaml': env(quay, '', `account: "${ACCOUNT}"\nregion: eu-west-9\n`) },
    problems: [['a.yaml', 'region', '"eu-west-9" is not a region this tool knows (did you mean "eu-west-1"?)']],
  },
  'a region of no partition, even when unlisted regions are allowed, with no far-away suggestion': {
    files: { 'a.yaml': env(quay, 'allowUnlistedRegion: true\n', `account: "${ACCOUNT}"\nregion: xx-foo-1\n`) },
    problems: [['a.yaml', 'region', /^"xx-foo-1" is not an AWS region name: give one such as us-east-1 or eu-west-2$/]],
  },
  'a state bucket region with a typo': {
    files: { 'a.yaml': env(quay, 'state: { bucket: tf-state, region: us-esat-1 }\n') },
    problems: [['a.yaml', 'state.region', '"us-esat-1" is not a region this tool knows (did you mean "us-east-1"?)']],
  },
  'the placeholder account of zeros': {
    files: { 'a.yaml': env(quay, '', 'account: "000000000000"\nregion: eu-west-2\n') },
    problems: [['a.yaml', 'account', '"000000000000" is a placeholder, not an AWS account ID']],
  },
  'more tags than AWS allows with the two the stack adds': {
    files: { 'a.yaml': env(quay, `tags: {${Array.from({ length: 49 }, (_, index) => `t${index}: v`).join(', ')}}\n`) },
    problems: [['a.yaml', 'tags', 'has 51 tags with the 2 the stack adds; AWS allows at most 50 per resource']],
  },
  'a tag key of 200 characters, an aws: key, a value of 300 characters': {
    files: { 'a.yaml': env(quay, `tags: {${'k'.repeat(200)}: v, "aws:owner": me, team: ${'v'.repeat(300)}}\n`) },
    problems: [
      ['a.yaml', `tags.${'k'.repeat(200)}`, 'the key is 200 characters; AWS allows 1 to 128'],
      ['a.yaml', 'tags.aws:owner', 'keys that start with "aws:" are reserved for AWS'],
      ['a.yaml', 'tags.team', 'the value is 300 characters; AWS allows at most 256'],
    ],
  },
  'cache repository tags with characters AWS refuses': {
    files: { 'a.yaml': env(quay, 'repositories: { roleArn: "arn:aws:iam::123456789012:role/t", tags: { "team#1": x } }\n') },
    problems: [['a.yaml', 'repositories.tags.team#1', 'AWS allows letters, digits, spaces and _ . : / = + - @ in tags']],
  },
  'an empty state key': {
    files: { 'a.yaml': env(quay, 'state: { bucket: tf-state, key: "" }\n') },
    problems: [['a.yaml', 'state.key', 'must not be empty: the object key of the state, for example ecr-pull-through-cache/<environment>.tfstate']],
  },
  'two YAML documents in one file': {
    files: { 'a.yaml': `${env(quay)}---\n${env(quay)}` },
    problems: [['a.yaml', '', 'holds more than one YAML document (a "---" line): an environment file is one document']],
  },
  'a file far larger than any environment': {
    files: { 'a.yaml': `${env(quay)}# ${'x'.repeat(300 * 1024)}\n` },
    problems: [['a.yaml', '', 'is 301 KiB; an environment file is at most 256 KiB']],
  },
  'an upper-case extension and name': {
    files: { 'Staging.YAML': env(quay) },
    problems: [
      ['Staging.YAML', '', '"Staging" is not a usable environment name'],
      ['Staging.YAML', '', 'environment files end in .yaml or .yml, in lower case, not ".YAML"'],
    ],
  },
  'region in China': {
    files: { 'a.yaml': env(quay, '', `account: "${ACCOUNT}"\nregion: cn-north-1\n`) },
    problems: [['a.yaml', 'region', 'not available in the China regions']],
  },
  'region in GovCloud': {
    files: { 'a.yaml': env(quay, '', `account: "${ACCOUNT}"\nregion: us-gov-west-1\n`) },
    problems: [['a.yaml', 'region', 'not available in the GovCloud regions']],
  },
  'unknown upstream, with the closest name': {
    files: { 'a.yaml': env('  docker-hub: { upstream: dockerhub }\n') },
    problems: [['a.yaml', 'rules.docker-hub.upstream', '"dockerhub" is not an upstream AWS supports (did you mean "docker-hub"?)']],
  },
  'upstream missing': { files: { 'a.yaml': env('  quay: { registry: quay.io }\n') }, problems: [['a.yaml', 'rules.quay.upstream', 'is required']] },
  'prefix in upper case': {
    files: { 'a.yaml': env('  Docker-Hub: { upstream: docker-hub }\n') },
    problems: [['a.yaml', 'rules.Docker-Hub', 'is not a valid prefix']],
  },
  'prefix too short': { files: { 'a.yaml': env('  q: { upstream: quay }\n') }, problems: [['a.yaml', 'rules.q', '"q" is 1 character; a prefix has 2 to 30']] },
  'prefix too long': {
    files: { 'a.yaml': env(`  ${'q'.repeat(31)}: { upstream: quay }\n`) },
    problems: [['a.yaml', `rules.${'q'.repeat(31)}`, 'is 31 characters']],
  },
  'prefix with a double separator (AWS allows it, the provider does not)': {
    files: { 'a.yaml': env('  docker--hub: { upstream: docker-hub }\n') },
    problems: [['a.yaml', 'rules.docker--hub', 'a single ".", "_" or "-"']],
  },
  'prefix with a trailing slash': {
    files: { 'a.yaml': env('  quay/: { upstream: quay }\n') },
    problems: [['a.yaml', 'rules.quay/', 'drop the trailing "/"']],
  },
  'upstreamPrefix on a non-ECR upstream': {
    files: { 'a.yaml': env('  hub: { upstream: docker-hub, upstreamPrefix: library }\n') },
    problems: [['a.yaml', 'rules.hub.upstreamPrefix', 'only ECR-to-ECR rules']],
  },
  'upstreamPrefix on the ROOT rule': {
    files: { 'a.yaml': env('  ROOT: { upstream: ecr, registry: 123456789012.dkr.ecr.us-east-1.amazonaws.com, upstreamPrefix: team }\n') },
    problems: [['a.yaml', 'rules.ROOT.upstreamPrefix', 'a ROOT rule cannot map to an upstream prefix']],
  },
  'upstreamPrefix outside the pattern': {
    files: { 'a.yaml': env('  us: { upstream: ecr, registry: 123456789012.dkr.ecr.us-east-1.amazonaws.com, upstreamPrefix: Team }\n') },
    problems: [['a.yaml', 'rules.us.upstreamPrefix', '"Team" is not a valid prefix']],
  },
  'Azure without registry': {
    files: { 'a.yaml': env('  azure: { upstream: azure-container-registry }\n') },
    problems: [['a.yaml', 'rules.azure.registry', 'azure-container-registry needs "registry"']],
  },
  'Azure with a host that is not azurecr.io': {
    files: { 'a.yaml': env('  azure: { upstream: azure-container-registry, registry: contoso.example.com }\n') },
    problems: [['a.yaml', 'rules.azure.registry', 'not an Azure Container Registry login server']],
  },
  'ECR without registry': { files: { 'a.yaml': env('  us: { upstream: ecr }\n') }, problems: [['a.yaml', 'rules.us.registry', 'ecr needs "registry"']] },
  'ECR with a host that is not a private registry': {
    files: { 'a.yaml': env('  us: { upstream: ecr, registry: public.ecr.aws }\n') },
    problems: [['a.yaml', 'rules.us.registry', 'not a private ECR registry host']],
  },
  'ECR upstream that is the cache itself': {
    files: { 'a.yaml': env(`  self: { upstream: ecr, registry: ${ACCOUNT}.dkr.ecr.eu-west-2.amazonaws.com }\n`) },
    problems: [['a.yaml', 'rules.self.registry', "this cache's own registry"]],
  },
  'ECR upstream in a China region': {
    files: { 'a.yaml': env('  cn: { upstream: ecr, registry: 123456789012.dkr.ecr.cn-north-1.amazonaws.com }\n') },
    problems: [['a.yaml', 'rules.cn.registry', 'China']],
  },
  'a fixed upstream with another registry': {
    files: { 'a.yaml': env('  quay: { upstream: quay, registry: quay.example.com }\n') },
    problems: [['a.yaml', 'rules.quay.registry', "quay's registry is always quay.io"]],
  },
  'Docker Hub given as docker.io': {
    files: { 'a.yaml': env('  hub: { upstream: docker-hub, registry: docker.io }\n') },
    problems: [['a.yaml', 'rules.hub.registry', 'always registry-1.docker.io']],
  },
  'a credential secret for an upstream that takes none': {
    files: { 'a.yaml': env(`  k8s: { upstream: k8s, secretArn: "arn:aws:secretsmanager:eu-west-2:${ACCOUNT}:secret:ecr-pullthroughcache/k8s" }\n`) },
    problems: [['a.yaml', 'rules.k8s.secretArn', 'k8s takes no credential secret']],
  },
  'a secret named outside ecr-pullthroughcache/': {
    files: { 'a.yaml': env(`  hub: { upstream: docker-hub, secretArn: "arn:aws:secretsmanager:eu-west-2:${ACCOUNT}:secret:dockerhub-AbCdEf" }\n`) },
    problems: [['a.yaml', 'rules.hub.secretArn', 'its name must start with "ecr-pullthroughcache/"']],
  },
  'a secret in another account': {
    files: { 'a.yaml': env('  hub: { upstream: docker-hub, secretArn: "arn:aws:secretsmanager:eu-west-2:999999999999:secret:ecr-pullthroughcache/hub" }\n') },
    problems: [['a.yaml', 'rules.hub.secretArn', "it is in account 999999999999, not the cache's account"]],
  },
  'a secret in another region': {
    files: { 'a.yaml': env(`  hub: { upstream: docker-hub, secretArn: "arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:ecr-pullthroughcache/hub" }\n`) },
    problems: [['a.yaml', 'rules.hub.secretArn', "it is in region us-east-1, not the cache's region eu-west-2"]],
  },
  'a secret ARN that is not one': {
    files: { 'a.yaml': env('  hub: { upstream: docker-hub, secretArn: ecr-pullthroughcache/hub }\n') },
    problems: [['a.yaml', 'rules.hub.secretArn', 'is not a Secrets Manager secret ARN']],
  },
  'a role for an upstream that is not ECR': {
    files: { 'a.yaml': env(`  hub: { upstream: docker-hub, roleArn: "arn:aws:iam::${ACCOUNT}:role/x" }\n`) },
    problems: [['a.yaml', 'rules.hub.roleArn', 'docker-hub takes no IAM role']],
  },
  'a role in another account': {
    files: { 'a.yaml': env('  us: { upstream: ecr, registry: 999999999999.dkr.ecr.eu-west-2.amazonaws.com, roleArn: "arn:aws:iam::999999999999:role/x" }\n') },
    problems: [['a.yaml', 'rules.us.roleArn', "it must be in the cache's account"]],
  },
  'an unknown top-level key, with a suggestion': {
    files: { 'a.yaml': env(quay, 'regoin: eu-west-1\n') },
    problems: [['a.yaml', 'regoin', 'unknown key (did you mean "region"?)']],
  },
  'an unknown rule key, with a suggestion': {
    files: { 'a.yaml': env('  quay: { upstream: quay, upstreamPrefx: x }\n') },
    problems: [['a.yaml', 'rules.quay.upstreamPrefx', 'unknown key (did you mean "upstreamPrefix"?)']],
  },
  'an unknown nested key, with a suggestion': {
    files: { 'a.yaml': env(quay, 'nodes: { createrole: my-role }\n') },
    problems: [['a.yaml', 'nodes.createrole', 'unknown key (did you mean "createRole"?)']],
  },
  'YAML that does not parse': {
    files: { 'a.yaml': 'account: "123456789012"\nrules: [quay\n' },
    problems: [['a.yaml', '', 'is not valid YAML']],
  },
  'a duplicate key': {
    files: { 'a.yaml': env(`${quay}  quay: { upstream: quay }\n`) },
    problems: [['a.yaml', 'rules.quay', 'duplicate key']],
  },
  'a second account, named as the key that is duplicated, with the line of the first': {
    files: { 'a.yaml': `account: "${ACCOUNT}"\nregion: eu-west-2\naccount: "222222222222"\nrules:\n${quay}` },
    problems: [['a.yaml', 'account', 'duplicate key (first set on line 1): YAML keys must be unique; keep one']],
  },
  'a second top-level region after the rules': {
    files: { 'a.yaml': `${env(quay)}region: eu-west-1\n` },
    problems: [['a.yaml', 'region', 'duplicate key (first set on line 2): YAML keys must be unique; keep one']],
  },
  'a key twice in a flow map': {
    files: { 'a.yaml': env('  quay: { upstream: quay, upstream: k8s }\n') },
    problems: [['a.yaml', 'rules.quay.upstream', 'duplicate key (first set on line 4)']],
  },
  'bytes that are not UTF-8': {
    files: { 'a.yaml': NOT_UTF8 },
    problems: [['a.yaml', '', 'is not UTF-8 text: save it as UTF-8']],
  },
  'a KMS key in another region and IMMUTABLE tags, both reported': {
    files: { 'a.yaml': env(quay, `repositories: { kmsKey: "arn:aws:kms:us-east-1:${ACCOUNT}:key/abc", tagMutability: IMMUTABLE }\n`) },
    problems: [
      ['a.yaml', 'repositories.kmsKey', "the key is in us-east-1; ECR needs a key in the cache's region eu-west-2"],
      ['a.yaml', 'repositories.tagMutability', 'IMMUTABLE stops the cache from refreshing a tag from upstream'],
    ],
  },
  "a rule's KMS key in another region and IMMUTABLE tags, both reported": {
    files: { 'a.yaml': env(`  quay: { upstream: quay, repositories: { kmsKey: "arn:aws:kms:us-east-1:${ACCOUNT}:key/abc", tagMutability: IMMUTABLE } }\n`) },
    problems: [
      ['a.yaml', 'rules.quay.repositories.kmsKey', "the key is in us-east-1; ECR needs a key in the cache's region eu-west-2"],
      ['a.yaml', 'rules.quay.repositories.tagMutability', 'IMMUTABLE stops the cache from refreshing a tag from upstream'],
    ],
  },
  "a state key that starts and ends with \"/\" and holds \"//\" (Terraform's S3 backend refuses it)": {
    files: { 'a.yaml': env(quay, 'state: { bucket: tf-state, key: "/abs//x.tfstate/" }\n') },
    problems: [
      [
        'a.yaml',
        'state.key',
        '"/abs//x.tfstate/" starts with "/", ends with "/" and holds "//": Terraform\'s S3 backend refuses such a key; write "abs/x.tfstate"',
      ],
    ],
  },
  'a state key that only ends with "/"': {
    files: { 'a.yaml': env(quay, 'state: { bucket: tf-state, key: "states/" }\n') },
    problems: [['a.yaml', 'state.key', '"states/" ends with "/": Terraform\'s S3 backend refuses such a key; write "states"']],
  },
  'a state key of spaces': {
    files: { 'a.yaml': env(quay, 'state: { bucket: tf-state, key: "   " }\n') },
    problems: [['a.yaml', 'state.key', 'must not be empty: the object key of the state, for example ecr-pull-through-cache/<environment>.tfstate']],
  },
  'a registry host given as the upstream': {
    files: { 'a.yaml': env('  gh: { upstream: ghcr.io }\n  hub: { upstream: docker.io }\n  az: { upstream: contoso.azurecr.io }\n') },
    problems: [
      ['a.yaml', 'rules.gh.upstream', '"ghcr.io" is the host of an upstream, not its name: write upstream: github-container-registry'],
      ['a.yaml', 'rules.hub.upstream', '"docker.io" is the host of an upstream, not its name: write upstream: docker-hub'],
      ['a.yaml', 'rules.az.upstream', '"contoso.azurecr.io" is the host of an upstream, not its name: write upstream: azure-container-registry and registry: contoso.azurecr.io'],
    ],
  },
  'the start of an upstream name, with the one it starts': {
    files: { 'a.yaml': env('  gh: { upstream: github }\n') },
    problems: [['a.yaml', 'rules.gh.upstream', '"github" is not an upstream AWS supports (did you mean "github-container-registry"?); one of ']],
  },
  'an upstream like no other, with no suggestion': {
    files: { 'a.yaml': env('  foo: { upstream: foo }\n') },
    problems: [['a.yaml', 'rules.foo.upstream', /^"foo" is not an upstream AWS supports; one of ecr-public, k8s, /]],
  },
  'an unknown key like no known one, with no suggestion': {
    files: { 'a.yaml': env(quay, 'base: { upstream: k8s }\n') },
    problems: [['a.yaml', 'base', /^unknown key: remove it \(the keys here: \$schema, account, region, allowUnlistedRegion, .*, cacheFrom\)$/]],
  },
  'a merge key of something that is not a map': {
    files: { 'a.yaml': env('  quay:\n    <<: quay\n') },
    problems: [['a.yaml', '', 'a merge key (<<) takes a map, an alias of one (*name), or a list of them']],
  },
  'a file that is a list': { files: { 'a.yaml': '- account: "123456789012"\n' }, problems: [['a.yaml', '', 'must be a YAML map']] },
  'an empty file': { files: { 'a.yaml': '# nothing yet\n' }, problems: [['a.yaml', '', 'must be a YAML map']] },
  'no rules': { files: { 'a.yaml': env('  {}\n') }, problems: [['a.yaml', 'rules', 'needs at least one rule']] },
  'rules as a list': { files: { 'a.yaml': env('  - quay\n') }, problems: [['a.yaml', 'rules', 'must be a map, not a list']] },
  'a rule that is not a map': { files: { 'a.yaml': env('  quay: quay\n') }, problems: [['a.yaml', 'rules.quay', 'must be a map, not string "quay"']] },
  'more than 50 rules in one file': { files: { 'a.yaml': env(manyRules(51)) }, problems: [['a.yaml', 'rules', 'has 51 rules; ECR allows at most 50']] },
  'more than 50 rules in one account and region, across files': {
    files: { 'a.yaml': env(manyRules(26)), 'b.yaml': env(manyRules(25, 26)) },
    problems: [
      ['a.yaml', 'rules', /would have 51 rules across .*a\.yaml \(26\), .*b\.yaml \(25\)/],
      ['b.yaml', 'rules', 'would have 51 rules'],
    ],
  },
  'the same prefix in two files of one account and region, reported once': {
    files: { 'a.yaml': env(quay), 'b.yaml': env(quay) },
    problems: [['b.yaml', 'rules.quay', /a\.yaml has a rule with the same prefix in account 123456789012, eu-west-2; a registry has one rule per prefix: keep it in one file$/]],
  },
  'the same prefix in three files, once per clash': {
    files: { 'a.yaml': env(quay), 'b.yaml': env(quay), 'c.yaml': env(quay) },
    problems: [
      ['b.yaml', 'rules.quay', /a\.yaml has a rule with the same prefix/],
      ['c.yaml', 'rules.quay', /a\.yaml has a rule with the same prefix/],
    ],
  },
  'an environment name that cannot name a stack': { files: { 'Prod.yaml': env(quay) }, problems: [['Prod.yaml', '', 'not a usable environment name']] },
  'a recovery window under 7 days': {
    files: { 'a.yaml': env(quay, 'secrets: { recoveryWindowDays: 3 }\n') },
    problems: [['a.yaml', 'secrets.recoveryWindowDays', 'must be a whole number from 7 to 30']],
  },
  'no node role at all': {
    files: { 'a.yaml': env(quay, 'nodes: { createRole: false }\n') },
    problems: [['a.yaml', 'nodes', 'list existingRoles']],
  },
  'two files creating the same role in one account': {
    files: { 'a.yaml': env(quay, 'nodes: { createRole: eks-node }\n'), 'b.yaml': env(quay, 'nodes: { createRole: eks-node }\n', `account: "${ACCOUNT}"\nregion: us-east-1\n`) },
    problems: [['b.yaml', 'nodes.createRole', /a\.yaml already creates the role "eks-node"/]],
  },
  'an existing role name IAM would refuse': {
    files: { 'a.yaml': env(quay, 'nodes: { existingRoles: ["node role"] }\n') },
    problems: [['a.yaml', 'nodes.existingRoles[0]', 'is not an IAM role name']],
  },
  'immutable tags for every cache repository': {
    files: { 'a.yaml': env(quay, 'repositories: { tagMutability: IMMUTABLE }\n') },
    problems: [['a.yaml', 'repositories.tagMutability', 'IMMUTABLE stops the cache from refreshing a tag from upstream']],
  },
  "immutable tags for one rule's cache repositories": {
    files: { 'a.yaml': env('  quay: { upstream: quay, repositories: { tagMutability: IMMUTABLE_WITH_EXCLUSION } }\n') },
    problems: [['a.yaml', 'rules.quay.repositories.tagMutability', 'IMMUTABLE stops the cache']],
  },
  'immutable tag filters without MUTABLE_WITH_EXCLUSION': {
    files: { 'a.yaml': env(quay, 'repositories: { immutableTags: ["v*"] }\n') },
    problems: [['a.yaml', 'repositories.immutableTags', 'only applies with tagMutability: MUTABLE_WITH_EXCLUSION']],
  },
  'immutable tag filters ECR refuses: characters, more than two wildcards': {
    files: {
      'a.yaml': env(quay, 'repositories: { tagMutability: MUTABLE_WITH_EXCLUSION, immutableTags: ["release/*", "*-rc-*-*", "ok-*"] }\n'),
    },
    problems: [
      ['a.yaml', 'repositories.immutableTags', '"release/*" is not a tag filter: 1-128 letters, digits, ".", "_" or "-", with at most 2 wildcards "*"'],
      ['a.yaml', 'repositories.immutableTags', '"*-rc-*-*" is not a tag filter'],
    ],
  },
  'more than 5 immutable tag filters': {
    files: { 'a.yaml': env(quay, 'repositories: { tagMutability: MUTABLE_WITH_EXCLUSION, immutableTags: [a, b, c, d, e, f] }\n') },
    problems: [['a.yaml', 'repositories.immutableTags', 'has 6 filters; ECR allows at most 5']],
  },
  'an immutable tag filter of 129 characters': {
    files: { 'a.yaml': env(quay, `repositories: { tagMutability: MUTABLE_WITH_EXCLUSION, immutableTags: [${'v'.repeat(129)}] }\n`) },
    problems: [['a.yaml', 'repositories.immutableTags', 'is not a tag filter']],
  },
  'MUTABLE_WITH_EXCLUSION without filters': {
    files: { 'a.yaml': env('  quay: { upstream: quay, repositories: { tagMutability: MUTABLE_WITH_EXCLUSION } }\n') },
    problems: [['a.yaml', 'rules.quay.repositories.immutableTags', 'needs the tag filters']],
  },
  'a KMS key that is not a key ARN': {
    files: { 'a.yaml': env(quay, 'repositories: { kmsKey: alias/ecr }\n') },
    problems: [['a.yaml', 'repositories.kmsKey', 'is not a KMS key ARN']],
  },
  'a KMS key in another region': {
    files: { 'a.yaml': env(quay, `repositories: { kmsKey: "arn:aws:kms:us-east-1:${ACCOUNT}:key/abc" }\n`) },
    problems: [['a.yaml', 'repositories.kmsKey', "ECR needs a key in the cache's region eu-west-2"]],
  },
  'a template role in another account': {
    files: { 'a.yaml': env(quay, 'repositories: { tags: { a: b }, roleArn: "arn:aws:iam::999999999999:role/t" }\n') },
    problems: [['a.yaml', 'repositories.roleArn', "it must be in the cache's account"]],
  },
  'a secret value for an upstream that takes no secret': {
    files: { 'a.yaml': env('  k8s: { upstream: k8s, secretValueVersion: 1 }\n') },
    problems: [['a.yaml', 'rules.k8s.secretValueVersion', 'k8s takes no credential secret']],
  },
  'a secret value for an existing secret': {
    files: {
      'a.yaml': env(`  hub: { upstream: docker-hub, secretValueVersion: 1, secretArn: "arn:aws:secretsmanager:eu-west-2:${ACCOUNT}:secret:ecr-pullthroughcache/hub" }\n`),
    },
    problems: [['a.yaml', 'rules.hub.secretValueVersion', 'not with secretArn']],
  },
  'a secret value version of 0': {
    files: { 'a.yaml': env('  hub: { upstream: docker-hub, secretValueVersion: 0 }\n') },
    problems: [['a.yaml', 'rules.hub.secretValueVersion', 'must be a whole number from 1']],
  },
  'two rules whose secret variables would have one name': {
    files: { 'a.yaml': env('  a-b: { upstream: docker-hub, secretValueVersion: 1 }\n  a.b: { upstream: github-container-registry, secretValueVersion: 1 }\n') },
    problems: [
      ['a.yaml', 'rules.a.b', "its Terraform address name a_b is also rule a-b's: rename one of the prefixes"],
      ['a.yaml', 'rules.a.b.secretValueVersion', "its variable credentials_a_b is also rule a-b's"],
    ],
  },
  'continuous scanning with basic scanning': {
    files: { 'a.yaml': env(quay, 'scanning: { type: basic, frequency: continuous }\n') },
    problems: [['a.yaml', 'scanning.frequency', 'continuous scanning needs type: enhanced']],
  },
  'two files setting the scanning of one registry': {
    files: { 'a.yaml': env(quay, 'scanning: { type: basic }\n'), 'b.yaml': env('  k8s: { upstream: k8s }\n', 'scanning: { type: enhanced }\n') },
    problems: [['b.yaml', 'scanning', /a\.yaml already sets the scanning configuration/]],
  },
  'production that is not a boolean': {
    files: { 'a.yaml': env(quay, 'production: yes\n') },
    problems: [['a.yaml', 'production', 'must be a boolean, not string "yes"']],
  },
  'allowDeletions outside production': {
    files: { 'a.yaml': env(quay, 'allowDeletions: [aws_ecr_pull_through_cache_rule.quay]\n') },
    problems: [['a.yaml', 'allowDeletions', 'only a production: true environment is guarded, so nothing reads this list: remove it, or set production: true']],
  },
  'allowDeletions naming something other than a resource address': {
    files: { 'a.yaml': env(quay, 'production: true\nallowDeletions: [quay, "module.cache.aws_iam_role.node"]\n') },
    problems: [
      ['a.yaml', 'allowDeletions[0]', '"quay" is not a Terraform resource address as the production guard names it (aws_ecr_pull_through_cache_rule.quay)'],
      ['a.yaml', 'allowDeletions[1]', '"module.cache.aws_iam_role.node" is not a Terraform resource address'],
    ],
  },
  'an address allowed twice': {
    files: { 'a.yaml': env(quay, 'production: true\nallowDeletions: [aws_ecr_pull_through_cache_rule.quay, aws_ecr_pull_through_cache_rule.quay]\n') },
    problems: [['a.yaml', 'allowDeletions[1]', '"aws_ecr_pull_through_cache_rule.quay" is listed twice']],
  },
  'a recovery window over 30 days': {
    files: { 'a.yaml': env(quay, 'secrets: { recoveryWindowDays: 31 }\n') },
    problems: [['a.yaml', 'secrets.recoveryWindowDays', 'must be a whole number from 7 to 30']],
  },
  'an existing role listed twice': {
    files: { 'a.yaml': env(quay, 'nodes: { existingRoles: [karpenter, karpenter] }\n') },
    problems: [['a.yaml', 'nodes.existingRoles[1]', '"karpenter" is listed twice']],
  },
  'an existing role that is the role created': {
    files: { 'a.yaml': env(quay, 'nodes: { createRole: eks-node, existingRoles: [eks-node] }\n') },
    problems: [['a.yaml', 'nodes.existingRoles[0]', '"eks-node" is the role this stack creates']],
  },
  'a role to create that is neither a name nor false': {
    files: { 'a.yaml': env(quay, 'nodes: { createRole: true }\n') },
    problems: [['a.yaml', 'nodes.createRole', 'must be the name of the role to create']],
  },
  'two cross-account rules whose upstream roles would have one name': {
    files: {
      'a.yaml': env(
        '  team/a: { upstream: ecr, registry: 999999999999.dkr.ecr.eu-west-2.amazonaws.com }\n' +
          '  team-a: { upstream: ecr, registry: 888888888888.dkr.ecr.eu-west-2.amazonaws.com }\n',
      ),
    },
    problems: [
      ['a.yaml', 'rules.team-a', "its upstream role ecr-ptc-team-a-eu-west-2 would also be rule team/a's"],
      ['a.yaml', 'rules.team-a', "its Terraform address name team_a is also rule team/a's"],
    ],
  },
  'an existing node role whose attachment would take the created role\'s address': {
    files: { 'a.yaml': env(quay, 'nodes: { existingRoles: [node] }\n') },
    problems: [['a.yaml', 'nodes.existingRoles[0]', '"node" would share the Terraform address name node of the role this stack creates']],
  },
  'two existing node roles whose attachments would share a Terraform address': {
    files: { 'a.yaml': env(quay, 'nodes: { existingRoles: [eks-node, eks_node] }\n') },
    problems: [['a.yaml', 'nodes.existingRoles[1]', '"eks_node" and "eks-node" would share the Terraform address name eks_node']],
  },
  'a tag the stack sets itself': {
    files: { 'a.yaml': env(quay, 'tags: { Environment: production }\n') },
    problems: [['a.yaml', 'tags.Environment', 'is set by the stack']],
  },
  'a state bucket in a region that is not one': {
    files: { 'a.yaml': env(quay, 'state: { bucket: tf-state, region: "not a region!" }\n') },
    problems: [['a.yaml', 'state.region', 'is not an AWS region name']],
  },
  'a state bucket name S3 would refuse': {
    files: { 'a.yaml': env(quay, 'state: { bucket: TF_State }\n') },
    problems: [['a.yaml', 'state.bucket', 'is not an S3 bucket name']],
  },
  'YAML aliases that expand without bound': {
    files: {
      'a.yaml':
        'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n' +
        'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
    },
    problems: [['a.yaml', '', 'cannot be read as data: Excessive alias count']],
  },
  'a consumer whose hub is not in the folder': {
    files: { 'a.yaml': `account: "${ACCOUNT}"\nregion: eu-west-2\ncacheFrom: shared\n` },
    problems: [['a.yaml', 'cacheFrom', 'no environment "shared" in this folder (it has a)']],
  },
  'a consumer of a consumer': {
    files: {
      'hub.yaml': env(quay, 'consumers: { accounts: ["222222222222", "333333333333"] }\n'),
      'b.yaml': 'account: "222222222222"\nregion: eu-west-2\ncacheFrom: hub\n',
      'c.yaml': 'account: "333333333333"\nregion: eu-west-2\ncacheFrom: b\n',
    },
    problems: [['c.yaml', 'cacheFrom', 'b is a consumer itself (cacheFrom: hub): name the hub whose cache it pulls through']],
  },
  'a consumer with rules of its own': {
    files: { 'hub.yaml': env(quay, 'consumers: { accounts: ["222222222222"] }\n'), 'b.yaml': env(quay, 'cacheFrom: hub\n', 'account: "222222222222"\nregion: eu-west-2\n') },
    problems: [['b.yaml', 'cacheFrom', 'a consumer has no rules of its own: remove rules to pull through hub, or cacheFrom to keep a cache here']],
  },
  'a consumer with cache settings': {
    files: {
      'hub.yaml': env(quay, 'consumers: { accounts: ["222222222222"] }\n'),
      'b.yaml': 'account: "222222222222"\nregion: eu-west-2\ncacheFrom: hub\nscanning: { type: basic }\nrepositories: { keepImages: 5 }\n',
    },
    problems: [
      ['b.yaml', 'scanning', 'a consumer has no cache of its own: scanning belongs in hub, the hub'],
      ['b.yaml', 'repositories', 'a consumer has no cache of its own: repositories belongs in hub, the hub'],
    ],
  },
  'consumers but no rules': {
    files: { 'a.yaml': `account: "${ACCOUNT}"\nregion: eu-west-2\nconsumers: { accounts: ["222222222222"] }\n` },
    problems: [
      ['a.yaml', 'rules', 'is required: a map from repository prefix to rule (or cacheFrom: <environment>'],
      ['a.yaml', 'consumers', 'only an environment with rules (a hub) has consumers'],
    ],
  },
  'a consumer its hub does not list, and no organization': {
    files: { 'hub.yaml': env(quay, 'consumers: { accounts: ["222222222222"] }\n'), 'b.yaml': 'account: "333333333333"\nregion: eu-west-2\ncacheFrom: hub\n' },
    problems: [['b.yaml', 'cacheFrom', /hub\.yaml does not let account 333333333333 pull through its cache: add it to its consumers\.accounts, or give it a consumers\.organization/]],
  },
  'consumers an organization and accounts cannot be': {
    files: { 'hub.yaml': env(quay, `consumers: { organization: O-Example, accounts: ["12345", "${ACCOUNT}", "222222222222", "222222222222"] }\n`) },
    problems: [
      ['hub.yaml', 'consumers.organization', '"O-Example" is not an AWS Organization ID (o- and 10-32 lower-case letters or digits)'],
      ['hub.yaml', 'consumers.accounts[0]', '"12345" is not a 12-digit AWS account ID'],
      ['hub.yaml', 'consumers.accounts[1]', `${ACCOUNT} is the cache's own account: its nodes need no consumer grant`],
      ['hub.yaml', 'consumers.accounts[3]', '222222222222 is listed twice'],
    ],
  },
  'two hubs in one registry, each owning its registry policy': {
    files: {
      'a.yaml': env(quay, 'consumers: { accounts: ["222222222222"] }\n'),
      'b.yaml': env('  k8s: { upstream: k8s }\n', 'consumers: { accounts: ["333333333333"] }\n', `account: "${ACCOUNT}"\nregion: eu-west-2\nnodes: { createRole: other-node }\n`),
    },
    problems: [['b.yaml', 'consumers', /a\.yaml already owns the registry policy of account 123456789012 in eu-west-2; a registry has one/]],
  },
  'one environment in two files': {
    files: { 'dev.yaml': env(quay), 'dev.yml': env('  k8s: { upstream: k8s }\n') },
    problems: [
      ['dev.yaml', '', /environment "dev" is also defined by .*dev\.yml/],
      ['dev.yml', '', /environment "dev" is also defined by .*dev\.yaml/],
    ],
  },
};

describe('environment files AWS or the provider would reject', () => {
  it('has at least 30 cases', () => {
    expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(30);
  });

  it.each(Object.entries(CASES))('rejects %s', (_, { files, problems }) => {
    const dir = environmentsFolder(files);
    try {
      const result = checkEnvironments(environmentFiles(dir));
      const reported = result.problems.map((problem) => [problem.file.split('/').pop(), formatPath(problem.path), problem.message]);
      expect(reported).toHaveLength(problems.length);
      for (const [file, field, message] of problems) {
        expect(reported).toContainEqual([file, field, typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message)]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('environment files AWS accepts', () => {
  it.each(Object.entries<Record<string, string>>({
    'the same prefix in two regions of one account': { 'a.yaml': env(quay), 'b.yaml': env(quay, '', `account: "${ACCOUNT}"\nregion: us-east-1\n`) },
    'exactly 50 rules across two files': { 'a.yaml': env(manyRules(25)), 'b.yaml': env(manyRules(25, 25)) },
    'an existing secret and role, in the right account and region': {
      'a.yaml': env(
        `  hub: { upstream: docker-hub, secretArn: "arn:aws:secretsmanager:eu-west-2:${ACCOUNT}:secret:ecr-pullthroughcache/hub-AbCdEf" }\n` +
          `  other: { upstream: ecr, registry: 999999999999.dkr.ecr.eu-west-2.amazonaws.com, roleArn: "arn:aws:iam::${ACCOUNT}:role/ptc" }\n`,
      ),
    },
  }))('accepts %s', (_, files) => {
    const dir = environmentsFolder(files);
    try {
      expect(checkEnvironments(environmentFiles(dir)).problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports every problem of every file at once, in file order and line order', () => {
    const dir = environmentsFolder({
      'a.yaml': env('  Bad: { upstream: quay }\n  hub: { upstream: dockerhub }\n', '', 'account: 1\nregion: eu-west-2\n'),
      'b.yaml': env(quay, '', `account: "${ACCOUNT}"\n`),
    });
    try {
      const problems = checkEnvironments(environmentFiles(dir)).problems.map((problem) => `${problem.file.split('/').pop()}: ${formatPath(problem.path)}@${problem.line}`);
      expect(problems).toEqual(['a.yaml: account@1', 'a.yaml: rules.Bad@4', 'a.yaml: rules.hub.upstream@5', 'b.yaml: region@undefined']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads YAML merge keys (<<) as YAML 1.1 tools do, the keys written beside them winning', () => {
    const dir = environmentsFolder({
      'a.yaml': env('  k8s: &rule { upstream: k8s, repositories: { keepImages: 5 } }\n  k8s-two:\n    <<: *rule\n    repositories: { keepImages: 9 }\n  quay:\n    <<: { upstream: quay }\n'),
    });
    try {
      const result = checkEnvironments(environmentFiles(dir));
      expect(result.problems).toEqual([]);
      expect(result.environments[0].rules).toEqual([
        { prefix: 'k8s', upstream: 'k8s', repositories: { keepImages: 5 } },
        { prefix: 'k8s-two', upstream: 'k8s', repositories: { keepImages: 9 } },
        { prefix: 'quay', upstream: 'quay' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the line of a duplicated key, and of the first bytes that are not UTF-8', () => {
    const dir = environmentsFolder({
      'a.yaml': `account: "${ACCOUNT}"\nregion: eu-west-2\naccount: "222222222222"\nrules:\n${quay}`,
      'b.yaml': NOT_UTF8,
    });
    try {
      const problems = checkEnvironments(environmentFiles(dir)).problems;
      expect(problems.map((problem) => [problem.file.split('/').pop(), formatPath(problem.path), problem.line])).toEqual([
        ['a.yaml', 'account', 3],
        ['b.yaml', '', 3],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a clash of prefixes in the file checked alone, whichever of the two it is', () => {
    const dir = environmentsFolder({ 'a.yaml': env(quay), 'b.yaml': env(quay) });
    try {
      for (const [checked, other] of [
        ['a.yaml', 'b.yaml'],
        ['b.yaml', 'a.yaml'],
      ]) {
        const problems = checkEnvironments([join(dir, checked)], environmentFiles(dir)).problems;
        expect(problems.map((problem) => [problem.file.split('/').pop(), formatPath(problem.path), problem.message.split(' ')[0].split('/').pop()])).toEqual([
          [checked, 'rules.quay', other],
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warns that a node role the stack creates cannot serve nodes without an access entry, unless nodes.cluster names the cluster', () => {
    const dir = environmentsFolder({
      'a.yaml': env(quay),
      'b.yaml': env(quay, 'nodes: { cluster: platform }\n', `account: "${ACCOUNT}"\nregion: us-east-1\n`),
      'c.yaml': env(quay, 'nodes: { createRole: false, existingRoles: [eks-node], cluster: platform }\n', `account: "${ACCOUNT}"\nregion: eu-west-1\n`),
      'd.yaml': env(quay, 'nodes: { cluster: "bad cluster!" }\n', `account: "${ACCOUNT}"\nregion: eu-north-1\n`),
    });
    try {
      const result = checkEnvironments(environmentFiles(dir));
      expect(result.warnings.map((warning) => [warning.file.split('/').pop(), formatPath(warning.path), warning.message])).toEqual([
        [
          'a.yaml',
          'nodes',
          'the node role ecr-cache-a-node this stack creates has no EKS access entry, so its nodes cannot join a cluster: set nodes.cluster (the stack then creates an EC2_LINUX entry), or map the role in aws-auth yourself',
        ],
      ]);
      expect(result.problems.map((problem) => [problem.file.split('/').pop(), formatPath(problem.path), problem.message])).toEqual([
        ['c.yaml', 'nodes.cluster', 'gives the access entry of the role this stack creates, and createRole is false: remove it'],
        ['d.yaml', 'nodes.cluster', '"bad cluster!" is not an EKS cluster name: 1-100 letters, digits, "-" or "_", starting with a letter or digit'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warns about a rule nested inside another, whose paths the outer rule loses', () => {
    const dir = environmentsFolder({ 'a.yaml': env('  team: { upstream: docker-hub }\n  team/quay: { upstream: quay }\n') });
    try {
      const result = checkEnvironments(environmentFiles(dir));
      expect(result.problems).toEqual([]);
      expect(otherThanAccessEntries(result.warnings).map((warning) => [formatPath(warning.path), warning.message])).toEqual([
        ['rules.team/quay', 'nests inside rule team: ECR serves team/quay/... from this rule, so images of docker-hub whose path starts with quay/ cannot be pulled through team'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("warns that scanning only the cache takes scanning away from the registry's other repositories", () => {
    const dir = environmentsFolder({
      'a.yaml': env(quay, 'scanning: { type: basic, scope: cache }\n'),
      'b.yaml': env(quay, 'scanning: { type: enhanced, scope: cache }\n', `account: "${ACCOUNT}"\nregion: us-east-1\n`),
      'c.yaml': env(quay, 'scanning: { type: basic }\n', `account: "${ACCOUNT}"\nregion: eu-west-1\n`),
    });
    try {
      const result = checkEnvironments(environmentFiles(dir));
      expect(result.problems).toEqual([]);
      expect(otherThanAccessEntries(result.warnings).map((warning) => [warning.file.split('/').pop(), formatPath(warning.path), warning.message])).toEqual([
        [
          'a.yaml',
          'scanning.scope',
          `scans only the cache prefixes: every other repository of account ${ACCOUNT} in eu-west-2 is set to manual scanning (no scan on push), ` +
            "for as long as this stack owns the registry's scanning configuration",
        ],
        [
          'b.yaml',
          'scanning.scope',
          `scans only the cache prefixes: every other repository of account ${ACCOUNT} in us-east-1 has scanning turned off (no Amazon Inspector coverage), ` +
            "for as long as this stack owns the registry's scanning configuration",
        ],
      ]);
      expect(result.environments.map((environment) => environment.scanning?.scope)).toEqual(['cache', 'cache', 'registry']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a folder named like an environment file, and leaves hidden files out', () => {
    const dir = environmentsFolder({ 'a.yaml': env(quay), '.draft.yaml': 'not: [an environment' });
    mkdirSync(join(dir, 'qa.yaml'));
    try {
      expect(environmentFiles(dir).map((file) => file.split('/').pop())).toEqual(['a.yaml', 'qa.yaml']);
      const result = checkEnvironments(environmentFiles(dir));
      expect(result.problems.map((problem) => [problem.file.split('/').pop(), problem.message])).toEqual([['qa.yaml', 'is a folder: an environment is a file']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts a region newer than its list when the file says so, and still refuses China', () => {
    const dir = environmentsFolder({
      'a.yaml': env(quay, 'allowUnlistedRegion: true\n', `account: "${ACCOUNT}"\nregion: eu-west-9\n`),
      'b.yaml': env(quay, 'allowUnlistedRegion: true\n', `account: "${ACCOUNT}"\nregion: cn-west-9\n`),
    });
    try {
      const result = checkEnvironments(environmentFiles(dir));
      expect(result.problems.map((problem) => [problem.file.split('/').pop(), problem.message])).toEqual([
        ['b.yaml', 'pull-through cache is not available in the China regions ("cn-west-9")'],
      ]);
      expect(result.environments.map((environment) => [environment.region, environment.allowUnlistedRegion])).toEqual([['eu-west-9', true]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets a consumer pull through its hub, by account or through the organization, warning of what cannot be checked', () => {
    const dir = environmentsFolder({
      'hub.yaml': env(quay, 'consumers: { organization: o-a1b2c3d4e5, accounts: ["222222222222"] }\n'),
      'listed.yaml': 'account: "222222222222"\nregion: eu-west-2\ncacheFrom: hub\n',
      'member.yaml': 'account: "333333333333"\nregion: eu-west-1\ncacheFrom: hub\n',
    });
    try {
      const result = checkEnvironments(environmentFiles(dir));
      expect(result.problems).toEqual([]);
      expect(otherThanAccessEntries(result.warnings).map((warning) => [warning.file.split('/').pop(), formatPath(warning.path), warning.message])).toEqual([
        ['member.yaml', 'cacheFrom', 'account 333333333333 pulls through hub as a member of o-a1b2c3d4e5: membership cannot be checked offline'],
        [
          'member.yaml',
          'cacheFrom',
          "hub's cache is in eu-west-2, these nodes in eu-west-1: every pull crosses regions (transfer costs), and registry mirrors on the nodes need the credential provider's AWS_REGION set to eu-west-2 (node-config does)",
        ],
      ]);
      const listed = result.environments.find((environment) => environment.name === 'listed')!;
      expect(listed.rules).toEqual([]);
      expect(listed.cacheFrom).toMatchObject({ name: 'hub', hub: { account: ACCOUNT, region: 'eu-west-2', rules: [{ prefix: 'quay', upstream: 'quay' }] } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a file it cannot read, such as a broken link, instead of failing', () => {
    const dir = environmentsFolder({ 'a.yaml': env(quay) });
    symlinkSync(join(dir, 'missing.yaml'), join(dir, 'b.yaml'));
    try {
      const problems = checkEnvironments(environmentFiles(dir)).problems;
      expect(problems.map((problem) => [problem.file.split('/').pop(), problem.message])).toEqual([['b.yaml', 'cannot be read: ENOENT']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a second definition of a named file found in the folder', () => {
    const dir = environmentsFolder({ 'prod.yaml': env(quay), 'prod.yml': env(quay, '', `account: "${ACCOUNT}"\nregion: us-east-1\n`) });
    try {
      const problems = checkEnvironments([join(dir, 'prod.yml')], environmentFiles(dir)).problems;
      expect(problems.map((problem) => problem.message)).toEqual([expect.stringMatching(/environment "prod" is also defined by .*prod\.yaml/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks named files against the rest of the folder, reporting only theirs', () => {
    const dir = environmentsFolder({ 'a.yaml': env(quay), 'broken.yaml': 'account: [\n' });
    const extra = environmentsFolder({ 'new.yaml': env(quay) });
    try {
      const result = checkEnvironments([join(extra, 'new.yaml')], environmentFiles(dir));
      expect(result.problems.map((problem) => [formatPath(problem.path), problem.message])).toEqual([
        ['rules.quay', expect.stringMatching(/a\.yaml has a rule with the same prefix/)],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(extra, { recursive: true, force: true });
    }
  });
});
