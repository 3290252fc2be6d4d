/**
 * Recovering from an interrupted first apply, against the loopback AWS with the real provider: Terraform killed
 * (SIGKILL) or interrupted (SIGINT) before any secret, right after AWS created a secret (before Terraform heard of it),
 * during the pause before a rule, and right after a rule. Adopt (which imports what AWS kept and the state did not,
 * and keeps a secret the state holds as tainted), then apply, converges with no duplicates, and the next plan has no
 * changes.
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

/**
 * A new environment, synthesized, in a new loopback AWS that signals terraform (its whole process group) when the
 * first request `stopWhen` picks has taken effect, before AWS answers it, or `afterMs` later.
 */
async function scenario(name: string, stopWhen: (request: RecordedRequest) => boolean, signal: NodeJS.Signals, afterMs = 0): Promise<Scenario> {
  const work = mkdtempSync(join(tmpdir(), `ecr-cache-recovery-${name}-`));
  let stopped = false;
  const state: Partial<Scenario> = {};
  const stop = () => {
    try {
      process.kill(-state.pid!, signal);
    } catch {
      // already gone
    }
  };
  const aws = await startLoopbackAws({
    onRequest: (request) => {
      if (stopped || !stopWhen(request) || state.pid === undefined) return;
      stopped = true;
      if (afterMs === 0) stop();
      else setTimeout(stop, afterMs);
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

const action = (name: string, body?: Record<string, unknown>) => (request: RecordedRequest) =>
  request.action === name && Object.entries(body ?? {}).every(([key, value]) => request.body[key] === value);

/**
 * Where each interruption stops, and what adopt must find there, if anything is certain: what AWS made when Terraform
 * was killed cannot be in the state (its answer never arrived), so adopt imports it. A graceful SIGINT lets Terraform
 * record what it can, but a create it cuts short (after CreateSecret, before the provider's read-back) is recorded as
 * tainted, and any secret may be in flight when the signal comes: a plain re-apply would schedule its deletion. So the
 * recovery is always the same, as docs/operating.md, "When an apply goes wrong", says: adopt, then apply.
 */
const SCENARIOS: [string, string, (request: RecordedRequest) => boolean, NodeJS.Signals, number, RegExp | undefined][] = [
  ['before any secret, as the first template is created', 'kill-before-secret', action('CreateRepositoryCreationTemplate'), 'SIGKILL', 0, /^import {3}aws_ecr_repository_creation_template\./m],
  ['before any secret, by SIGINT', 'int-before-secret', action('CreateRepositoryCreationTemplate'), 'SIGINT', 0, undefined],
  ['right after a secret was created', 'kill-after-secret', action('CreateSecret', { Name: 'ecr-pullthroughcache/docker-hub' }), 'SIGKILL', 0, /^import {3}aws_secretsmanager_secret\.docker_hub {2}/m],
  [
    'right after a secret was created, by SIGINT',
    'int-after-secret',
    action('CreateSecret', { Name: 'ecr-pullthroughcache/docker-hub' }),
    'SIGINT',
    0,
    // Untainted where Terraform recorded it, imported where its answer was cut off.
    /^(untaint {2}aws_secretsmanager_secret\.docker_hub: |import {3}aws_secretsmanager_secret\.docker_hub {2})/m,
  ],
  ['during the pause before a rule', 'kill-in-pause', action('PutSecretValue'), 'SIGKILL', 3000, undefined],
  ['during the pause before a rule, by SIGINT', 'int-in-pause', action('PutSecretValue'), 'SIGINT', 3000, undefined],
  ['right after a rule was created', 'kill-after-rule', action('CreatePullThroughCacheRule'), 'SIGKILL', 0, /^import {3}aws_ecr_pull_through_cache_rule\./m],
  ['right after a rule was created, by SIGINT', 'int-after-rule', action('CreatePullThroughCacheRule'), 'SIGINT', 0, undefined],
];

describe('an interrupted first apply converges, with no duplicates', () => {
  beforeEach((context) => {
    if (!mirror) context.skip();
  });

  it.each(SCENARIOS)('stopped %s (%s): adopt, then apply', { timeout: 600_000 }, async (_when, name, stopWhen, signal, afterMs, adopts) => {
    let run = await scenario(name, stopWhen, signal, afterMs);
    try {
      const stopped = await apply(run);
      expect(stopped.status).not.toBe(0);
      // The workspace's terraform.tfstate is the stack's own local state: adopt may clear a taint there.
      const adopted = await ecrCacheAsync(['adopt', '--env', 'team', '--environments', run.folder, '--state', join(run.workspace.dir, 'terraform.tfstate'), '--untaint'], {
        ...run.aws.sdkEnvironment(ACCOUNT, REGION),
        AWS_EC2_METADATA_DISABLED: 'true',
      });
      expect(adopted.status, adopted.stdout + adopted.stderr).toBe(0);
      if (adopts) expect(adopted.stdout).toMatch(adopts);
      // Synthesized again with the imports, into the same workspace and state.
      const out = join(run.workspace.dir, '..', 'out');
      const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { CDKTF_OUTDIR: out, ECR_CACHE_ENVIRONMENTS: run.folder });
      expect(synth.status, synth.stderr).toBe(0);
      run = {
        ...run,
        workspace: prepareOfflineWorkspace(join(out, 'stacks', 'ecr-cache-team'), run.workspace.dir, mirror!, { endpoints: run.aws.endpoints(), credentials: loopbackCredentials(ACCOUNT) }),
      };
      const again = await apply(run);
      expect(again.status, again.stderr).toBe(0);
      expect(await planIsClean(run)).toEqual([0, '']);
      expect(secretNames(run)).toEqual(['ecr-pullthroughcache/docker-hub', 'ecr-pullthroughcache/github']);
      // Docker Hub's rule waits for its secret's value; the others exist, once each.
      expect([...run.aws.region(ACCOUNT, REGION).rules.keys()].sort()).toEqual(['github', 'quay']);
      expect([...run.aws.region(ACCOUNT, REGION).templates.keys()].sort()).toEqual(['docker-hub', 'github', 'quay']);
      expect(run.aws.unknownCalls).toEqual([]);
    } finally {
      await run.close();
    }
  });
});
