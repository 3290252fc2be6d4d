/**
 * Recovering from an interrupted first apply, against the loopback AWS with the real provider: Terraform killed
 * (SIGKILL) right after AWS created a secret and before Terraform recorded it, or interrupted (SIGINT) during the
 * pause before a rule. A plain re-apply, or adopt then apply where AWS kept what the state did not, converges with no
 * duplicates, and the next plan has no changes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { type LoopbackAws, loopbackCredentials, type RecordedRequest, startLoopbackAws } from '../scripts/loopback-aws';
import { type OfflineWorkspace, prepareOfflineWorkspace, terraform, type TerraformResult } from '../scripts/offline-terraform';
import { requireProviderMirror } from './support/offline-plan';
import { ecrCacheAsync, runTs } from './support/processes';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-2';
const ENVIRONMENT = `account: "${ACCOUNT}"
region: ${REGION}
nodes: { createRole: false, existingRoles: [eks-node] }
rules:
  docker-hub: { upstream: docker-hub }
  github: { upstream: github-container-registry, secretValueVersion: 1 }
  quay: { upstream: quay }
`;
const VARIABLES = { TF_VAR_credentials_github: JSON.stringify({ username: 'ci', accessToken: 'ghp_recovery' }) };
const mirror = requireProviderMirror();

interface Scenario {
  readonly aws: LoopbackAws;
  readonly workspace: OfflineWorkspace;
  readonly folder: string;
  /** The running terraform's process id, to signal its whole process group. */
  pid?: number;
  close(): Promise<void>;
}

/** A new environment, synthesized, in a new loopback AWS whose `stopWhen` request makes the test signal terraform. */
async function scenario(name: string, stopWhen: (request: RecordedRequest) => boolean, signal: NodeJS.Signals): Promise<Scenario> {
  const work = mkdtempSync(join(tmpdir(), `ecr-cache-recovery-${name}-`));
  let stopped = false;
  const state: Partial<Scenario> = {};
  const aws = await startLoopbackAws({
    onRequest: (request) => {
      if (stopped || !stopWhen(request) || state.pid === undefined) return;
      stopped = true;
      process.kill(-state.pid, signal);
    },
  });
  aws.seedRole(ACCOUNT, 'eks-node');
  const folder = join(work, 'environments');
  mkdirSync(folder);
  writeFileSync(join(folder, 'team.yaml'), ENVIRONMENT);
  const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { CDKTF_OUTDIR: join(work, 'out'), ECR_CACHE_ENVIRONMENTS: folder });
  if (synth.status !== 0) throw new Error(`synth failed:\n${synth.stderr}`);
  const workspace = prepareOfflineWorkspace(join(work, 'out', 'stacks', 'ecr-cache-team'), join(work, 'workspace'), mirror!, {
    endpoints: aws.endpoints(),
    credentials: loopbackCredentials(ACCOUNT),
  });
  const init = await terraform(workspace, ['init', '-input=false', '-no-color']);
  if (init.status !== 0) throw new Error(`terraform init failed:\n${init.stderr}`);
  return Object.assign<Partial<Scenario>, Omit<Scenario, 'pid'>>(state, {
    aws,
    workspace,
    folder,
    close: async () => {
      if (state.pid !== undefined) {
        try {
          process.kill(-state.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await aws.close();
      rmSync(work, { recursive: true, force: true });
    },
  });
}

const apply = (run: Scenario): Promise<TerraformResult> =>
  terraform(run.workspace, ['apply', '-auto-approve', '-input=false', '-no-color'], { env: VARIABLES, onStart: (pid) => (run.pid = pid) });
const planIsClean = async (run: Scenario) => {
  const plan = await terraform(run.workspace, ['plan', '-detailed-exitcode', '-input=false', '-no-color'], { env: VARIABLES });
  return [plan.status, plan.stderr];
};
const secretNames = (run: Scenario) => [...run.aws.region(ACCOUNT, REGION).secrets.keys()].sort();

describe('an interrupted first apply', () => {
  beforeEach((context) => {
    if (!mirror) context.skip();
  });

  it('killed right after a secret was created: the re-apply fails on it, adopt imports it, and the apply after converges', async () => {
    const run = await scenario('kill', (request) => request.action === 'CreateSecret' && request.body.Name === 'ecr-pullthroughcache/docker-hub', 'SIGKILL');
    try {
      const killed = await apply(run);
      expect(killed.status).not.toBe(0);
      expect(secretNames(run)).toContain('ecr-pullthroughcache/docker-hub');
      const again = await apply(run);
      expect(again.status).toBe(1);
      expect(again.stderr).toContain('ResourceExistsException');
      const adopted = await ecrCacheAsync(['adopt', '--env', 'team', '--environments', run.folder, '--state', join(run.workspace.dir, 'terraform.tfstate')], {
        ...run.aws.sdkEnvironment(ACCOUNT, REGION),
        AWS_EC2_METADATA_DISABLED: 'true',
      });
      expect(adopted.status, adopted.stdout + adopted.stderr).toBe(0);
      expect(adopted.stdout).toContain('import   aws_secretsmanager_secret.docker_hub');
      // Synthesized again with the imports, into the same workspace and state.
      const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { CDKTF_OUTDIR: join(run.workspace.dir, '..', 'out'), ECR_CACHE_ENVIRONMENTS: run.folder });
      expect(synth.status, synth.stderr).toBe(0);
      const workspace = prepareOfflineWorkspace(join(run.workspace.dir, '..', 'out', 'stacks', 'ecr-cache-team'), run.workspace.dir, mirror!, {
        endpoints: run.aws.endpoints(),
        credentials: loopbackCredentials(ACCOUNT),
      });
      const converged = await apply({ ...run, workspace });
      expect(converged.status, converged.stderr).toBe(0);
      expect(await planIsClean({ ...run, workspace })).toEqual([0, '']);
      // No duplicates: one secret per name, the rules that can exist do.
      expect(secretNames(run)).toEqual(['ecr-pullthroughcache/docker-hub', 'ecr-pullthroughcache/github']);
      expect([...run.aws.region(ACCOUNT, REGION).rules.keys()].sort()).toEqual(['github', 'quay']);
      expect(run.aws.unknownCalls).toEqual([]);
    } finally {
      await run.close();
    }
  });

  it('interrupted (SIGINT) during the pause before a rule: a plain re-apply converges', async () => {
    // The pause starts once the written credential's version exists.
    const run = await scenario('interrupt', (request) => request.action === 'PutSecretValue', 'SIGINT');
    try {
      const interrupted = await apply(run);
      expect(interrupted.status).not.toBe(0);
      expect(run.aws.region(ACCOUNT, REGION).rules.has('github')).toBe(false);
      const again = await apply(run);
      expect(again.status, again.stderr).toBe(0);
      expect(await planIsClean(run)).toEqual([0, '']);
      expect([...run.aws.region(ACCOUNT, REGION).rules.keys()].sort()).toEqual(['github', 'quay']);
      expect(secretNames(run)).toEqual(['ecr-pullthroughcache/docker-hub', 'ecr-pullthroughcache/github']);
    } finally {
      await run.close();
    }
  });
});
