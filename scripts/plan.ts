/**
 * `npm run plan -- NAME [--offline]`: synthesizes every environment (with all of synth's checks), then runs
 * `terraform init` and `terraform plan` for one, writing the plan file and its JSON. `--offline` plans with the
 * provider mirror and fake credentials, as the tests do, in a copy of the stack (cdktf.out/offline/<stack>).
 */
import { existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { EnvironmentError, STACK_NAME_PREFIX } from '../lib/environments';
import { synthesize } from '../stacks';
import { discoverProviderMirror, type OfflineWorkspace, planWorkspace, prepareOfflineWorkspace } from './offline-terraform';

interface PlanOptions {
  readonly offline?: boolean;
  readonly environments?: string;
}

async function plan(name: string, options: PlanOptions): Promise<void> {
  const { outdir, environments } = synthesize({ environments: options.environments });
  if (!environments.some((environment) => environment.name === name)) {
    throw new EnvironmentError([
      { file: 'environments', path: [], message: `has no environment "${name}" (it has ${environments.map((environment) => environment.name).join(', ')})` },
    ]);
  }
  const stackDir = join(outdir, 'stacks', `${STACK_NAME_PREFIX}${name}`);
  let workspace: OfflineWorkspace = { dir: stackDir, env: process.env };
  if (options.offline) {
    const mirror = discoverProviderMirror();
    if (typeof mirror === 'string') throw new Error(`--offline needs the provider mirror: ${mirror}`);
    const dir = join(outdir, 'offline', `${STACK_NAME_PREFIX}${name}`);
    if (existsSync(dir)) rmSync(dir, { recursive: true });
    workspace = prepareOfflineWorkspace(stackDir, dir, mirror);
  }
  const result = await planWorkspace(workspace, { inherit: true });
  console.log(`\nplan: ${relative(process.cwd(), result.planFile)}\njson: ${relative(process.cwd(), `${result.planFile}.json`)}`);
}

new Command('npm run plan --')
  .description('synthesize, then terraform init + plan one environment, writing tfplan and tfplan.json')
  .argument('<environment>', 'the environment to plan, e.g. dev')
  .option('--offline', 'plan with the provider mirror and fake credentials (no AWS account needed)')
  .option('--environments <dir>', 'folder of environment files (default: $ECR_CACHE_ENVIRONMENTS or environments/)')
  .action(plan)
  .parseAsync()
  .catch((error: unknown) => {
    // Environment problems, policy findings and terraform's own errors are messages for the user, not traces.
    if (!(error instanceof Error)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  });
