/**
 * Runs real `terraform init` and `terraform plan` on a synthesized stack without a network: the hashicorp/aws
 * provider comes from a filesystem mirror (TF_PROVIDER_MIRROR, the folder that holds registry.terraform.io/),
 * and an override file pins the mirror's provider version, uses fake credentials and a local state.
 * The stack folder is copied first, so cdktf.out stays as synthesized.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../config/errors';
import { LOOPBACK_SERVICES, startLoopbackAws } from './loopback-aws';

export const MIRROR_VARIABLE = 'TF_PROVIDER_MIRROR';

export interface ProviderMirror {
  /** The mirror's root folder. */
  readonly path: string;
  /** The hashicorp/aws version it holds. */
  readonly awsVersion: string;
}

/** TF_PROVIDER_MIRROR, or else a mirror found on this machine by scripts/find-provider-mirror.sh (exported for children). */
export function discoverProviderMirror(): ProviderMirror | string {
  if (!process.env[MIRROR_VARIABLE]) {
    const found = execFileSync(join(__dirname, 'find-provider-mirror.sh'), { encoding: 'utf8' }).trim();
    if (found) process.env[MIRROR_VARIABLE] = found;
  }
  return providerMirror();
}

/** Why offline plans cannot run here, or the mirror to run them with. */
export function providerMirror(): ProviderMirror | string {
  const path = process.env[MIRROR_VARIABLE];
  if (!path) return `${MIRROR_VARIABLE} is not set (export TF_PROVIDER_MIRROR="$(scripts/find-provider-mirror.sh)")`;
  const versions = join(path, 'registry.terraform.io', 'hashicorp', 'aws');
  if (!existsSync(versions)) return `${MIRROR_VARIABLE}=${path} holds no registry.terraform.io/hashicorp/aws provider`;
  // An unpacked mirror has a folder per version; a packed one (`terraform providers mirror`) a zip per platform.
  const found = readdirSync(versions)
    .map((entry) => /^(?:terraform-provider-aws_)?(\d+\.\d+\.\d+)(?:_[a-z0-9]+_[a-z0-9]+\.zip)?$/.exec(entry)?.[1])
    .filter((version): version is string => version !== undefined)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (found.length === 0) return `${versions} holds no provider version`;
  const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
  if (terraform.error) return `terraform is not installed (${terraform.error.message})`;
  return { path, awsVersion: found.at(-1)! };
}

export interface OfflineWorkspace {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /**
   * Planned against an empty AWS: the data sources a plan reads (the credential secrets a rule waits for) are
   * answered by a loopback AWS with nothing in it, started for this process when a command first needs it.
   */
  readonly emptyAws?: boolean;
}

/** Where the provider's calls go: a loopback AWS (scripts/loopback-aws) and the access key of the account to act in. */
export interface LoopbackTarget {
  /** The provider's `endpoints` block: service name to URL. */
  readonly endpoints: Readonly<Record<string, string>>;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * Copies a synthesized stack folder into `dir` with the offline overrides. Without `loopback`, the provider never
 * calls AWS (fake credentials, no account lookup) and can only plan. With it, every call goes to the loopback AWS as
 * the account its key stands for, which the provider looks up (STS GetCallerIdentity), so the stack's
 * `allowed_account_ids` is enforced as against AWS.
 */
export function prepareOfflineWorkspace(stackDir: string, workspaceDir: string, mirror: ProviderMirror, loopback?: LoopbackTarget): OfflineWorkspace {
  // Terraform runs inside the folder: every path it is given must be absolute.
  const dir = resolve(workspaceDir);
  mkdirSync(dir, { recursive: true });
  // Neither Terraform's working files nor the lock file: offline plans use the mirror's provider release, which the
  // lock file of the real provider need not list.
  cpSync(stackDir, dir, { recursive: true, filter: (source) => !source.includes(`${'/'}.terraform`) });
  writeFileSync(
    join(dir, 'offline_override.tf.json'),
    JSON.stringify(
      {
        terraform: {
          required_providers: { aws: { source: 'hashicorp/aws', version: mirror.awsVersion } },
          backend: { local: { path: 'terraform.tfstate' } },
        },
        provider: {
          aws: loopback
            ? {
                access_key: loopback.credentials.accessKeyId,
                secret_key: loopback.credentials.secretAccessKey,
                skip_metadata_api_check: true,
                endpoints: [loopback.endpoints],
              }
            : {
                access_key: 'offline-plan',
                secret_key: 'offline-plan',
                skip_credentials_validation: true,
                skip_requesting_account_id: true,
                skip_metadata_api_check: true,
                allowed_account_ids: null,
              },
        },
      },
      null,
      2,
    ),
  );
  const cliConfig = join(dir, 'offline.tfrc');
  writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(resolve(mirror.path))}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('AWS_') || key.startsWith('TF_')) delete env[key];
  Object.assign(env, {
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  return { dir, env, ...(loopback ? {} : { emptyAws: true }) };
}

/** Commands that read AWS: those run against the empty loopback AWS in an offline workspace. */
const READS_AWS = new Set(['plan', 'apply', 'destroy', 'refresh', 'import', 'console']);
let emptyAws: Promise<string> | undefined;

/**
 * An empty loopback AWS for this process, in which every access key acts in one account that holds nothing: what an
 * offline plan of a new environment finds. Its server does not keep the process alive.
 */
function emptyAwsEndpoint(): Promise<string> {
  emptyAws ??= startLoopbackAws({ defaultAccount: '000000000000', unref: true }).then((aws) => aws.endpoint);
  return emptyAws;
}

/** Points an offline workspace's provider at the empty loopback AWS, once. */
async function useEmptyAws(workspace: OfflineWorkspace): Promise<void> {
  const override = join(workspace.dir, 'empty_aws_override.tf.json');
  if (existsSync(override)) return;
  const endpoint = await emptyAwsEndpoint();
  const endpoints = Object.fromEntries(LOOPBACK_SERVICES.map((service) => [service, endpoint]));
  writeFileSync(override, JSON.stringify({ provider: { aws: { endpoints: [endpoints] } } }, null, 2));
}

export interface TerraformResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TerraformOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Show terraform's output as it runs instead of capturing it. */
  readonly inherit?: boolean;
  /**
   * Runs terraform as the leader of its own process group and gives its process id, so a test can signal it and the
   * provider it started (`process.kill(-pid, signal)`).
   */
  readonly onStart?: (pid: number) => void;
}

export async function terraform(workspace: OfflineWorkspace, args: readonly string[], options: TerraformOptions = {}): Promise<TerraformResult> {
  if (workspace.emptyAws && READS_AWS.has(args[0] ?? '')) await useEmptyAws(workspace);
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', args, {
      cwd: workspace.dir,
      env: { ...workspace.env, ...options.env },
      stdio: options.inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
      ...(options.onStart ? { detached: true } : {}),
    });
    if (options.onStart && child.pid !== undefined) options.onStart(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function mustSucceed(what: string, result: TerraformResult): TerraformResult {
  if (result.status !== 0) throw new UserError(`terraform ${what} failed (exit ${result.status}):\n${result.stderr || result.stdout}`);
  return result;
}

export interface OfflinePlan {
  readonly planFile: string;
  /** `terraform show -json` of the plan. */
  readonly json: PlanJson;
  readonly jsonText: string;
}

export interface PlannedResource {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly values: Record<string, unknown>;
}

export interface ResourceChange {
  readonly address: string;
  /** `data` for a data source read during apply (its inputs are not known at plan). */
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly change: { readonly actions: string[]; readonly before?: Record<string, unknown> | null };
}

export interface PlanJson {
  readonly planned_values: { readonly root_module: { readonly resources?: PlannedResource[] } };
  readonly resource_changes: ResourceChange[];
  readonly [key: string]: unknown;
}

/** `terraform init` + `plan -out=tfplan` + `show -json` (also written to tfplan.json) in a workspace. */
export async function planWorkspace(workspace: OfflineWorkspace, options: TerraformOptions = {}): Promise<OfflinePlan> {
  mustSucceed('init', await terraform(workspace, ['init', '-input=false', '-no-color'], { env: options.env }));
  mustSucceed('plan', await terraform(workspace, ['plan', '-input=false', '-out=tfplan', ...(options.inherit && process.stdout.isTTY ? [] : ['-no-color'])], options));
  const shown = mustSucceed('show', await terraform(workspace, ['show', '-json', '-no-color', 'tfplan'], { env: options.env }));
  writeFileSync(join(workspace.dir, 'tfplan.json'), shown.stdout);
  return { planFile: join(workspace.dir, 'tfplan'), json: JSON.parse(shown.stdout) as PlanJson, jsonText: shown.stdout };
}

/** An offline plan: captured output; the variables in `env` (TF_VAR_...) are passed to Terraform. */
export function offlinePlan(workspace: OfflineWorkspace, env: NodeJS.ProcessEnv = {}): Promise<OfflinePlan> {
  return planWorkspace(workspace, { env });
}
