/**
 * The example environments, synthesized by the app and planned by real Terraform with the real AWS provider,
 * offline (scripts/offline-terraform.ts). Addresses are asserted literally: a changed address means Terraform
 * would destroy and recreate the resource.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readTree } from '../scripts/read-tree';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { strFromU8, unzipSync } from 'fflate';
import { PROJECT_ROOT } from '../config/environments';
import { type OfflinePlan, offlinePlan, type PlannedResource, prepareOfflineWorkspace } from '../scripts/offline-terraform';
import { requireProviderMirror } from './support/offline-plan';
import { runTs } from './support/processes';
import { FIXTURE_ENVIRONMENTS } from './support/stacks';

const ARTICLE_RULES = { 'docker-hub': 'registry-1.docker.io', github: 'ghcr.io', k8s: 'registry.k8s.io', ecr: 'public.ecr.aws', quay: 'quay.io' };

/**
 * The addresses are a contract (docs/deploying.md, "Terraform addresses"): readable, and never changed without a moved block. A
 * first plan has no docker_hub and github rules: they wait for their secrets' values (their address is then
 * aws_ecr_pull_through_cache_rule.docker_hub[0]).
 */
const EXPECTED_ADDRESSES = [
  'aws_ecr_pull_through_cache_rule.ecr',
  'aws_ecr_pull_through_cache_rule.k8s',
  'aws_ecr_pull_through_cache_rule.quay',
  'aws_ecr_repository_creation_template.docker_hub',
  'aws_ecr_repository_creation_template.ecr',
  'aws_ecr_repository_creation_template.github',
  'aws_ecr_repository_creation_template.k8s',
  'aws_ecr_repository_creation_template.quay',
  'aws_iam_policy.node_pull',
  'aws_iam_role.node',
  'aws_iam_role_policy_attachment.node_AmazonEC2ContainerRegistryPullOnly',
  'aws_iam_role_policy_attachment.node_AmazonEKSWorkerNodePolicy',
  'aws_iam_role_policy_attachment.node_AmazonEKS_CNI_Policy',
  'aws_iam_role_policy_attachment.node_cache_pull',
  'aws_secretsmanager_secret.docker_hub',
  'aws_secretsmanager_secret.github',
];

/** The rules a first plan holds back until their secrets have values, with what the plan says of each. */
const WAITING_RULES = ['docker-hub', 'github'];
/** A first plan reads every data source while planning (the secrets, by name): none is put off to the apply. */
const EXPECTED_READS: string[] = [];

/** A credential that must never be written anywhere: not in cdktf.out, the plan file or the plan's JSON. */
const CANARY = 'dckr_pat_OfflinePlanCanary_5f3c9e';
const WRITE_ONLY_ENVIRONMENT = `account: "555555555555"
region: eu-west-2
rules:
  docker-hub: { upstream: docker-hub, secretValueVersion: 1 }
`;

const mirror = requireProviderMirror();
const work = mkdtempSync(join(tmpdir(), 'ecr-cache-plan-'));
const plans = new Map<string, OfflinePlan>();

/** Synthesizes a folder of environments with the app, as `cdktf synth` does; returns the stacks folder. */
function synth(environments: string, outdir: string): string {
  const run = runTs(join(PROJECT_ROOT, 'main.ts'), [], { CDKTF_OUTDIR: outdir, ECR_CACHE_ENVIRONMENTS: environments });
  if (run.status !== 0) throw new Error(`synth of ${environments} failed:\n${run.stderr}`);
  return join(outdir, 'stacks');
}

beforeAll(async () => {
  if (!mirror) return;
  mkdirSync(join(work, 'write-only-envs'));
  writeFileSync(join(work, 'write-only-envs', 'write-only.yaml'), WRITE_ONLY_ENVIRONMENT);
  const stacks = {
    dev: synth(FIXTURE_ENVIRONMENTS, join(work, 'out')),
    'all-upstreams': synth(join(PROJECT_ROOT, 'examples'), join(work, 'examples-out')),
    'write-only': synth(join(work, 'write-only-envs'), join(work, 'write-only-out')),
    organization: synth(join(PROJECT_ROOT, 'examples', 'organization'), join(work, 'organization-out')),
  };
  const stackDirs = {
    dev: join(stacks.dev, 'ecr-cache-dev'),
    prod: join(stacks.dev, 'ecr-cache-prod'),
    'all-upstreams': join(stacks['all-upstreams'], 'ecr-cache-all-upstreams'),
    'write-only': join(stacks['write-only'], 'ecr-cache-write-only'),
    shared: join(stacks.organization, 'ecr-cache-shared'),
    'team-a': join(stacks.organization, 'ecr-cache-team-a'),
    'team-b': join(stacks.organization, 'ecr-cache-team-b'),
  };
  const variables: Record<string, NodeJS.ProcessEnv> = {
    'write-only': { TF_VAR_credentials_docker_hub: JSON.stringify({ username: 'ci-bot', accessToken: CANARY }) },
  };
  await Promise.all(
    Object.entries(stackDirs).map(async ([name, stackDir]) => {
      plans.set(name, await offlinePlan(prepareOfflineWorkspace(stackDir, join(work, name), mirror), variables[name]));
    }),
  );
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each([
  ['dev', '111111111111'],
  ['prod', '222222222222'],
])('terraform plan of the %s example, offline', (name, account) => {
  const resources = (type: string): PlannedResource[] =>
    plans.get(name)!.json.planned_values.root_module.resources!.filter((resource) => resource.type === type);

  beforeEach((context) => {
    if (!mirror) context.skip();
  });

  it('creates exactly the expected resources, at stable addresses', () => {
    const changes = plans.get(name)!.json.resource_changes;
    const managed = changes.filter((change) => change.mode === 'managed');
    expect(managed.map((change) => change.address).sort()).toEqual(EXPECTED_ADDRESSES);
    for (const change of managed) expect(change.change.actions).toEqual(['create']);
    const reads = changes.filter((change) => change.mode === 'data');
    expect(reads.map((change) => change.address).sort()).toEqual(EXPECTED_READS);
    for (const change of reads) expect(change.change.actions).toEqual(['read']);
  });

  it('plans the article rules that need no credential; the two that do wait for their secrets, and the plan says so', () => {
    const rules = resources('aws_ecr_pull_through_cache_rule').map((rule) => [rule.values.ecr_repository_prefix, rule.values.upstream_registry_url]);
    expect(Object.fromEntries(rules)).toEqual(Object.fromEntries(Object.entries(ARTICLE_RULES).filter(([prefix]) => !WAITING_RULES.includes(prefix))));
    // terraform show -json lists each check block's status: each waiting rule's fails, naming its secret.
    const checks = (plans.get(name)!.json as unknown as { checks: { address: { name: string }; status: string }[] }).checks;
    expect(checks.map((check) => [check.address.name, check.status])).toEqual(WAITING_RULES.map((prefix) => [`${prefix.replace('-', '_')}_credentials`, 'fail']));
  });

  it('plans the two credential secrets, with no secret value anywhere in the plan', () => {
    const secrets = resources('aws_secretsmanager_secret').map((secret) => [secret.values.name, secret.values.recovery_window_in_days]);
    expect(secrets.sort()).toEqual([
      ['ecr-pullthroughcache/docker-hub', 7],
      ['ecr-pullthroughcache/github', 7],
    ]);
    expect(resources('aws_secretsmanager_secret_version')).toEqual([]);
  });

  it('plans the node role and a policy scoped to the cache prefixes', () => {
    expect(resources('aws_iam_role').map((role) => role.values.name)).toEqual([`ecr-cache-${name}-node`]);
    const [policy] = resources('aws_iam_policy');
    const statements = JSON.parse(policy.values.policy as string).Statement;
    expect(statements[1].Resource).toEqual(Object.keys(ARTICLE_RULES).map((prefix) => `arn:aws:ecr:eu-west-2:${account}:repository/${prefix}/*`));
    // The cache policy's ARN is known only after apply; the managed policies' are fixed.
    const attached = resources('aws_iam_role_policy_attachment').map((attachment) => attachment.values.policy_arn ?? '(cache policy)');
    expect(attached.sort()).toEqual([
      '(cache policy)',
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly',
      'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
      'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
    ]);
  });

  it('plans the registry URIs as outputs', () => {
    const outputs = plans.get(name)!.json.planned_values as unknown as { outputs: Record<string, { value: unknown }> };
    expect(outputs.outputs.registry_uris.value).toEqual(
      Object.fromEntries(Object.keys(ARTICLE_RULES).map((prefix) => [prefix, `${account}.dkr.ecr.eu-west-2.amazonaws.com/${prefix}`])),
    );
  });
});

describe('terraform plan of examples/all-upstreams.yaml, offline', () => {
  beforeEach((context) => {
    if (!mirror) context.skip();
  });

  it('plans a rule for every upstream that needs no credential secret, the cross-account role and the upstream prefix', () => {
    const plan = plans.get('all-upstreams')!.json;
    for (const change of plan.resource_changes) expect(change.change.actions).toEqual([change.mode === 'data' ? 'read' : 'create']);
    const resources = plan.planned_values.root_module.resources!;
    const rules = resources.filter((resource) => resource.type === 'aws_ecr_pull_through_cache_rule');
    // Docker Hub, GitHub, GitLab, Chainguard and Azure wait for their secrets' values: not in a first plan.
    expect(Object.fromEntries(rules.map((rule) => [rule.values.ecr_repository_prefix, rule.values.upstream_registry_url]))).toEqual({
      ROOT: '333333333333.dkr.ecr.us-west-2.amazonaws.com',
      'ecr-public': 'public.ecr.aws',
      k8s: 'registry.k8s.io',
      quay: 'quay.io',
      us: '333333333333.dkr.ecr.us-east-1.amazonaws.com',
      shared: '444444444444.dkr.ecr.eu-west-2.amazonaws.com',
    });
    expect(rules.find((rule) => rule.values.ecr_repository_prefix === 'us')!.values.upstream_repository_prefix).toBe('platform');
    expect(plan.resource_changes.map((change) => change.address)).toEqual(
      expect.arrayContaining([
        'aws_iam_role.shared_upstream',
        'aws_iam_role_policy.shared_upstream',
        'aws_ecr_pull_through_cache_rule.ROOT',
      ]),
    );
    expect(rules.find((rule) => rule.values.ecr_repository_prefix === 'shared')!.values.upstream_repository_prefix).toBe('ROOT');
    // Failure alerts by email, and the k8s rule's images archived when no one pulled them for 60 days.
    expect(plan.resource_changes.map((change) => change.address)).toEqual(
      expect.arrayContaining([
        'aws_cloudwatch_event_rule.cache_failures',
        'aws_cloudwatch_event_target.cache_failures',
        'aws_sns_topic.alerts',
        'aws_kms_key.alerts',
        'aws_sns_topic_policy.alerts',
        'aws_sns_topic_subscription.alerts_platform_oncall_example_com',
      ]),
    );
    const k8sTemplate = resources.find((resource) => resource.type === 'aws_ecr_repository_creation_template' && resource.values.prefix === 'k8s')!;
    expect(JSON.parse(k8sTemplate.values.lifecycle_policy as string).rules[1]).toMatchObject({ selection: { countType: 'sinceImagePulled', countNumber: 60 }, action: { type: 'transition' } });
    // The pauses before the rules whose role or credential Terraform writes: Terraform's own terraform_data.
    expect(plan.resource_changes.filter((change) => change.type === 'terraform_data').map((change) => change.address)).toEqual([
      'terraform_data.shared_propagation',
    ]);
  });
});

describe('a credential written through the write-only secret_string_wo, planned offline', () => {
  beforeEach((context) => {
    if (!mirror) context.skip();
  });

  it('plans the secret version from the ephemeral variable, write-only', () => {
    const plan = plans.get('write-only')!.json;
    const version = plan.planned_values.root_module.resources!.find((resource) => resource.type === 'aws_secretsmanager_secret_version')!;
    expect(version.values.secret_string_wo_version).toBe(1);
    expect(version.values.secret_string ?? null).toBeNull();
  });

  it('leaves the value nowhere: not in cdktf.out, the plan file, or terraform show -json', () => {
    const synthesized = readTree(join(work, 'write-only-out'));
    expect(synthesized.size).toBeGreaterThan(1);
    for (const [path, text] of synthesized) expect(text, path).not.toContain(CANARY);

    const planFile = readFileSync(plans.get('write-only')!.planFile);
    expect(planFile.toString('latin1')).not.toContain(CANARY);
    const entries = Object.entries(unzipSync(new Uint8Array(planFile)));
    expect(entries.map(([name]) => name)).toContain('tfplan');
    for (const [name, bytes] of entries) expect(strFromU8(bytes, true), name).not.toContain(CANARY);

    expect(plans.get('write-only')!.jsonText).not.toContain(CANARY);
    expect(plans.get('write-only')!.jsonText).toContain('credentials_docker_hub');
  });
});

describe('npm run plan -- dev --offline', () => {
  beforeEach((context) => {
    if (!mirror) context.skip();
  });

  it('synthesizes, plans with the mirror and fake credentials, and writes the plan file and its JSON', () => {
    const outdir = join(work, 'npm-plan-out');
    const run = spawnSync('npm', ['run', '-s', 'plan', '--', 'dev', '--offline'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDKTF_OUTDIR: outdir, ECR_CACHE_ENVIRONMENTS: FIXTURE_ENVIRONMENTS },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const planDir = join(outdir, 'offline', 'ecr-cache-dev');
    expect(run.stdout).toContain(`Plan: ${EXPECTED_ADDRESSES.length} to add, 0 to change, 0 to destroy.`);
    expect(run.stdout).toContain(`plan: ${relative(PROJECT_ROOT, join(planDir, 'tfplan'))}\njson: ${relative(PROJECT_ROOT, join(planDir, 'tfplan.json'))}`);
    expect(statSync(join(planDir, 'tfplan')).size).toBeGreaterThan(0);
    const json = JSON.parse(readFileSync(join(planDir, 'tfplan.json'), 'utf8')) as { resource_changes: { address: string }[] };
    expect(json.resource_changes.map((change) => change.address).sort()).toEqual([...EXPECTED_READS, ...EXPECTED_ADDRESSES].sort());
    expect(readdirSync(join(outdir, 'stacks', 'ecr-cache-dev'))).toEqual(['cdk.tf.json']);
  });
});

describe('terraform plan of examples/organization: a hub and two consumers, offline', () => {
  beforeEach((context) => {
    if (!mirror) context.skip();
  });

  const planned = (name: string, type: string) =>
    plans.get(name)!.json.planned_values.root_module.resources!.filter((resource) => resource.type === type);
  const prefixes = ['docker-hub', 'github', 'k8s', 'ecr', 'quay'];
  const hubRepositories = prefixes.map((prefix) => `arn:aws:ecr:eu-west-2:444444444444:repository/${prefix}/*`);
  const byAccount = { AWS: ['arn:aws:iam::555555555555:root'] };
  const byOrganization = { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } };

  it("plans the hub's registry policy: its consumers create and import into the cache repositories", () => {
    const [policy] = planned('shared', 'aws_ecr_registry_policy');
    expect(JSON.parse(policy.values.policy as string).Statement).toEqual([
      {
        Sid: 'ConsumersCreateAndImportAccounts',
        Effect: 'Allow',
        Principal: byAccount,
        Action: ['ecr:CreateRepository', 'ecr:BatchImportUpstreamImage'],
        Resource: hubRepositories,
      },
      {
        Sid: 'ConsumersCreateAndImportOrganization',
        Effect: 'Allow',
        Principal: '*',
        Action: ['ecr:CreateRepository', 'ecr:BatchImportUpstreamImage'],
        Resource: hubRepositories,
        Condition: byOrganization,
      },
    ]);
  });

  it("plans each of the hub's templates with the repository policy that lets its consumers pull", () => {
    const templates = planned('shared', 'aws_ecr_repository_creation_template');
    expect(templates.map((template) => template.values.prefix).sort()).toEqual([...prefixes].sort());
    for (const template of templates) {
      expect(JSON.parse(template.values.repository_policy as string).Statement).toEqual([
        {
          Sid: 'ConsumersPullAccounts',
          Effect: 'Allow',
          Principal: byAccount,
          Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        },
        {
          Sid: 'ConsumersPullOrganization',
          Effect: 'Allow',
          Principal: '*',
          Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
          Condition: byOrganization,
        },
      ]);
    }
  });

  it.each([
    ['team-a', ['aws_eks_access_entry.node', 'aws_iam_policy.node_pull', 'aws_iam_role.node', 'aws_iam_role_policy_attachment.eks_node_cache_pull', 'aws_iam_role_policy_attachment.node_AmazonEC2ContainerRegistryPullOnly', 'aws_iam_role_policy_attachment.node_AmazonEKSWorkerNodePolicy', 'aws_iam_role_policy_attachment.node_AmazonEKS_CNI_Policy', 'aws_iam_role_policy_attachment.node_cache_pull']],
    ['team-b', ['aws_iam_policy.node_pull', 'aws_iam_role_policy_attachment.eks_node_cache_pull']],
  ])("plans the consumer %s: only its nodes' policy on the hub's repositories, and their grants", (name, addresses) => {
    const changes = plans.get(name)!.json.resource_changes;
    expect(changes.map((change) => change.address).sort()).toEqual(addresses);
    const [policy] = planned(name, 'aws_iam_policy');
    expect(JSON.parse(policy.values.policy as string).Statement).toEqual([
      { Sid: 'RegistryLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'PullThroughCache',
        Effect: 'Allow',
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
        Resource: hubRepositories,
      },
    ]);
    const [existing] = planned(name, 'aws_iam_role_policy_attachment').filter((attachment) => attachment.values.role === 'eks-node');
    expect(existing).toBeDefined();
  });
});
