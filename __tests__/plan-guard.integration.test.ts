/**
 * The production guard on real plans, made by Terraform with the real provider:
 * - a production environment applied in full against the loopback AWS (scripts/loopback-aws), then changed in its
 *   file (a rule removed; a rule renamed so that its rule and template are replaced; its consumers, scanning, cluster
 *   and existing node role removed) and planned again: the guard refuses each plan, naming every address and why,
 *   passes it once allowDeletions lists exactly those addresses, and refuses what is not a complete plan (the plan
 *   cut short, the state, the log of terraform plan -json);
 * - an environment whose state still holds a credential secret that its file no longer names, planned offline.
 * prevent_destroy cannot stop those deletions (the resources are gone from the configuration); scripts/plan-guard.mjs does.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { type LoopbackAws, loopbackCredentials, startLoopbackAws } from '../scripts/loopback-aws';
import { type OfflineWorkspace, prepareOfflineWorkspace, terraform } from '../scripts/offline-terraform';
import { requireProviderMirror } from './support/offline-plan';
import { type Run, runTs } from './support/processes';

const GUARD = join(PROJECT_ROOT, 'scripts', 'plan-guard.mjs');

const mirror = requireProviderMirror();
const work = mkdtempSync(join(tmpdir(), 'ecr-cache-guard-plan-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A state whose only resource is a credential secret the configuration no longer has. */
function stateWithRetiredSecret(account: string): string {
  const arn = `arn:aws:secretsmanager:eu-west-2:${account}:secret:ecr-pullthroughcache/retired-AbCdEf`;
  return JSON.stringify({
    version: 4,
    terraform_version: '1.10.0',
    serial: 1,
    lineage: '6f1c2f0e-1b7a-4c55-9c6e-4d0c6a0b1d2e',
    outputs: {},
    resources: [
      {
        mode: 'managed',
        type: 'aws_secretsmanager_secret',
        name: 'retired',
        provider: 'provider["registry.terraform.io/hashicorp/aws"]',
        instances: [{ schema_version: 0, attributes: { id: arn, arn, name: 'ecr-pullthroughcache/retired', recovery_window_in_days: 7, tags: {}, tags_all: {} } }],
      },
    ],
  });
}

async function planWithRetiredSecret(stack: string, account: string) {
  const workspace = prepareOfflineWorkspace(join(work, 'out', 'stacks', stack), join(work, stack), mirror!);
  writeFileSync(join(workspace.dir, 'terraform.tfstate'), stateWithRetiredSecret(account));
  for (const args of [['init', '-input=false', '-no-color'], ['plan', '-input=false', '-no-color', '-refresh=false', '-out=tfplan']]) {
    const result = await terraform(workspace, args);
    if (result.status !== 0) throw new Error(`terraform ${args[0]} failed:\n${result.stderr}`);
  }
  const shown = await terraform(workspace, ['show', '-json', 'tfplan']);
  writeFileSync(join(workspace.dir, 'tfplan.json'), shown.stdout);
  return spawnSync(process.execPath, [GUARD, workspace.dir], { encoding: 'utf8' });
}

describe('scripts/terraform-init.sh, the init of pipeline jobs', () => {
  it('warns without a lock file, then holds every init to the one it wrote', (context) => {
    if (!mirror) context.skip();
    const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { CDKTF_OUTDIR: join(work, 'init-out') });
    expect(synth.status).toBe(0);
    const workspace = prepareOfflineWorkspace(join(work, 'init-out', 'stacks', 'ecr-cache-dev'), join(work, 'init'), mirror!);
    const init = () => spawnSync(join(PROJECT_ROOT, 'scripts', 'terraform-init.sh'), [workspace.dir], { env: workspace.env, encoding: 'utf8' });
    const first = init();
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`::warning::${workspace.dir} has no .terraform.lock.hcl`);
    const lockFile = join(workspace.dir, '.terraform.lock.hcl');
    const lock = readFileSync(lockFile, 'utf8');
    expect(lock).toContain(`version     = "${mirror!.awsVersion}"`);
    const second = init();
    expect(second.status).toBe(0);
    expect(second.stdout).not.toContain('::warning::');
    // A lock file that does not name the provider the stack needs: a plain init would add it to the lock file
    // (it succeeds, below); read-only, init refuses to change the lock file, and fails.
    const header = '# This file is maintained automatically by "terraform init".\n';
    const lockWithout = () => {
      rmSync(join(workspace.dir, '.terraform'), { recursive: true, force: true });
      writeFileSync(lockFile, header);
    };
    lockWithout();
    const refused = init();
    expect(refused.status).not.toBe(0);
    expect(refused.stderr.replace(/[\s│]+/g, ' ')).toContain('Provider dependency changes detected');
    lockWithout();
    const plain = spawnSync('terraform', [`-chdir=${workspace.dir}`, 'init', '-input=false', '-no-color'], { env: workspace.env, encoding: 'utf8' });
    expect(plain.status).toBe(0);
    expect(readFileSync(lockFile, 'utf8')).toContain(`version     = "${mirror!.awsVersion}"`);
  });
});

describe('plan-guard.mjs on a real plan that deletes a credential secret', () => {
  beforeAll(() => {
    if (!mirror) return;
    const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { CDKTF_OUTDIR: join(work, 'out') });
    if (synth.status !== 0) throw new Error(synth.stderr);
  });

  it('refuses it in production', async (context) => {
    if (!mirror) context.skip();
    const guard = await planWithRetiredSecret('ecr-cache-prod', '222222222222');
    expect(guard.stderr).toContain(
      '\n  aws_secretsmanager_secret.retired: deleted, as it is no longer in the configuration. The credential secret ecr-pullthroughcache/retired: its rule loses',
    );
    expect(guard.status).toBe(1);
  });

  it('lets it through elsewhere', async (context) => {
    if (!mirror) context.skip();
    const guard = await planWithRetiredSecret('ecr-cache-dev', '111111111111');
    expect(guard.stdout).toBe('plan-guard: ecr-cache-dev is not production: nothing to guard\n');
    expect(guard.status).toBe(0);
  });
});

/** The production environment applied, and the files it is changed to; `333333333333` holds it, `444444444444` consumes it. */
const ACCOUNT = '333333333333';
const RULES = {
  'docker-hub': '  docker-hub: { upstream: docker-hub }\n',
  'quay-io': '  quay-io: { upstream: quay }\n',
  k8s: '  k8s: { upstream: k8s }\n',
};
const CONSUMERS = 'consumers: { accounts: ["444444444444"] }\n';
const SCANNING = 'scanning: { type: basic }\n';
const NODES = 'nodes: { cluster: prod-cluster, existingRoles: [legacy-node] }\n';
const shop = ({ settings = CONSUMERS + SCANNING + NODES, rules = Object.values(RULES).join(''), allow = [] as string[] } = {}) =>
  `account: "${ACCOUNT}"\nregion: eu-west-2\nproduction: true\n${settings}` +
  (allow.length > 0 ? `allowDeletions:\n${allow.map((address) => `  - ${address}\n`).join('')}` : '') +
  `rules:\n${rules}`;

/** What removing the rule docker-hub deletes: its rule, its template and its credential secret. */
// The Docker Hub rule waits for its secret's value (count), so its address has an index.
const DOCKER_HUB_RESOURCES = ['aws_ecr_pull_through_cache_rule.docker_hub[0]', 'aws_ecr_repository_creation_template.docker_hub', 'aws_secretsmanager_secret.docker_hub'];
const DOCKER_HUB_LINES = [
  '  aws_ecr_pull_through_cache_rule.docker_hub[0]: deleted, as it is no longer in the configuration. The pull-through cache rule of docker-hub/: nodes cannot pull new images through it while it is gone.',
  "  aws_ecr_repository_creation_template.docker_hub: deleted, as it is no longer in the configuration. The repository creation template of docker-hub/: cache repositories created without it get ECR's defaults (no lifecycle policy, no repository policy).",
  '  aws_secretsmanager_secret.docker_hub: deleted, as it is no longer in the configuration. The credential secret ecr-pullthroughcache/docker-hub: its rule loses its upstream credential, a new secret has a new ARN and no value, and the deleted name stays reserved for its recovery window.',
];
const refusal = (lines: readonly string[], addresses: readonly string[]) =>
  'plan-guard: ecr-cache-shop is production: this plan deletes or replaces what its cache depends on, so it must not be applied:\n' +
  `${lines.join('\n')}\n` +
  `If ${addresses.length === 1 ? 'this is' : 'these are'} meant, list ${addresses.length === 1 ? 'the address' : 'the addresses'} under allowDeletions in the environment file of shop, have that change reviewed, then synthesize and plan again (npm run plan -- shop):\n` +
  `allowDeletions:\n${addresses.map((address) => `  - ${address}\n`).join('')}`;

describe('plan-guard.mjs on plans Terraform made after applying a production environment to the loopback AWS', () => {
  let aws: LoopbackAws | undefined;
  let applied: OfflineWorkspace;
  const loopback = () => ({ endpoints: aws!.endpoints(), credentials: loopbackCredentials(ACCOUNT) });

  /** Synthesizes `file` as environments/shop.yaml into its own folder; the stack's folder. */
  function synthesize(name: string, file: string): string {
    const environments = join(work, name, 'environments');
    mkdirSync(environments, { recursive: true });
    writeFileSync(join(environments, 'shop.yaml'), file);
    const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { CDKTF_OUTDIR: join(work, name, 'out'), ECR_CACHE_ENVIRONMENTS: environments });
    if (synth.status !== 0) throw new Error(`synth of ${name} failed:\n${synth.stderr}`);
    return join(work, name, 'out', 'stacks', 'ecr-cache-shop');
  }

  /**
   * The environment changed to `file` and planned against what was applied, as a pipeline plans it (plan -out, then
   * terraform show -json tfplan > tfplan.json), with the log of `terraform plan -json`; then the guard on that folder.
   */
  async function planChange(name: string, file: string): Promise<{ dir: string; log: string; guard: Run }> {
    const workspace = prepareOfflineWorkspace(synthesize(name, file), join(work, name, 'workspace'), mirror!, loopback());
    copyFileSync(join(applied.dir, 'terraform.tfstate'), join(workspace.dir, 'terraform.tfstate'));
    const init = await terraform(workspace, ['init', '-input=false', '-no-color']);
    if (init.status !== 0) throw new Error(`terraform init failed:\n${init.stderr}`);
    const plan = await terraform(workspace, ['plan', '-json', '-input=false', '-out=tfplan']);
    if (plan.status !== 0) throw new Error(`terraform plan failed:\n${plan.stdout}${plan.stderr}`);
    const shown = await terraform(workspace, ['show', '-json', 'tfplan']);
    writeFileSync(join(workspace.dir, 'tfplan.json'), shown.stdout);
    const guard = spawnSync(process.execPath, [GUARD, workspace.dir], { encoding: 'utf8', env: { ...process.env, GITHUB_ACTIONS: '' } });
    return { dir: workspace.dir, log: plan.stdout, guard: { status: guard.status, stdout: guard.stdout, stderr: guard.stderr } };
  }

  /** The rule docker-hub removed: planned once, for the guard's verdict and for what Terraform writes beside it. */
  let removed: ReturnType<typeof planChange> | undefined;
  const removeRule = () => (removed ??= planChange('remove-rule', shop({ rules: RULES['quay-io'] + RULES.k8s })));

  beforeAll(async () => {
    if (!mirror) return;
    aws = await startLoopbackAws();
    // What the account has before the stack: the node role it names and the cluster its nodes join.
    aws.seedRole(ACCOUNT, 'legacy-node');
    aws.seedCluster(ACCOUNT, 'eu-west-2', 'prod-cluster');
    const workspace = prepareOfflineWorkspace(synthesize('applied', shop()), join(work, 'applied', 'workspace'), mirror, loopback());
    applied = workspace;
    const init = await terraform(workspace, ['init', '-input=false', '-no-color']);
    if (init.status !== 0) throw new Error(`terraform init failed:\n${init.stderr}`);
    // The first apply stops before the rule whose secret has no value; filled, the next apply creates it.
    await terraform(workspace, ['apply', '-auto-approve', '-input=false', '-no-color']);
    aws.putSecretValue(ACCOUNT, 'eu-west-2', 'ecr-pullthroughcache/docker-hub');
    const apply = await terraform(workspace, ['apply', '-auto-approve', '-input=false', '-no-color']);
    if (apply.status !== 0) throw new Error(`terraform apply failed:\n${apply.stderr}`);
  });

  afterAll(async () => {
    await aws?.close();
  });

  beforeEach((context) => {
    if (!mirror) context.skip();
  });

  it('refuses a plan that removes a rule: its rule, its creation template and its credential secret', async () => {
    const { guard } = await removeRule();
    expect(guard.stderr).toBe(refusal(DOCKER_HUB_LINES, DOCKER_HUB_RESOURCES));
    expect(guard.stdout).toBe('');
    expect(guard.status).toBe(1);
  });

  it('refuses a plan that renames a rule at the same address: its rule and its template replaced', async () => {
    // quay.io and quay-io give one address, quay_io: Terraform replaces what the new prefix cannot update.
    const { guard } = await planChange('rename-rule', shop({ rules: RULES['docker-hub'] + '  quay.io: { upstream: quay }\n' + RULES.k8s }));
    expect(guard.stderr).toBe(
      refusal(
        [
          '  aws_ecr_pull_through_cache_rule.quay_io: replaced (deleted, then created again), because ecr_repository_prefix cannot change in place. The pull-through cache rule of quay-io/: nodes cannot pull new images through it while it is gone.',
          "  aws_ecr_repository_creation_template.quay_io: replaced (deleted, then created again), because prefix cannot change in place. The repository creation template of quay-io/: cache repositories created without it get ECR's defaults (no lifecycle policy, no repository policy).",
        ],
        ['aws_ecr_pull_through_cache_rule.quay_io', 'aws_ecr_repository_creation_template.quay_io'],
      ),
    );
    expect(guard.status).toBe(1);
  });

  it('refuses a plan that removes the consumers, the scanning, the cluster and an existing node role, naming each deletion', async () => {
    const { guard } = await planChange('no-consumers-nor-nodes', shop({ settings: '' }));
    expect(guard.stderr).toBe(
      refusal(
        [
          '  aws_ecr_registry_policy.registry: deleted, as it is no longer in the configuration. The registry policy: the consumer accounts can no longer have ECR create or import cache repositories for them.',
          '  aws_ecr_registry_scanning_configuration.registry: deleted, as it is no longer in the configuration. The registry scanning configuration: ECR falls back to basic scanning with no rules, so no repository is scanned on push.',
          `  aws_eks_access_entry.node: deleted, as it is no longer in the configuration. The EKS access entry of arn:aws:iam::${ACCOUNT}:role/ecr-cache-shop-node in the cluster prod-cluster: nodes with that role lose their access to the cluster.`,
          "  aws_iam_role_policy_attachment.legacy_node_cache_pull: deleted, as it is no longer in the configuration. The node pull policy's attachment to the role legacy-node: its nodes can no longer pull through the cache.",
        ],
        ['aws_ecr_registry_policy.registry', 'aws_ecr_registry_scanning_configuration.registry', 'aws_eks_access_entry.node', 'aws_iam_role_policy_attachment.legacy_node_cache_pull'],
      ),
    );
    expect(guard.status).toBe(1);
  });

  it('passes the plan that removes the rule once allowDeletions lists exactly those addresses', async () => {
    const { guard } = await planChange('remove-rule-allowed', shop({ rules: RULES['quay-io'] + RULES.k8s, allow: DOCKER_HUB_RESOURCES }));
    expect(guard.stdout).toBe(
      'plan-guard: ecr-cache-shop is production: this plan deletes or replaces 3 guarded resources, each allowed by allowDeletions in the environment file of shop:\n' +
        `${DOCKER_HUB_LINES.join('\n')}\n` +
        'Once it is applied, remove them from allowDeletions.\n',
    );
    expect(guard.stderr).toBe('');
    expect(guard.status).toBe(0);
  });

  it('passes a plan with no changes, and warns of an override it left in the file (stale)', async () => {
    const { guard } = await planChange('stale', shop({ allow: ['aws_ecr_pull_through_cache_rule.docker_hub'] }));
    expect(guard.stderr).toBe(
      'plan-guard: warning: ecr-cache-shop: allowDeletions in the environment file of shop names aws_ecr_pull_through_cache_rule.docker_hub, which this plan does not delete or replace: ' +
        'a stale override, which would let a later deletion through unreviewed. Remove it from the file.\n',
    );
    expect(guard.stdout).toBe('plan-guard: ecr-cache-shop is production: the plan deletes or replaces nothing the guard protects\n');
    expect(guard.status).toBe(0);
  });

  it("refuses what Terraform writes that is not a complete plan: the plan cut short, the state, plan -json's log", async () => {
    const { dir, log } = await removeRule();
    // A copy of the folder: the plan test above reads the original.
    const copy = join(work, 'not-a-plan');
    cpSync(dir, copy, { recursive: true, filter: (source) => !source.includes('/.terraform') });
    const planFile = join(copy, 'tfplan.json');
    const complete = readFileSync(planFile, 'utf8');
    const state = await terraform(applied, ['show', '-json']);
    expect(state.status).toBe(0);
    const refusals: Record<string, string> = {};
    for (const [name, text] of Object.entries({ truncated: complete.slice(0, Math.floor(complete.length * 0.9)), state: state.stdout, log })) {
      writeFileSync(planFile, text);
      const guard = spawnSync(process.execPath, [GUARD, copy], { encoding: 'utf8' });
      expect(guard.status, name).toBe(1);
      refusals[name] = guard.stderr.replace(`plan-guard: ${planFile}: `, '');
    }
    expect(refusals.truncated).toMatch(/^is not complete JSON \(.+\): a truncated or damaged file, or not JSON at all\. Run terraform show -json tfplan > tfplan\.json again\n$/);
    expect(refusals.state).toBe('is a Terraform state (terraform show -json without a plan file), not a plan: run terraform show -json tfplan > tfplan.json\n');
    expect(refusals.log).toBe('is the log of terraform plan -json (one message a line), not the plan: run terraform show -json tfplan > tfplan.json\n');
  });
});
