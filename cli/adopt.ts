/**
 * `adopt --env NAME`: reads what the environment's stack would create that already exists in the account (made by
 * hand in the console, or left by an interrupted apply), and writes Terraform import blocks for it beside the
 * environment file (`<name>.imports.json`, config/imports.ts), so the next plan imports instead of failing to create.
 * A live object that differs from the file in a way the apply would change is reported field by field and not
 * imported; a secret scheduled for deletion is reported with the command that restores it.
 */
import {
  DescribePullThroughCacheRulesCommand,
  DescribeRepositoryCreationTemplatesCommand,
  ECRClient,
  GetRegistryPolicyCommand,
  GetRegistryScanningConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { GetPolicyCommand, GetPolicyVersionCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { displayPath, environmentsDirectory, loadEnvironment, PROJECT_ROOT, userPath } from '../config/environments';
import { type ImportBlock, importsFile } from '../config/imports';
import { isDefaultSecretsManagerKey } from '../lib/aws/ecr';
import { CliError } from './cli-error';
import { stackReference, synthesizedStacks } from './synthesized-stacks';

export interface AdoptOptions {
  readonly env: string;
  readonly environments?: string;
  /**
   * The stack's Terraform state (`terraform state pull > state.json`): what it already manages is left alone.
   * @default - the local state file of an environment without `state:` (terraform.ecr-cache-<name>.tfstate), if any
   */
  readonly state?: string;
  /**
   * Clear, in the `--state` file itself, the taint of a credential secret AWS holds intact. Only for a file that is
   * the stack's own local state, not a pulled copy (where it would change nothing Terraform reads).
   * @default - the local state file read by default is changed; a `--state` file is not, and the command is printed
   */
  readonly untaint?: boolean;
}

/**
 * What a Terraform state (format 4) manages: every address, and those Terraform marked tainted, with the ID (the ARN,
 * for a secret) it recorded for each.
 */
interface StateAddresses {
  readonly managed: Set<string>;
  readonly tainted: Map<string, string | undefined>;
}

function stateAddresses(stateFile: string | undefined): StateAddresses {
  if (stateFile === undefined || !existsSync(stateFile)) return { managed: new Set(), tainted: new Map() };
  type Instance = { index_key?: string | number; status?: string; attributes?: { arn?: string; id?: string } };
  let state: { resources?: { mode?: string; type: string; name: string; instances?: Instance[] }[] };
  const text = readFileSync(stateFile, 'utf8');
  // A Terraform killed while writing leaves an empty state file, which Terraform reads as no state (its local
  // backend, statemgr.Filesystem): so does adopt, and says so.
  if (text.trim() === '') {
    const backup = `${stateFile}.backup`;
    console.error(
      `note: ${displayPath(stateFile)} is empty: read as no state, as Terraform reads it (after a run killed while writing it, or a state pull before the first apply)` +
        (existsSync(backup) ? `; ${displayPath(backup)} holds the state before that run` : ''),
    );
    return { managed: new Set(), tainted: new Map() };
  }
  try {
    state = JSON.parse(text) as typeof state;
  } catch {
    throw new CliError(`${displayPath(stateFile)}: not a Terraform state (JSON, as terraform state pull prints it)`);
  }
  const instances = (state.resources ?? [])
    .filter((resource) => resource.mode === 'managed')
    .flatMap((resource) =>
      (resource.instances ?? [{}]).map((instance) => ({
        address: instance.index_key === undefined ? `${resource.type}.${resource.name}` : `${resource.type}.${resource.name}[${JSON.stringify(instance.index_key)}]`,
        tainted: instance.status === 'tainted',
        id: instance.attributes?.arn ?? instance.attributes?.id,
      })),
    );
  return {
    managed: new Set(instances.map(({ address }) => address)),
    tainted: new Map(instances.filter(({ tainted }) => tainted).map(({ address, id }) => [address, id])),
  };
}

/**
 * Clears Terraform's taint of a local state's resource, as `terraform untaint` does (with its backup and serial). Run
 * in an empty folder, where `-state` names the local state to change and no configuration or provider is needed.
 */
function untaint(stateFile: string, address: string): void {
  const folder = mkdtempSync(join(tmpdir(), 'ecr-cache-untaint-'));
  try {
    const run = spawnSync('terraform', ['untaint', '-no-color', `-state=${stateFile}`, address], { cwd: folder, encoding: 'utf8' });
    if (run.error) {
      throw new CliError(`cannot run terraform to untaint ${address} (${run.error.message}): install Terraform >= 1.5, or run terraform untaint -state=${stateFile} ${address} yourself`);
    }
    if (run.status !== 0) throw new CliError(`terraform untaint ${address} failed for ${displayPath(stateFile)}:\n${run.stderr.trim()}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

type Body = Record<string, unknown>;

/** What adopt found of one resource of the stack. */
interface Finding {
  readonly address: string;
  /** The live object's import ID, when it exists and may be imported. */
  readonly importId?: string;
  /** Fields where the live object differs from the file: the apply would change them. */
  readonly differences?: string[];
  /** Why it cannot be imported, and what to do. */
  readonly blocked?: string;
  /** Terraform's taint was cleared: AWS holds the object intact, and replacing it would do harm. */
  readonly untainted?: string;
}

const notFound = (error: unknown, ...names: string[]) => names.includes((error as { name?: string }).name ?? '');

/** A JSON document with its keys sorted and IAM's one-element shorthands expanded, to compare two policies by meaning. */
function canonical(text: unknown): string {
  const sort = (value: unknown, key?: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => sort(item));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value).sort().map((name) => [name, sort((value as Body)[name], name)]));
    }
    // IAM reads "Action": "x" as ["x"] (IAM JSON policy reference): compared as lists.
    return typeof value === 'string' && ['Action', 'NotAction', 'Resource', 'NotResource', 'Statement'].includes(key ?? '') ? [value] : value;
  };
  try {
    const parsed = typeof text === 'string' ? (JSON.parse(text) as unknown) : text;
    const document = parsed as { Statement?: unknown };
    if (document && typeof document === 'object' && document.Statement && !Array.isArray(document.Statement)) document.Statement = [document.Statement];
    return JSON.stringify(sort(parsed));
  } catch {
    return String(text);
  }
}

export async function adopt(options: AdoptOptions): Promise<number> {
  const folder = environmentsDirectory(options.environments);
  const environment = loadEnvironment(options.env, folder);
  const stackFolder = `cdktf.out/stacks/${environment.stackName}`;
  if (environment.state && options.state === undefined) {
    // Without the state, everything the stack manages would look unmanaged, and a tainted secret would go unseen.
    throw new CliError(
      `${displayPath(environment.file)}: state: ${environment.stackName} keeps its state in S3 (bucket ${environment.state.bucket}): give it to adopt with --state: ` +
        `terraform -chdir=${stackFolder} state pull > state.json (after npx cdktf synth and terraform -chdir=${stackFolder} init; before the first apply it prints nothing), then --state state.json`,
    );
  }
  if (options.untaint && options.state === undefined) throw new CliError('--untaint changes the --state file: give --state FILE, the stack\'s local state');
  if (options.untaint && environment.state) {
    throw new CliError(`--untaint: ${environment.stackName} keeps its state in S3, so a --state file is a copy: run the terraform untaint commands adopt prints instead`);
  }
  // The local backend's file is where the stack keeps it: the project root (stacks/ecr-cache-stack.ts).
  const stateFile = options.state !== undefined ? userPath(options.state) : join(PROJECT_ROOT, `terraform.${environment.stackName}.tfstate`);
  if (options.state !== undefined && !existsSync(stateFile)) throw new CliError(`--state ${options.state}: no such file (write it with terraform state pull > ${options.state})`);
  /** The state adopt may change: the local state it reads by default, or a --state file the user says is that. */
  const ownState = options.state === undefined || options.untaint === true;
  const { account, region } = environment;
  const resources = synthesizedStacks(folder).resources.get(environment.stackName)!;
  // As validate does: the SDK's note on Node 20 is not the user's business in this command's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const ecr = new ECRClient({ region });
  const secrets = new SecretsManagerClient({ region });
  const iam = new IAMClient({ region });
  const liveArns = new Map<string, string>();
  const findings: Finding[] = [];
  const { managed, tainted } = stateAddresses(stateFile);
  const untaints: string[] = [];
  const each = (type: string) =>
    Object.entries(resources[type] ?? {})
      .map(([name, body]) => ({ address: `${type}.${name}`, body, indexed: body.count !== undefined }))
      .filter(({ address, indexed }) => !managed.has(address) && !managed.has(`${address}[0]`) && !(indexed && managed.has(address)));
  const at = (address: string, indexed: boolean) => (indexed ? `${address}[0]` : address);

  /** A value of the stack with a reference to another of its resources resolved to what AWS names it, where known. */
  const resolve = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return undefined;
    const reference = stackReference(value);
    if (!reference) return value;
    const { type, name, attribute } = reference;
    const target = resources[type]?.[name];
    const literal = typeof target?.name === 'string' ? target.name : undefined;
    if (attribute === 'name') return literal;
    if (type === 'aws_iam_role' && attribute === 'arn' && literal) return `arn:aws:iam::${account}:role/${literal}`;
    if (type === 'aws_iam_policy' && attribute === 'arn' && literal) return `arn:aws:iam::${account}:policy/${literal}`;
    return liveArns.get(`${type}.${name}`);
  };
  const compare = (differences: string[], field: string, live: unknown, wanted: unknown, asJson = false) => {
    const same = asJson ? canonical(live ?? null) === canonical(wanted ?? null) : JSON.stringify(live ?? null) === JSON.stringify(wanted ?? null);
    if (!same) {
      differences.push(
        asJson ? `${field} in the account is another document than the file's` : `${field} is ${JSON.stringify(live ?? null)} in the account, ${JSON.stringify(wanted ?? null)} in the file`,
      );
    }
  };
  const restoreAdvice = (name: string, deletedDate: Date) =>
    `the secret ${name} is scheduled for deletion (${deletedDate.toISOString()}): its name is taken until the recovery window ends. ` +
    `Restore it with aws secretsmanager restore-secret --secret-id ${name} --region ${region}, then run adopt again`;
  const found = (address: string, importId: string, differences: string[]) =>
    findings.push(differences.length > 0 ? { address, differences } : { address, importId });
  /** The secret of that name in the account, scheduled for deletion or not; undefined where there is none. */
  const liveSecret = async (name: string) => {
    try {
      return await secrets.send(new DescribeSecretCommand({ SecretId: name }));
    } catch (error) {
      if (notFound(error, 'ResourceNotFoundException')) return undefined;
      throw error;
    }
  };
  /** How a live secret differs from the stack's, which always uses the default key: ECR cannot read one under another. */
  const secretDifferences = (secret: { KmsKeyId?: string }) => {
    const differences: string[] = [];
    if (secret.KmsKeyId !== undefined && !isDefaultSecretsManagerKey(secret.KmsKeyId)) compare(differences, 'kms_key_id', secret.KmsKeyId, 'aws/secretsmanager');
    return differences;
  };

  // A secret whose create Terraform did not see through (Ctrl-C after CreateSecret, before the provider's read-back)
  // is recorded as tainted (Terraform: a resource whose create returned an error after the object was made is tainted).
  // The next apply would replace it: DeleteSecret schedules the deletion and keeps the name for the recovery window
  // (Secrets Manager API reference, DeleteSecret and CreateSecret), so the create that follows fails. AWS holds it whole,
  // made by the stack: keep it.
  for (const [name, body] of Object.entries(resources.aws_secretsmanager_secret ?? {})) {
    const address = `aws_secretsmanager_secret.${name}`;
    if (!tainted.has(address)) continue;
    const recorded = tainted.get(address);
    const secretName = String(body.name);
    const secret = await liveSecret(secretName);
    if (!secret) continue; // gone: the re-apply makes it again
    const keepIt = `terraform -chdir=${stackFolder} untaint ${address} (after npx cdktf synth and terraform -chdir=${stackFolder} init), then apply`;
    if (secret.DeletedDate) {
      findings.push({ address, blocked: `${restoreAdvice(secretName, secret.DeletedDate)} (Terraform holds it as tainted)` });
    } else if (recorded !== undefined && recorded !== secret.ARN) {
      // Another secret of that name than the one Terraform recorded: made again since, or another account's.
      findings.push({
        address,
        blocked:
          `Terraform holds ${recorded} as tainted, but the secret ${secretName} in account ${account} is ${secret.ARN}: ` +
          `drop the record with terraform -chdir=${stackFolder} state rm ${address}, then run adopt again to import the one AWS holds`,
      });
    } else if (secretDifferences(secret).length > 0) {
      findings.push({ address, differences: secretDifferences(secret) });
    } else if (!ownState) {
      findings.push({
        address,
        blocked:
          `Terraform holds the secret ${secretName} as tainted (an interrupted create), and the next apply would schedule its deletion. ` +
          `AWS holds it intact: keep it with ${keepIt}`,
      });
    } else {
      untaints.push(address);
      findings.push({ address, untainted: `${secretName} exists intact in the account, as Terraform recorded it; the taint an interrupted create left in ${displayPath(stateFile)} is cleared, so the apply keeps it` });
    }
  }
  for (const { address, body } of each('aws_secretsmanager_secret')) {
    const name = String(body.name);
    const secret = await liveSecret(name);
    if (!secret) continue;
    if (secret.DeletedDate) {
      findings.push({ address, blocked: restoreAdvice(name, secret.DeletedDate) });
      continue;
    }
    liveArns.set(address, secret.ARN!);
    found(address, secret.ARN!, secretDifferences(secret));
  }
  for (const { address, body, indexed } of each('aws_ecr_pull_through_cache_rule')) {
    const prefix = String(body.ecr_repository_prefix);
    try {
      const [rule] = (await ecr.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: [prefix] }))).pullThroughCacheRules ?? [];
      if (!rule) continue;
      const differences: string[] = [];
      compare(differences, 'upstream_registry_url', rule.upstreamRegistryUrl, body.upstream_registry_url);
      if (body.credential_arn !== undefined) {
        const wanted = resolve(body.credential_arn);
        if (wanted === undefined) differences.push(`credential_arn is ${rule.credentialArn ?? 'none'} in the account; the stack's secret does not exist yet`);
        else compare(differences, 'credential_arn', rule.credentialArn, wanted);
      } else if (rule.credentialArn) compare(differences, 'credential_arn', rule.credentialArn, null);
      compare(differences, 'custom_role_arn', rule.customRoleArn, body.custom_role_arn === undefined ? undefined : resolve(body.custom_role_arn));
      if (body.upstream_repository_prefix !== undefined) compare(differences, 'upstream_repository_prefix', rule.upstreamRepositoryPrefix, body.upstream_repository_prefix);
      found(at(address, indexed), prefix, differences);
    } catch (error) {
      if (!notFound(error, 'PullThroughCacheRuleNotFoundException')) throw error;
    }
  }
  for (const { address, body } of each('aws_ecr_repository_creation_template')) {
    const prefix = String(body.prefix);
    const [template] = (await ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: [prefix] }))).repositoryCreationTemplates ?? [];
    if (!template) continue;
    const differences: string[] = [];
    compare(differences, 'applied_for', [...(template.appliedFor ?? [])].sort(), [...((body.applied_for as string[] | undefined) ?? [])].sort());
    compare(differences, 'image_tag_mutability', template.imageTagMutability, body.image_tag_mutability ?? 'MUTABLE');
    compare(differences, 'description', template.description, body.description);
    compare(differences, 'lifecycle_policy', template.lifecyclePolicy, body.lifecycle_policy, true);
    compare(differences, 'repository_policy', template.repositoryPolicy, body.repository_policy, true);
    compare(differences, 'custom_role_arn', template.customRoleArn, body.custom_role_arn === undefined ? undefined : resolve(body.custom_role_arn));
    const tags = Object.fromEntries((template.resourceTags ?? []).map((tag): [string, string] => [tag.Key ?? '', tag.Value ?? '']));
    compare(differences, 'resource_tags', tags, body.resource_tags ?? {}, true);
    found(address, prefix, differences);
  }
  for (const { address, body } of each('aws_ecr_registry_policy')) {
    try {
      const policy = await ecr.send(new GetRegistryPolicyCommand({}));
      const differences: string[] = [];
      compare(differences, 'policy', policy.policyText, body.policy, true);
      found(address, account, differences);
    } catch (error) {
      if (!notFound(error, 'RegistryPolicyNotFoundException')) throw error;
    }
  }
  for (const { address, body } of each('aws_ecr_registry_scanning_configuration')) {
    const { scanningConfiguration } = await ecr.send(new GetRegistryScanningConfigurationCommand({}));
    // Every registry has a configuration; only one someone set (not basic with no rules) is worth a word.
    if (!scanningConfiguration || (scanningConfiguration.scanType === 'BASIC' && (scanningConfiguration.rules ?? []).length === 0)) continue;
    const differences: string[] = [];
    compare(differences, 'scan_type', scanningConfiguration.scanType, body.scan_type);
    const rules = (scanningConfiguration.rules ?? []).map((rule) => ({
      scan_frequency: rule.scanFrequency,
      repository_filter: (rule.repositoryFilters ?? []).map((filter) => ({ filter: filter.filter, filter_type: filter.filterType })),
    }));
    compare(differences, 'rule', rules, body.rule ?? [], true);
    found(address, account, differences);
  }
  for (const { address, body } of each('aws_iam_role')) {
    try {
      const { Role: role } = await iam.send(new GetRoleCommand({ RoleName: String(body.name) }));
      const differences: string[] = [];
      compare(differences, 'assume_role_policy', decodeURIComponent(role!.AssumeRolePolicyDocument ?? ''), body.assume_role_policy, true);
      found(address, String(body.name), differences);
    } catch (error) {
      if (!notFound(error, 'NoSuchEntityException', 'NoSuchEntity')) throw error;
    }
  }
  for (const { address, body } of each('aws_iam_policy')) {
    const arn = `arn:aws:iam::${account}:policy/${String(body.name)}`;
    try {
      const { Policy: policy } = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
      const { PolicyVersion: version } = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy!.DefaultVersionId }));
      const differences: string[] = [];
      compare(differences, 'policy', decodeURIComponent(version!.Document ?? ''), body.policy, true);
      found(address, arn, differences);
    } catch (error) {
      if (!notFound(error, 'NoSuchEntityException', 'NoSuchEntity')) throw error;
    }
  }
  for (const { address, body } of each('aws_iam_role_policy')) {
    const role = resolve(body.role);
    if (role === undefined) continue;
    try {
      const policy = await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: String(body.name) }));
      const differences: string[] = [];
      compare(differences, 'policy', decodeURIComponent(policy.PolicyDocument ?? ''), body.policy, true);
      found(address, `${role}:${String(body.name)}`, differences);
    } catch (error) {
      if (!notFound(error, 'NoSuchEntityException', 'NoSuchEntity')) throw error;
    }
  }
  for (const { address, body } of each('aws_iam_role_policy_attachment')) {
    const role = resolve(body.role);
    const policyArn = resolve(body.policy_arn);
    if (role === undefined || policyArn === undefined) continue;
    try {
      const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? [];
      if (attached.some((policy) => policy.PolicyArn === policyArn)) found(address, `${role}/${policyArn}`, []);
    } catch (error) {
      if (!notFound(error, 'NoSuchEntityException', 'NoSuchEntity')) throw error;
    }
  }

  // Changed only once everything is read, so that a failed read leaves the state as it was.
  for (const address of untaints) untaint(stateFile, address);
  const imports: ImportBlock[] = findings.flatMap((finding) => (finding.importId !== undefined ? [{ to: finding.address, id: finding.importId }] : []));
  for (const finding of findings) {
    if (finding.importId !== undefined) console.log(`import   ${finding.address}  (${finding.importId})`);
    for (const difference of finding.differences ?? []) console.log(`differs  ${finding.address}: ${difference}`);
    if (finding.blocked) console.log(`blocked  ${finding.address}: ${finding.blocked}`);
    if (finding.untainted) console.log(`untaint  ${finding.address}: ${finding.untainted}`);
  }
  const file = importsFile(environment.file, environment.name);
  if (imports.length > 0) writeFileSync(file, `${JSON.stringify(imports, null, 2)}\n`);
  else rmSync(file, { force: true });
  const refused = findings.filter((finding) => finding.importId === undefined && finding.untainted === undefined);
  const untainted = findings.filter((finding) => finding.untainted !== undefined).length;
  const summary =
    imports.length > 0
      ? `wrote ${displayPath(file)}: ${imports.length} import block(s); review it, then plan: npx cdktf deploy ${environment.stackName} (the plan says "import")`
      : untainted > 0
        ? `${environment.stackName}: ${untainted} tainted secret(s) kept, nothing to import; apply again: npx cdktf deploy ${environment.stackName}`
        : `${environment.stackName}: nothing of the stack exists in account ${account}, ${region}: nothing to adopt`;
  console.log(summary);
  if (refused.length > 0) {
    throw new CliError(
      `${refused.length} object(s) of ${environment.stackName} exist in the account but were not adopted (above): ` +
        'make them match the environment file (or the file match them), or delete them, then run adopt again',
    );
  }
  return 0;
}
