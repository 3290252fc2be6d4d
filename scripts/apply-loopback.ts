/**
 * `npm run apply:loopback -- [--env NAME ...] [--environments DIR]`: what a deploy of each environment does, without
 * an AWS account. It synthesizes, then, against the loopback AWS (scripts/loopback-aws) with the real Terraform
 * provider: init, apply everything (the credential secrets get placeholder values after the first apply, as a user
 * fills them), plan again (must say "No changes"), destroy, and checks that destroy left only what docs/deploying.md says it
 * leaves. One line per step; exit 1 on any failure. Hubs are applied before their consumers, all in one "AWS".
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { reportError, UserError } from '../config/errors';
import { displayPath, type Environment, environmentsDirectory } from '../config/environments';
import { synthesize } from '../stacks';
import { type LoopbackAws, loopbackCredentials, startLoopbackAws } from './loopback-aws';
import { discoverProviderMirror, type OfflineWorkspace, prepareOfflineWorkspace, terraform, type TerraformResult } from './offline-terraform';

interface StackJson {
  readonly variable?: Record<string, { readonly sensitive?: boolean }>;
  readonly resource?: Record<string, Record<string, { readonly lifecycle?: { readonly prevent_destroy?: boolean } }>>;
}

/** What a stack's apply warns when a rule waits for a credential secret it created to have a value (lib/constructs/pull-through-cache-rule.ts). */
const WAITING_FOR_SECRET = /has no value yet/;

/** The placeholder a user's credential looks like: JSON username and accessToken (docs/credentials.md). */
const PLACEHOLDER_CREDENTIAL = JSON.stringify({ username: 'loopback-user', accessToken: 'loopback-placeholder' });

export interface StepLine {
  readonly stack: string;
  readonly step: string;
  readonly outcome: string;
  readonly seconds: number;
}

export interface LoopbackRun {
  readonly lines: StepLine[];
  readonly failures: string[];
  /** Resources each stack's applies created, by stack. */
  readonly created: Map<string, number>;
  readonly aws: LoopbackAws;
}

const oneLine = (result: TerraformResult) =>
  (result.stderr || result.stdout)
        .split('\n')
    .map((line) => line.replace(/^[\s│╷╵]+/, '').trim())
    .filter((line) => line !== '')
    .join(' ');

/** Applies, re-plans and destroys the environments, hubs first, against one loopback AWS; `print` gets each line as it happens. */
export async function applyLoopback(environmentsFolder: string | undefined, names: readonly string[], print: (line: StepLine) => void = () => {}): Promise<LoopbackRun> {
  const mirror = discoverProviderMirror();
  if (typeof mirror === 'string') throw new UserError(`apply:loopback needs the hashicorp/aws provider mirror: ${mirror}`);
  // A folder of this run's own, removed at the end: nothing another process may delete under it.
  const work = mkdtempSync(join(tmpdir(), 'ecr-cache-apply-loopback-'));
  const aws = await startLoopbackAws();
  const lines: StepLine[] = [];
  const failures: string[] = [];
  const created = new Map<string, number>();
  const step = async <T>(stack: string, name: string, run: () => Promise<{ outcome: string; value?: T; failed?: boolean }>): Promise<T | undefined> => {
    const started = performance.now();
    let outcome: string;
    let value: T | undefined;
    let failed: boolean;
    try {
      ({ outcome, value, failed = false } = await run());
    } catch (error) {
      outcome = error instanceof Error ? error.message : String(error);
      failed = true;
    }
    const line = { stack, step: name, outcome: failed ? `FAILED: ${outcome}` : outcome, seconds: (performance.now() - started) / 1000 };
    lines.push(line);
    print(line);
    if (failed) failures.push(`${stack} ${name}: ${outcome}`);
    return failed ? undefined : value;
  };

  try {
    const synthesized = await step('(all)', 'synth', () => {
      const result = synthesize({ environments: environmentsFolder, outdir: join(work, 'out') });
      return Promise.resolve({ outcome: `${result.environments.length} environment(s) from ${displayPath(environmentsDirectory(environmentsFolder))}`, value: result });
    });
    if (!synthesized) return { lines, failures, created, aws };
    const selected = chosen(synthesized.environments, names);
    const applied: { environment: Environment; workspace: OfflineWorkspace; stack: StackJson; variables: Record<string, string> }[] = [];

    for (const environment of selected) {
      const stackName = environment.stackName;
      const stackDir = join(synthesized.outdir, 'stacks', stackName);
      const stack = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as StackJson;
      // What the account has before the stack: the node roles it names and the cluster its nodes join.
      for (const role of environment.nodes.existingRoles) if (!aws.state.iam(environment.account).roles.has(role)) aws.seedRole(environment.account, role);
      if (environment.nodes.cluster !== undefined) aws.seedCluster(environment.account, environment.region, environment.nodes.cluster);
      const workspace = prepareOfflineWorkspace(stackDir, join(work, stackName), mirror, { endpoints: aws.endpoints(), credentials: loopbackCredentials(environment.account) });
      // Credentials Terraform writes itself (secretValueVersion): the variables a pipeline would pass.
      const variables = placeholderVariables(stack);
      const run = (args: string[]) => terraform(workspace, [...args, '-input=false', '-no-color'], { env: variables });

      const initialized = await step(stackName, 'init', async () => {
        const result = await run(['init']);
        return result.status === 0 ? { outcome: 'ok', value: true } : { outcome: oneLine(result), failed: true };
      });
      if (!initialized) continue;
      const appliedOk = await step(stackName, 'apply', async () => {
        let total = 0;
        let result = await run(['apply', '-auto-approve']);
        total += addedCount(result);
        let outcome = '';
        if (WAITING_FOR_SECRET.test(result.stdout + result.stderr)) {
          // As a user does after the first apply: put the credentials in the secrets that wait for them, apply again.
          const filled = fillEmptySecrets(aws, environment);
          outcome = `${result.status === 0 ? 'rules waited' : 'stopped'} for ${filled.length} empty secret(s) (${filled.join(', ')}), filled with placeholders, applied again: `;
          result = await run(['apply', '-auto-approve']);
          total += addedCount(result);
        }
        created.set(stackName, total);
        return result.status === 0 ? { outcome: `${outcome}${total} resources created`, value: true } : { outcome: `${outcome}${oneLine(result)}`, failed: true };
      });
      if (appliedOk) applied.push({ environment, workspace, stack, variables });
    }

    for (const { environment, workspace, variables } of applied) {
      await step(environment.stackName, 'plan', async () => {
        const result = await terraform(workspace, ['plan', '-detailed-exitcode', '-input=false', '-no-color'], { env: variables });
        if (result.status === 0) return { outcome: 'No changes' };
        return { outcome: result.status === 2 ? `changes after apply: ${changedAddresses(result.stdout).join(', ')}` : oneLine(result), failed: true };
      });
    }

    // Consumers before their hub, as the order of destruction in docs/deploying.md says.
    for (const { environment, workspace, stack, variables: env } of [...applied].reverse()) {
      await step(environment.stackName, 'destroy', async () => {
        let result = await terraform(workspace, ['destroy', '-auto-approve', '-input=false', '-no-color'], { env });
        let outcome = '';
        const guarded = protectedAddresses(stack);
        if (result.status !== 0 && guarded.length > 0 && /prevent_destroy/.test(result.stderr)) {
          // production: true: the secrets refuse destroy. Tearing the environment down leaves them (docs/operating.md, "When an apply goes wrong").
          outcome = `refused by prevent_destroy on ${guarded.length} secret(s), as production: true means; left them out of the state and destroyed the rest: `;
          const removed = await terraform(workspace, ['state', 'rm', ...guarded], { env });
          if (removed.status !== 0) return { outcome: oneLine(removed), failed: true };
          result = await terraform(workspace, ['destroy', '-auto-approve', '-input=false', '-no-color'], { env });
        }
        const destroyed = /Resources: (\d+) destroyed/.exec(result.stdout)?.[1];
        return result.status === 0 ? { outcome: `${outcome}${destroyed ?? 0} resources destroyed` } : { outcome: `${outcome}${oneLine(result)}`, failed: true };
      });
      await step(environment.stackName, 'left behind', () => {
        const { expected, unexpected } = leftBehind(aws, environment);
        if (unexpected.length > 0) return Promise.resolve({ outcome: `not destroyed: ${unexpected.join('; ')}`, failed: true });
        return Promise.resolve({ outcome: expected.length > 0 ? expected.join('; ') : 'nothing' });
      });
    }
    if (aws.unknownCalls.length > 0) failures.push(`the loopback AWS was asked for what it does not implement: ${[...new Set(aws.unknownCalls)].join(', ')}`);
    return { lines, failures, created, aws };
  } finally {
    await aws.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The environments to apply: those named (all when none), hubs before consumers. */
function chosen(environments: readonly Environment[], names: readonly string[]): Environment[] {
  const unknown = names.filter((name) => !environments.some((environment) => environment.name === name));
  if (unknown.length > 0) throw new UserError(`--env ${unknown.join(', ')}: no such environment (there are ${environments.map((environment) => environment.name).join(', ')})`);
  const selected = names.length > 0 ? environments.filter((environment) => names.includes(environment.name)) : [...environments];
  return selected.sort((a, b) => Number(a.cacheFrom !== undefined) - Number(b.cacheFrom !== undefined));
}

/** The stack's sensitive variables (credentials Terraform writes, secretValueVersion), as a pipeline passes them. */
function placeholderVariables(stack: StackJson): Record<string, string> {
  return Object.fromEntries(Object.entries(stack.variable ?? {}).filter(([, variable]) => variable.sensitive).map(([name]) => [`TF_VAR_${name}`, PLACEHOLDER_CREDENTIAL]));
}

/** Resources an apply created, whether it finished or stopped part-way ("<address>: Creation complete after ..."). */
function addedCount(result: TerraformResult): number {
  return result.stdout.match(/: Creation complete after /g)?.length ?? 0;
}

function changedAddresses(planOutput: string): string[] {
  return [...planOutput.matchAll(/^\s*# (\S+) (?:will|must)/gm)].map((match) => match[1]);
}

function protectedAddresses(stack: StackJson): string[] {
  return Object.entries(stack.resource ?? {}).flatMap(([type, resources]) =>
    Object.entries(resources)
      .filter(([, resource]) => resource.lifecycle?.prevent_destroy)
      .map(([name]) => `${type}.${name}`),
  );
}

/** Puts a placeholder credential into every secret of the environment that has none. */
function fillEmptySecrets(aws: LoopbackAws, environment: Environment): string[] {
  const region = aws.region(environment.account, environment.region);
  const empty = [...region.secrets.values()].filter((secret) => !secret.deletedAt && !secret.currentVersion());
  for (const secret of empty) aws.putSecretValue(environment.account, environment.region, secret.name, PLACEHOLDER_CREDENTIAL);
  return empty.map((secret) => secret.name);
}

/**
 * What the environment's account still holds after destroy, split into what docs/deploying.md says destroy leaves (the
 * credential secrets in their recovery window, or kept by production's prevent_destroy; the roles and clusters that
 * were there before) and what it should have removed.
 */
export function leftBehind(aws: LoopbackAws, environment: Environment): { expected: string[]; unexpected: string[] } {
  const region = aws.region(environment.account, environment.region);
  const expected: string[] = [];
  const unexpected: string[] = [];
  for (const secret of region.secrets.values()) {
    if (secret.deletedAt) expected.push(`secret ${secret.name} in its ${Math.round((secret.deletionDate!.getTime() - secret.deletedAt.getTime()) / 86_400_000)}-day recovery window`);
    else if (environment.production) expected.push(`secret ${secret.name} (production: prevent_destroy)`);
    else unexpected.push(`secret ${secret.name}`);
  }
  for (const prefix of region.rules.keys()) unexpected.push(`pull-through cache rule ${prefix}`);
  for (const topic of region.topics.values()) unexpected.push(`SNS topic ${topic.name}`);
  for (const subscription of region.subscriptions.values()) unexpected.push(`SNS subscription ${subscription.endpoint}`);
  for (const rule of region.eventRules.values()) unexpected.push(`EventBridge rule ${rule.name}`);
  // A key is never deleted at once: KMS keeps it for its waiting period (KMS API reference, ScheduleKeyDeletion).
  for (const key of region.kmsKeys.values()) {
    if (key.keyState === 'PendingDeletion') expected.push(`KMS key "${key.description}" in its ${key.pendingWindowInDays}-day waiting period`);
    else unexpected.push(`KMS key ${key.arn}`);
  }
  for (const prefix of region.templates.keys()) unexpected.push(`repository creation template ${prefix}`);
  if (region.registryPolicy !== undefined) unexpected.push('registry policy');
  // The provider's delete puts an empty basic configuration (docs/security.md, "Registry scanning").
  if (region.scanning.scanType !== 'BASIC' || region.scanning.rules.length > 0) unexpected.push(`scanning configuration ${JSON.stringify(region.scanning)}`);
  for (const [cluster, entries] of region.clusters) {
    for (const entry of entries.values()) unexpected.push(`EKS access entry ${entry.principalArn}`);
    expected.push(`the cluster ${cluster}, as it was before the stack`);
  }
  const iam = aws.state.iam(environment.account);
  for (const role of iam.roles.values()) {
    if (!environment.nodes.existingRoles.includes(role.RoleName)) unexpected.push(`IAM role ${role.RoleName}`);
    else if (role.attached.size > 0 || role.inlinePolicies.size > 0) unexpected.push(`policies of the existing role ${role.RoleName}: ${[...role.attached, ...role.inlinePolicies.keys()].join(', ')}`);
    else expected.push(`the role ${role.RoleName}, as it was before the stack`);
  }
  for (const policy of iam.policies.values()) unexpected.push(`IAM policy ${policy.PolicyName}`);
  return { expected, unexpected };
}

function format(line: StepLine): string {
  return `${line.stack.padEnd(26)} ${line.step.padEnd(12)} ${line.outcome} (${line.seconds.toFixed(1)} s)`;
}

if (require.main === module) {
  new Command('npm run apply:loopback --')
    .description('apply, re-plan and destroy environments with the real Terraform provider against the loopback AWS: what a deploy does, without an account')
    .option('--env <name>', 'an environment to apply (repeat for several; default: every one in the folder)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--environments <dir>', 'folder of environment files (default: $ECR_CACHE_ENVIRONMENTS or environments/)')
    .action(async (options: { env: string[]; environments?: string }) => {
      const run = await applyLoopback(options.environments, options.env, (line) => console.log(format(line)));
      const total = [...run.created.values()].reduce((sum, count) => sum + count, 0);
      if (run.failures.length > 0) {
        for (const failure of run.failures.slice(run.lines.filter((line) => line.outcome.startsWith('FAILED')).length)) console.error(`FAILED: ${failure}`);
        throw new UserError(`apply:loopback: ${run.failures.length} failure(s)`);
      }
      console.log(`${run.created.size} stack(s) applied, ${total} resources created, re-planned with no changes, destroyed`);
    })
    .parseAsync()
    .catch((error: unknown) => {
      process.exitCode = reportError(error);
    });
}
