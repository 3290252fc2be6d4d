/**
 * `./bin/ecr-cache adopt` against the loopback AWS, with the real provider: a rule and its secret made by hand in the
 * console, and a secret an interrupted apply left outside the state, make the first apply fail; adopt writes import
 * blocks for them, and the next apply converges, with a plan of no changes after it. What differs from the file, or
 * sits in its recovery window, is reported and not imported.
 */
import { CreatePullThroughCacheRuleCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateSecretCommand, DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { type LoopbackAws, loopbackCredentials, startLoopbackAws } from '../scripts/loopback-aws';
import { type OfflineWorkspace, prepareOfflineWorkspace, terraform } from '../scripts/offline-terraform';
import { requireProviderMirror } from './support/offline-plan';
import { ecrCacheAsync, runTs } from './support/processes';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-2';
const ENVIRONMENT = `account: "${ACCOUNT}"
region: ${REGION}
nodes: { createRole: false, existingRoles: [eks-node] }
rules:
  docker-hub: { upstream: docker-hub }
  github: { upstream: github-container-registry }
  quay: { upstream: quay }
`;
const CREDENTIAL = JSON.stringify({ username: 'console-user', accessToken: 'dckr_pat_console' });

const mirror = requireProviderMirror();
const work = mkdtempSync(join(tmpdir(), 'ecr-cache-adopt-'));
let aws: LoopbackAws;
let workspace: OfflineWorkspace;
const clientConfig = () => ({ endpoint: aws.endpoint, region: REGION, credentials: loopbackCredentials(ACCOUNT), maxAttempts: 1 });

function synthInto(): void {
  const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { CDKTF_OUTDIR: join(work, 'out'), ECR_CACHE_ENVIRONMENTS: join(work, 'environments') });
  if (synth.status !== 0) throw new Error(`synth failed:\n${synth.stderr}`);
  workspace = prepareOfflineWorkspace(join(work, 'out', 'stacks', 'ecr-cache-team'), join(work, 'workspace'), mirror!, {
    endpoints: aws.endpoints(),
    credentials: loopbackCredentials(ACCOUNT),
  });
}
/** `adopt --env <env>` of the environments in `folder`, against the loopback AWS. */
const adoptWith = (folder: string, env: string, ...args: string[]) =>
  ecrCacheAsync(['adopt', '--env', env, '--environments', folder, ...args], { ...aws.sdkEnvironment(ACCOUNT, REGION), AWS_EC2_METADATA_DISABLED: 'true' });
const adopt = (state = join(work, 'workspace', 'terraform.tfstate')) => adoptWith(join(work, 'environments'), 'team', '--state', state);
const apply = () => terraform(workspace, ['apply', '-auto-approve', '-input=false', '-no-color']);

beforeAll(async () => {
  if (!mirror) return;
  aws = await startLoopbackAws();
  aws.seedRole(ACCOUNT, 'eks-node');
  const folder = join(work, 'environments');
  mkdirSync(folder);
  writeFileSync(join(folder, 'team.yaml'), ENVIRONMENT);
  // Made by hand in the console: Docker Hub's secret, with its value, and its rule.
  const secrets = new SecretsManagerClient(clientConfig());
  const ecr = new ECRClient(clientConfig());
  const dockerHub = await secrets.send(new CreateSecretCommand({ Name: 'ecr-pullthroughcache/docker-hub', SecretString: CREDENTIAL }));
  await ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: dockerHub.ARN }));
  // Left by an apply killed after CreateSecret took effect, before its answer: outside the state.
  await secrets.send(new CreateSecretCommand({ Name: 'ecr-pullthroughcache/github' }));
  secrets.destroy();
  ecr.destroy();
  synthInto();
  const init = await terraform(workspace, ['init', '-input=false', '-no-color']);
  if (init.status !== 0) throw new Error(`terraform init failed:\n${init.stderr}`);
});

afterAll(async () => {
  await aws?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('./bin/ecr-cache adopt, against the loopback AWS', () => {
  beforeEach((context) => {
    if (!mirror) context.skip();
  });

  it('cannot apply over what exists: the apply fails on the hand-made rule and the orphaned secret', async () => {
    const first = await apply();
    expect(first.status).toBe(1);
    expect(first.stderr).toContain('ResourceExistsException');
  });

  it('writes import blocks for what exists and matches the file, beside the environment file', async () => {
    const run = await adopt();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const dockerHubArn = aws.region(ACCOUNT, REGION).secrets.get('ecr-pullthroughcache/docker-hub')!.arn;
    const githubArn = aws.region(ACCOUNT, REGION).secrets.get('ecr-pullthroughcache/github')!.arn;
    // What the failed apply created is in the state: adopt leaves it alone.
    expect(JSON.parse(readFileSync(join(work, 'environments', 'team.imports.json'), 'utf8'))).toEqual([
      { to: 'aws_secretsmanager_secret.docker_hub', id: dockerHubArn },
      { to: 'aws_secretsmanager_secret.github', id: githubArn },
      { to: 'aws_ecr_pull_through_cache_rule.docker_hub[0]', id: 'docker-hub' },
    ]);
    expect(run.stdout).toContain('import   aws_ecr_pull_through_cache_rule.docker_hub[0]  (docker-hub)');
    expect(run.stdout).toContain('wrote ');
  });

  it('then applies: the plan imports instead of creating, and the next plan has no changes', async () => {
    synthInto();
    const second = await apply();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/Apply complete! Resources: 3 imported, \d+ added, \d+ changed, 0 destroyed\./);
    const plan = await terraform(workspace, ['plan', '-detailed-exitcode', '-input=false', '-no-color']);
    expect(plan.stderr).toBe('');
    expect(plan.status).toBe(0);
    expect(aws.region(ACCOUNT, REGION).rules.get('docker-hub')).toMatchObject({ upstreamRegistryUrl: 'registry-1.docker.io' });
    expect(aws.unknownCalls).toEqual([]);
  });

  describe('a secret the state holds as tainted (an apply interrupted right after CreateSecret)', () => {
    type State = { resources: { type: string; name: string; instances: { status?: string; attributes: { arn: string } }[] }[] };
    const dockerHub = (state: State) => state.resources.find((resource) => resource.type === 'aws_secretsmanager_secret' && resource.name === 'docker_hub')!.instances[0];
    /** The applied state, with the Docker Hub secret marked as an interrupted create leaves it (and recorded with `arn`). */
    const taintedState = (file: string, arn?: string) => {
      const state = JSON.parse(readFileSync(join(work, 'workspace', 'terraform.tfstate'), 'utf8')) as State;
      dockerHub(state).status = 'tainted';
      if (arn) dockerHub(state).attributes.arn = arn;
      writeFileSync(file, JSON.stringify(state));
      return file;
    };
    const statusOf = (file: string) => dockerHub(JSON.parse(readFileSync(file, 'utf8')) as State).status;

    it('is kept when --untaint says the --state file is the local state: AWS holds it intact, so adopt clears the taint there', async () => {
      const state = taintedState(join(work, 'tainted.tfstate'));
      const run = await adoptWith(join(work, 'environments'), 'team', '--state', state, '--untaint');
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain('untaint  aws_secretsmanager_secret.docker_hub: ecr-pullthroughcache/docker-hub exists intact in the account, as Terraform recorded it');
      expect(run.stdout).toContain('ecr-cache-team: 1 tainted secret(s) kept, nothing to import; apply again: npx cdktf deploy ecr-cache-team');
      expect(statusOf(state)).toBeUndefined();
    });

    it('in a --state file that may be a pulled copy, is left as it is, with the terraform untaint command to run', async () => {
      const state = taintedState(join(work, 'copy.tfstate'));
      const run = await adoptWith(join(work, 'environments'), 'team', '--state', state);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain(
        'blocked  aws_secretsmanager_secret.docker_hub: Terraform holds the secret ecr-pullthroughcache/docker-hub as tainted (an interrupted create), and the next apply would schedule its deletion. ' +
          'AWS holds it intact: keep it with terraform -chdir=cdktf.out/stacks/ecr-cache-team untaint aws_secretsmanager_secret.docker_hub (after npx cdktf synth and terraform -chdir=cdktf.out/stacks/ecr-cache-team init), then apply',
      );
      expect(statusOf(state)).toBe('tainted');
    });

    it('recorded with another ARN than the secret of that name in the account, is not kept: the record is to be dropped', async () => {
      const other = 'arn:aws:secretsmanager:eu-west-2:111111111111:secret:ecr-pullthroughcache/docker-hub-AAAAAA';
      const state = taintedState(join(work, 'other.tfstate'), other);
      const run = await adoptWith(join(work, 'environments'), 'team', '--state', state, '--untaint');
      expect(run.status).toBe(1);
      expect(run.stdout).toContain(`blocked  aws_secretsmanager_secret.docker_hub: Terraform holds ${other} as tainted, but the secret ecr-pullthroughcache/docker-hub in account ${ACCOUNT} is arn:`);
      expect(run.stdout).toContain('drop the record with terraform -chdir=cdktf.out/stacks/ecr-cache-team state rm aws_secretsmanager_secret.docker_hub, then run adopt again');
      expect(statusOf(state)).toBe('tainted');
    });

    describe('with S3 state', () => {
      // Its own folder: two environment files for one account and region are refused.
      const s3Folder = join(work, 'environments-s3');
      beforeAll(() => {
        mkdirSync(s3Folder, { recursive: true });
        writeFileSync(join(s3Folder, 'team-s3.yaml'), `${ENVIRONMENT}state: { bucket: tf-state }\n`);
      });
      afterAll(() => rmSync(s3Folder, { recursive: true, force: true }));

      it('needs --state: without it, what the stack manages and what is tainted would go unseen', async () => {
        const run = await adoptWith(s3Folder, 'team-s3');
        expect(run.status).toBe(1);
        expect(run.stderr).toContain('team-s3.yaml: state: ecr-cache-team-s3 keeps its state in S3 (bucket tf-state): give it to adopt with --state: terraform -chdir=cdktf.out/stacks/ecr-cache-team-s3 state pull > state.json');
        expect(run.stderr).not.toMatch(/\n\s+at /);
      });

      it('reports a tainted secret of the pulled copy with the terraform untaint command, and refuses --untaint', async () => {
        const state = taintedState(join(work, 'pulled.tfstate'));
        const run = await adoptWith(s3Folder, 'team-s3', '--state', state);
        expect(run.status).toBe(1);
        expect(run.stdout).toContain('AWS holds it intact: keep it with terraform -chdir=cdktf.out/stacks/ecr-cache-team-s3 untaint aws_secretsmanager_secret.docker_hub');
        expect(statusOf(state)).toBe('tainted');
        const refused = await adoptWith(s3Folder, 'team-s3', '--state', state, '--untaint');
        expect(refused.status).toBe(1);
        expect(refused.stderr).toContain('--untaint: ecr-cache-team-s3 keeps its state in S3, so a --state file is a copy');
      });
    });
  });

  it('reports a live rule that differs from the file field by field, and does not import it', async () => {
    rmSync(join(work, 'environments', 'team.imports.json'), { force: true });
    writeFileSync(join(work, 'environments', 'team.yaml'), `${ENVIRONMENT}  k8s: { upstream: k8s }\n`);
    const ecr = new ECRClient(clientConfig());
    // By hand, k8s pointed at Quay.
    await ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'k8s', upstreamRegistryUrl: 'quay.io' }));
    ecr.destroy();
    const run = await adopt();
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('differs  aws_ecr_pull_through_cache_rule.k8s: upstream_registry_url is "quay.io" in the account, "registry.k8s.io" in the file');
    expect(run.stdout).not.toContain('import ');
    expect(run.stderr).toContain('1 object(s) of ecr-cache-team exist in the account but were not adopted');
    expect(existsSync(join(work, 'environments', 'team.imports.json'))).toBe(false);
  });

  it('reports a secret in its recovery window with the command that restores it', async () => {
    const secrets = new SecretsManagerClient(clientConfig());
    await secrets.send(new DeleteSecretCommand({ SecretId: 'ecr-pullthroughcache/github', RecoveryWindowInDays: 7 }));
    secrets.destroy();
    // As before a first apply: a state that manages nothing.
    const empty = join(work, 'empty.tfstate');
    writeFileSync(empty, JSON.stringify({ version: 4, resources: [] }));
    const run = await adopt(empty);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      'blocked  aws_secretsmanager_secret.github: the secret ecr-pullthroughcache/github is scheduled for deletion',
    );
    expect(run.stdout).toContain(`Restore it with aws secretsmanager restore-secret --secret-id ecr-pullthroughcache/github --region ${REGION}, then run adopt again`);
  });
});
