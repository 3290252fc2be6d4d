/**
 * `node-config`: the node configuration that makes a node's container runtime pull upstream images through the
 * cache, with no manifest rewritten: containerd's hosts.toml and the kubelet's credential provider config, or the
 * same as nodeadm user data, Bottlerocket settings, or a Karpenter EC2NodeClass.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheOf, type Environment } from '../config/environment';
import { FolderError, makeFolder } from '../config/folders';
import { displayPath, environmentsDirectory, loadEnvironment, userPath } from '../config/environments';
import { eksClusterNameProblem } from '../lib/aws/names';
import { bottlerocketSettings } from '../lib/nodes/bottlerocket';
import { credentialProviderJson, hostsToml, WRITTEN_BY_NODE_CONFIG } from '../lib/nodes/containerd';
import { ec2NodeClass, type NodeFamily } from '../lib/nodes/karpenter';
import { nodeMirrors } from '../lib/nodes/mirrors';
import { nodeadmUserData } from '../lib/nodes/nodeadm';
import { CliError } from './cli-error';

export const NODE_CONFIG_FORMATS = ['containerd', 'nodeadm', 'bottlerocket', 'karpenter'] as const;
export type NodeConfigFormat = (typeof NODE_CONFIG_FORMATS)[number];

export interface NodeConfigOptions {
  readonly env: string;
  readonly environments?: string;
  readonly format: string;
  /** Where to write; the one-document formats print to standard output without it. */
  readonly out?: string;
  /** true with --fallback, false with --no-fallback; by default the cache is the only host (Bottlerocket cannot). */
  readonly fallback?: boolean;
  /** karpenter: the node family of the user data. */
  readonly family?: string;
  /** karpenter: the cluster, as its subnets and security groups are tagged for Karpenter. */
  readonly cluster?: string;
  /** karpenter: the nodes' IAM role. */
  readonly role?: string;
}

export function nodeConfig(options: NodeConfigOptions): number {
  const format = options.format as NodeConfigFormat;
  if (!NODE_CONFIG_FORMATS.includes(format)) throw new CliError(`--format ${options.format}: one of ${NODE_CONFIG_FORMATS.join(', ')}`);
  const family = (options.family ?? 'al2023') as NodeFamily;
  if (!['al2023', 'bottlerocket'].includes(family)) throw new CliError(`--family ${options.family}: al2023 or bottlerocket`);
  if (options.family !== undefined && format !== 'karpenter') throw new CliError('--family is for --format karpenter');
  if ((options.cluster !== undefined || options.role !== undefined) && format !== 'karpenter') throw new CliError('--cluster and --role are for --format karpenter');
  if (format === 'karpenter' && options.cluster === undefined) throw new CliError('--format karpenter needs --cluster, the name its subnets and security groups are tagged with');
  const clusterProblem = options.cluster === undefined ? undefined : eksClusterNameProblem(options.cluster);
  if (clusterProblem) throw new CliError(`--cluster ${clusterProblem}`);
  const bottlerocket = format === 'bottlerocket' || (format === 'karpenter' && family === 'bottlerocket');
  if (bottlerocket && options.fallback === false) {
    throw new CliError('Bottlerocket always keeps the upstream as a fallback (bottlerocket-os/bottlerocket #4891): --no-fallback cannot be honoured there');
  }
  if (format === 'containerd' && options.out === undefined) throw new CliError('--format containerd writes a folder of files: give --out DIR');

  const environment = loadEnvironment(options.env, environmentsDirectory(options.environments));
  const cache = cacheOf(environment);
  const { mirrors, leftOut } = nodeMirrors(cache);
  for (const rule of leftOut) console.error(`left out: rule ${rule.prefix} (${rule.upstream}): ${rule.reason}`);
  if (mirrors.length === 0) throw new CliError(`${cache.file}: no rule of ${cache.name} can be a registry mirror on the nodes`);
  const karpenter = format === 'karpenter' ? karpenterRole(environment, options.cluster!, options.role) : undefined;
  for (const warning of karpenter?.warnings ?? []) console.error(warning);
  if (cache.region !== environment.region) {
    console.error(
      `note: these nodes run in ${environment.region} and the cache is in ${cache.region}: the credential provider config sets ` +
        `AWS_REGION=${cache.region} so the tokens are the cache's, and every pull crosses regions`,
    );
  }
  if (bottlerocket) {
    console.error(
      'note: Bottlerocket always keeps the upstream as a fallback (bottlerocket-os/bottlerocket #4891): when the cache fails, ' +
        "containerd sends the upstream the node's ECR token (see docs/node-mirrors.md)",
    );
  }

  const hostsOptions = { fallback: options.fallback ?? false };
  const files: [string, string][] = (() => {
    switch (format) {
      case 'containerd':
        return [
          ...mirrors.map((mirror): [string, string] => [join('certs.d', mirror.host, 'hosts.toml'), hostsToml(mirror, hostsOptions)]),
          ['credential-provider.json', credentialProviderJson(mirrors, cache.region)],
        ];
      case 'nodeadm':
        return [['user-data.mime', nodeadmUserData(mirrors, cache.region, hostsOptions)]];
      case 'bottlerocket':
        return [['user-data.toml', bottlerocketSettings(mirrors, cache.region)]];
      case 'karpenter': {
        const userData = family === 'bottlerocket' ? bottlerocketSettings(mirrors, cache.region) : nodeadmUserData(mirrors, cache.region, hostsOptions);
        const name = `${environment.stackName}-${family}`;
        return [[`${name}.yaml`, ec2NodeClass({ name, family, userData, cluster: options.cluster!, role: karpenter!.role })]];
      }
    }
  })();

  if (options.out === undefined) {
    process.stdout.write(files[0][1]);
    return 0;
  }
  writeFiles(userPath(options.out), options.out, files);
  if (format === 'containerd') removeStaleHosts(join(userPath(options.out), 'certs.d'), new Set(mirrors.map((mirror) => mirror.host)));
  return 0;
}

/**
 * The role Karpenter gives its nodes: by default `KarpenterNodeRole-<cluster>`, the one role Karpenter's reference
 * controller policy may pass (karpenter-provider-aws website, getting-started `cloudformation.yaml`,
 * `AllowPassingInstanceRole`: iam:PassRole on KarpenterNodeRole-${ClusterName}), and which its guide gives an access
 * entry. The stack gives the cache's pull policy only to the environment's node roles, so any other role is warned.
 */
export function karpenterRole(environment: Environment, cluster: string, requested: string | undefined): { role: string; warnings: string[] } {
  const role = requested ?? `KarpenterNodeRole-${cluster}`;
  const file = environment.file;
  const warnings: string[] = [];
  if (role === environment.nodes.createRole) {
    warnings.push(
      `warning: --role ${role} is the node role ${environment.stackName} creates: Karpenter's documented controller policy may pass only ` +
        `KarpenterNodeRole-${cluster} (iam:PassRole), so give its controller iam:PassRole on ${role}` +
        (environment.nodes.cluster === undefined ? `, and set nodes.cluster in ${file} so the role gets the EKS access entry its nodes need to join` : ''),
    );
  } else if (!environment.nodes.existingRoles.includes(role)) {
    warnings.push(
      `warning: --role ${role} is not a node role of ${file} (nodes.existingRoles): its stack does not give it the pull policy, so the first pull ` +
        `of an image the cache does not hold yet fails; add ${role} to nodes.existingRoles and apply`,
    );
  }
  return { role, warnings };
}

/**
 * Writes every file, or none: all are written beside their targets first, then renamed into place (containerd reads
 * hosts.toml at every pull, so a file is never seen half-written). A target that cannot be written fails the command
 * before any file is replaced.
 */
function writeFiles(out: string, outOption: string, files: readonly (readonly [string, string])[]): void {
  for (const [path] of files) {
    const target = join(out, path);
    if (existsSync(target) && !statSync(target).isFile()) throw new CliError(`${displayPath(target)}: is not a file`);
  }
  const written: string[] = [];
  try {
    for (const [path, content] of files) {
      const target = join(out, path);
      makeFolder(dirname(target));
      writeFileSync(`${target}.partial`, content);
      written.push(target);
    }
  } catch (error) {
    for (const target of written) rmSync(`${target}.partial`, { force: true });
    if (error instanceof CliError) throw error;
    if (error instanceof FolderError) throw new CliError(`--out ${outOption}: ${error.message}; give --out a folder that can be made`);
    const { path, message } = error as NodeJS.ErrnoException;
    throw new CliError(`${path !== undefined ? displayPath(path) : displayPath(out)}: cannot write: ${message}`);
  }
  for (const target of written) {
    renameSync(`${target}.partial`, target);
    console.log(`wrote ${displayPath(target)}`);
  }
}

/** Removes the hosts.toml files an earlier run wrote for hosts that are no longer mirrored; leaves every other file. */
function removeStaleHosts(certsD: string, mirrored: ReadonlySet<string>): void {
  for (const host of readdirSync(certsD).filter((entry) => !mirrored.has(entry))) {
    const file = join(certsD, host, 'hosts.toml');
    if (!existsSync(file) || !statSync(file).isFile() || !readFileSync(file, 'utf8').startsWith(WRITTEN_BY_NODE_CONFIG)) continue;
    rmSync(file);
    if (readdirSync(join(certsD, host)).length === 0) rmdirSync(join(certsD, host));
    console.log(`removed ${displayPath(file)}: ${host} is no longer mirrored`);
  }
}
