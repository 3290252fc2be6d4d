/**
 * A first deploy, applied for real: Terraform and the real AWS provider create the rules of a new environment
 * against a loopback server that speaks ECR's and Secrets Manager's JSON protocol (support/fake-aws.ts).
 * - A rule whose secret the stack creates empty is not created until the secret has a value: the first apply stops
 *   with the next step, the apply after the secret is filled creates it. This holds whether or not ECR would accept
 *   an empty secret.
 * - A credential that Terraform writes (secretValueVersion) is written before its rule, and the rule waits for
 *   Secrets Manager to show it.
 * - An ECR upstream's rule, read back with the ROOT upstream prefix that ECR stores, plans no change afterwards.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { PROPAGATION_SECONDS } from '../lib/constructs/propagation-wait';
import { type OfflineWorkspace, prepareOfflineWorkspace, terraform, type TerraformResult } from '../scripts/offline-terraform';
import { type FakeAws, startFakeAws } from './support/fake-aws';
import { requireProviderMirror } from './support/offline-plan';
import { runTs } from './support/processes';

const ACCOUNT = '111111111111';
const ENVIRONMENT = `account: "${ACCOUNT}"
region: eu-west-2
rules:
  docker-hub: { upstream: docker-hub }
  github: { upstream: github-container-registry, secretValueVersion: 1 }
  quay: { upstream: quay }
  us: { upstream: ecr, registry: ${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com }
`;

const mirror = requireProviderMirror();
const work = mkdtempSync(join(tmpdir(), 'ecr-cache-first-deploy-'));
let fake: FakeAws | undefined;
let workspace: OfflineWorkspace;
/** `-target` of every rule: what the rules need (their secrets, the checks on them) is applied with them. */
let targets: string[];
let stack: { resource: Record<string, Record<string, unknown>> };

/** The credential Terraform writes, write-only, for the rule with secretValueVersion. */
const GITHUB_CREDENTIALS = { TF_VAR_credentials_github: JSON.stringify({ username: 'ci-bot', accessToken: 'ghp_FirstDeployCanary' }) };
const apply = (): Promise<TerraformResult> =>
  terraform(workspace, ['apply', '-auto-approve', '-input=false', '-no-color', ...targets], { env: GITHUB_CREDENTIALS });
const ecrCreates = () => fake!.requests.filter((request) => request.target === 'AmazonEC2ContainerRegistry_V20150921.CreatePullThroughCacheRule');

beforeAll(async () => {
  if (!mirror) return;
  fake = await startFakeAws({ account: ACCOUNT });
  writeFileSync(join(work, 'first.yaml'), ENVIRONMENT);
  const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { CDKTF_OUTDIR: join(work, 'out'), ECR_CACHE_ENVIRONMENTS: work });
  if (synth.status !== 0) throw new Error(`synth failed:\n${synth.stderr}`);
  const stackDir = join(work, 'out', 'stacks', 'ecr-cache-first');
  stack = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as typeof stack;
  targets = Object.keys(stack.resource.aws_ecr_pull_through_cache_rule).map((name) => `-target=aws_ecr_pull_through_cache_rule.${name}`);
  workspace = prepareOfflineWorkspace(stackDir, join(work, 'workspace'), mirror, { ecr: fake.endpoint, secretsmanager: fake.endpoint });
  const init = await terraform(workspace, ['init', '-input=false', '-no-color']);
  if (init.status !== 0) throw new Error(`terraform init failed:\n${init.stderr}`);
});

afterAll(async () => {
  await fake?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the first deploy of an environment with a credential secret', () => {
  beforeEach((context) => {
    if (!mirror) context.skip();
  });

  it('creates the secret and the other rules, then stops before the rule whose secret has no value, naming the next step', async () => {
    const first = await apply();
    expect(first.status).toBe(1);
    // Terraform wraps its messages and frames them with │.
    const error = first.stderr.replace(/[\s│]+/g, ' ');
    expect(error).toContain('The secret ecr-pullthroughcache/docker-hub has no value yet, so the pull-through cache rule docker-hub was not created.');
    expect(error).toContain('Put the Docker Hub credentials in it as JSON {"username", "accessToken"} (README, "Filling the credential secrets"), then apply again');
    expect([...fake!.secrets.keys()].sort()).toEqual(['ecr-pullthroughcache/docker-hub', 'ecr-pullthroughcache/github']);
    expect([...fake!.rules.keys()].sort()).toEqual(['github', 'quay', 'us']);
    expect(ecrCreates().map((request) => request.body.ecrRepositoryPrefix).sort()).toEqual(['github', 'quay', 'us']);
  });

  it('applies only the rules here, and so leaves nothing out: no other resource refers to a rule or waits for one', () => {
    // A full deploy then creates everything else when a rule stops it; the outputs alone name the rules.
    const others = Object.entries(stack.resource).filter(([type]) => type !== 'aws_ecr_pull_through_cache_rule');
    expect(others.length).toBeGreaterThan(0);
    for (const [type, resources] of others) expect(JSON.stringify(resources), type).not.toContain('aws_ecr_pull_through_cache_rule.');
  });

  it('writes a credential Terraform holds first, and creates its rule only after giving Secrets Manager time to show it', () => {
    const put = fake!.requests.find((request) => request.target === 'secretsmanager.PutSecretValue')!;
    const create = ecrCreates().find((request) => request.body.ecrRepositoryPrefix === 'github')!;
    expect(put.body.SecretString).toBe(GITHUB_CREDENTIALS.TF_VAR_credentials_github);
    expect(create.body.credentialArn).toBe(fake!.secrets.get('ecr-pullthroughcache/github')!.arn);
    expect(create.at - put.at).toBeGreaterThanOrEqual(PROPAGATION_SECONDS * 1000);
  });

  it('sends ROOT as the upstream prefix of an ECR upstream, and of no other', () => {
    const bodies = new Map(ecrCreates().map((request) => [request.body.ecrRepositoryPrefix, request.body]));
    expect(bodies.get('us')).toMatchObject({ upstreamRegistryUrl: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, upstreamRepositoryPrefix: 'ROOT' });
    expect(bodies.get('quay')).not.toHaveProperty('upstreamRepositoryPrefix');
  });

  it('creates the rule, with the secret, once the secret has a value', async () => {
    fake!.putSecretValue('ecr-pullthroughcache/docker-hub');
    const second = await apply();
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
    expect(fake!.rules.get('docker-hub')).toMatchObject({
      upstreamRegistryUrl: 'registry-1.docker.io',
      credentialArn: fake!.secrets.get('ecr-pullthroughcache/docker-hub')!.arn,
    });
  });

  it('plans no change afterwards: nothing is replaced on every apply', async () => {
    const plan = await terraform(workspace, ['plan', '-detailed-exitcode', '-input=false', '-no-color', ...targets], { env: GITHUB_CREDENTIALS });
    expect(plan.stderr).toBe('');
    expect(plan.stdout).toContain('No changes.');
    expect(plan.status).toBe(0);
  });
});
