/**
 * A first deploy, applied for real and in full: Terraform and the real AWS provider create a new environment against
 * the loopback AWS (scripts/loopback-aws), which refuses what AWS refuses.
 * - A rule whose secret the stack creates empty is not created until the secret has a value, and blocks nothing else:
 *   the first apply creates everything else and warns with the next step, a later change applies while the secret is
 *   still empty, and the apply after the secret is filled creates the rule. This holds whether or not ECR would accept
 *   an empty secret.
 * - A credential that Terraform writes (secretValueVersion) is written before its rule, and the rule waits for
 *   Secrets Manager to show it.
 * - An ECR upstream's rule, read back with the ROOT upstream prefix that ECR stores, plans no change afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { PROPAGATION_SECONDS } from '../lib/constructs/propagation-wait';
import { type OfflineWorkspace, prepareOfflineWorkspace, terraform, type TerraformResult } from '../scripts/offline-terraform';
import { type LoopbackAws, loopbackCredentials, startLoopbackAws } from '../scripts/loopback-aws';
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
let fake: LoopbackAws | undefined;
let workspace: OfflineWorkspace;
const registry = () => fake!.region(ACCOUNT, 'eu-west-2');

/** The credential Terraform writes, write-only, for the rule with secretValueVersion. */
const GITHUB_CREDENTIALS = { TF_VAR_credentials_github: JSON.stringify({ username: 'ci-bot', accessToken: 'ghp_FirstDeployCanary' }) };
const apply = (): Promise<TerraformResult> =>
  terraform(workspace, ['apply', '-auto-approve', '-input=false', '-no-color'], { env: GITHUB_CREDENTIALS });
const ecrCreates = () => fake!.requests.filter((request) => request.action === 'CreatePullThroughCacheRule' && request.error === undefined);

/** Synthesizes the environment file and lays the stack into the workspace, keeping its state: a deploy of that version. */
function deployVersion(environment: string): void {
  writeFileSync(join(work, 'first.yaml'), environment);
  const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { CDKTF_OUTDIR: join(work, 'out'), ECR_CACHE_ENVIRONMENTS: work });
  if (synth.status !== 0) throw new Error(`synth failed:\n${synth.stderr}`);
  const stackDir = join(work, 'out', 'stacks', 'ecr-cache-first');
  workspace = prepareOfflineWorkspace(stackDir, join(work, 'workspace'), mirror!, { endpoints: fake!.endpoints(), credentials: loopbackCredentials(ACCOUNT) });
}

beforeAll(async () => {
  if (!mirror) return;
  fake = await startLoopbackAws();
  deployVersion(ENVIRONMENT);
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

  it('creates the secret and everything else, and the rule whose secret has no value waits, with a warning naming the next step', async () => {
    const first = await apply();
    expect(first.status).toBe(0);
    // Terraform wraps its messages and frames them with │.
    const output = `${first.stdout}${first.stderr}`.replace(/[\s│]+/g, ' ');
    expect(output).toContain('Warning: Check block assertion failed');
    expect(output).toContain(
      'ecr-cache-first: the secret ecr-pullthroughcache/docker-hub has no value yet, so the pull-through cache rule docker-hub waits for it (everything else is planned and applied).',
    );
    expect(output).toContain('aws secretsmanager put-secret-value --secret-id ecr-pullthroughcache/docker-hub --secret-string file://credentials.json');
    expect([...registry().secrets.keys()].sort()).toEqual(['ecr-pullthroughcache/docker-hub', 'ecr-pullthroughcache/github']);
    expect([...registry().rules.keys()].sort()).toEqual(['github', 'quay', 'us']);
    expect(ecrCreates().map((request) => request.body.ecrRepositoryPrefix).sort()).toEqual(['github', 'quay', 'us']);
    // Everything else of the stack is in place: templates, the node role and its policies.
    expect([...registry().templates.keys()].sort()).toEqual(['docker-hub', 'github', 'quay', 'us']);
    expect([...fake!.state.iam(ACCOUNT).roles.keys()]).toEqual(['ecr-cache-first-node']);
    expect(fake!.unknownCalls).toEqual([]);
  });

  it('writes a credential Terraform holds first, and creates its rule only after giving Secrets Manager time to show it', () => {
    const put = fake!.requests.find((request) => request.target === 'secretsmanager.PutSecretValue')!;
    const create = ecrCreates().find((request) => request.body.ecrRepositoryPrefix === 'github')!;
    expect(put.body.SecretString).toBe(GITHUB_CREDENTIALS.TF_VAR_credentials_github);
    expect(create.body.credentialArn).toBe(registry().secrets.get('ecr-pullthroughcache/github')!.arn);
    expect(create.at - put.at).toBeGreaterThanOrEqual(PROPAGATION_SECONDS * 1000);
  });

  it('sends ROOT as the upstream prefix of an ECR upstream, and of no other', () => {
    const bodies = new Map(ecrCreates().map((request) => [request.body.ecrRepositoryPrefix, request.body]));
    expect(bodies.get('us')).toMatchObject({ upstreamRegistryUrl: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, upstreamRepositoryPrefix: 'ROOT' });
    expect(bodies.get('quay')).not.toHaveProperty('upstreamRepositoryPrefix');
  });

  it('applies a later change while the secret is still empty: the new rule is created, the waiting one still waits', async () => {
    deployVersion(`${ENVIRONMENT}  k8s: { upstream: k8s }\n`);
    const change = await apply();
    expect(change.status).toBe(0);
    expect(`${change.stdout}${change.stderr}`.replace(/[\s│]+/g, ' ')).toContain('the secret ecr-pullthroughcache/docker-hub has no value yet');
    expect([...registry().rules.keys()].sort()).toEqual(['github', 'k8s', 'quay', 'us']);
  });

  it('creates the rule, with the secret, once the secret has a value', async () => {
    fake!.putSecretValue(ACCOUNT, 'eu-west-2', 'ecr-pullthroughcache/docker-hub');
    const second = await apply();
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
    expect(registry().rules.get('docker-hub')).toMatchObject({
      upstreamRegistryUrl: 'registry-1.docker.io',
      credentialArn: registry().secrets.get('ecr-pullthroughcache/docker-hub')!.arn,
    });
  });

  it('plans no change afterwards: nothing is replaced on every apply', async () => {
    const plan = await terraform(workspace, ['plan', '-detailed-exitcode', '-input=false', '-no-color'], { env: GITHUB_CREDENTIALS });
    expect(plan.stderr).toBe('');
    expect(plan.stdout).toContain('No changes.');
    expect(plan.status).toBe(0);
  });
});
