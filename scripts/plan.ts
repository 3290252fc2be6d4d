/**
 * `npm run plan -- NAME [--offline]`: synthesizes every environment (with all of synth's checks), then runs
 * `terraform init` and `terraform plan` for one, writing the plan file and its JSON. `--offline` plans with the
 * provider mirror and fake credentials, as the tests do, in a copy of the stack (cdktf.out/offline/<stack>).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Command } from 'commander';
import { reportError, UserError } from '../config/errors';
import { displayPath, EnvironmentError, environmentsDirectory, STACK_NAME_PREFIX } from '../config/environments';
import { synthesize } from '../stacks';
import { discoverProviderMirror, type OfflineWorkspace, planWorkspace, prepareOfflineWorkspace } from './offline-terraform';

interface StackJson {
  readonly terraform: { readonly required_providers: { readonly aws: { readonly version: string } } };
}

interface PlanOptions {
  readonly offline?: boolean;
  readonly environments?: string;
}

async function plan(name: string, options: PlanOptions): Promise<void> {
  const { outdir, environments } = synthesize({ environments: options.environments });
  const environment = environments.find((candidate) => candidate.name === name);
  if (!environment) {
    const folder = displayPath(environmentsDirectory(options.environments));
    throw new EnvironmentError([
      { file: folder, path: [], message: `has no environment "${name}" (it has ${environments.map((candidate) => candidate.name).join(', ')})` },
    ]);
  }
  const stackDir = join(outdir, 'stacks', `${STACK_NAME_PREFIX}${name}`);
  let workspace: OfflineWorkspace = { dir: stackDir, env: process.env };
  if (options.offline) {
    const mirror = discoverProviderMirror();
    if (typeof mirror === 'string') throw new UserError(`--offline needs the provider mirror: ${mirror}`);
    const pinned = (JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as StackJson).terraform.required_providers.aws.version;
    if (pinned !== mirror.awsVersion) {
      console.error(`note: planning with hashicorp/aws ${mirror.awsVersion} from the mirror; the stack pins ${pinned} (expected offline: docs/versions.md, Provider versions)`);
    }
    const dir = join(outdir, 'offline', `${STACK_NAME_PREFIX}${name}`);
    if (existsSync(dir)) rmSync(dir, { recursive: true });
    workspace = prepareOfflineWorkspace(stackDir, dir, mirror);
  }
  const result = await planWorkspace(workspace, { inherit: true });
  console.log(`\nplan: ${relative(process.cwd(), result.planFile)}\njson: ${relative(process.cwd(), `${result.planFile}.json`)}`);
  // The guard the pipeline runs on every plan it applies, the same script: it needs only Node.js.
  const guard = spawnSync(process.execPath, [join(__dirname, 'plan-guard.mjs'), dirname(result.planFile)], { stdio: 'inherit' });
  if (guard.status !== 0) process.exitCode = 1;
}

new Command('npm run plan --')
  .description('synthesize, then terraform init + plan one environment, writing tfplan and tfplan.json')
  .argument('<environment>', 'the environment to plan, e.g. dev')
  .option('--offline', 'plan with the provider mirror and fake credentials (no AWS account needed)')
  .option('--environments <dir>', 'folder of environment files (default: $ECR_CACHE_ENVIRONMENTS or environments/)')
  .action(plan)
  .parseAsync()
  .catch((error: unknown) => {
    process.exitCode = reportError(error);
  });
