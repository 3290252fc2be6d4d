/**
 * `node-config`: the node configuration that makes a node's container runtime pull upstream images through the
 * cache, with no manifest rewritten: containerd's hosts.toml and the kubelet's credential provider config, or the
 * same as nodeadm user data, Bottlerocket settings, or a Karpenter EC2NodeClass.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheOf } from '../config/environment';
import { displayPath, environmentsDirectory, loadEnvironment, userPath } from '../config/environments';
import { bottlerocketSettings } from '../lib/nodes/bottlerocket';
import { credentialProviderConfig, hostsToml, WRITTEN_BY_NODE_CONFIG } from '../lib/nodes/containerd';
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
  /** false with --no-fallback: containerd never tries the upstream. */
  readonly fallback: boolean;
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
  const bottlerocket = format === 'bottlerocket' || (format === 'karpenter' && family === 'bottlerocket');
  if (bottlerocket && !options.fallback) {
    throw new CliError('Bottlerocket always keeps the upstream as a fallback (bottlerocket-os/bottlerocket #4891): --no-fallback cannot be honoured there');
  }
  if (format === 'containerd' && options.out === undefined) throw new CliError('--format containerd writes a folder of files: give --out DIR');

  const environment = loadEnvironment(options.env, environmentsDirectory(options.environments));
  const cache = cacheOf(environment);
  const { mirrors, leftOut } = nodeMirrors(cache);
  for (const rule of leftOut) console.error(`left out: rule ${rule.prefix} (${rule.upstream}): ${rule.reason}`);
  if (mirrors.length === 0) throw new CliError(`no rule of ${cache.name} can be a registry mirror on the nodes`);
  if (cache.region !== environment.region) {
    console.error(
      `note: these nodes run in ${environment.region} and the cache is in ${cache.region}: the credential provider config sets ` +
        `AWS_REGION=${cache.region} so the tokens are the cache's, and every pull crosses regions`,
    );
  }

  const hostsOptions = { fallback: options.fallback };
  const files: [string, string][] = (() => {
    switch (format) {
      case 'containerd':
        return [
          ...mirrors.map((mirror): [string, string] => [join('certs.d', mirror.host, 'hosts.toml'), hostsToml(mirror, hostsOptions)]),
          ['credential-provider.json', `${JSON.stringify(credentialProviderConfig(mirrors, cache.region), null, 2)}\n`],
        ];
      case 'nodeadm':
        return [['user-data.mime', nodeadmUserData(mirrors, cache.region, hostsOptions)]];
      case 'bottlerocket':
        return [['user-data.toml', bottlerocketSettings(mirrors, cache.region)]];
      case 'karpenter': {
        const userData = family === 'bottlerocket' ? bottlerocketSettings(mirrors, cache.region) : nodeadmUserData(mirrors, cache.region, hostsOptions);
        const name = `${environment.stackName}-${family}`;
        return [[`${name}.yaml`, ec2NodeClass({ name, family, userData, cluster: options.cluster!, role: options.role ?? `KarpenterNodeRole-${options.cluster}` })]];
      }
    }
  })();

  if (options.out === undefined) {
    process.stdout.write(files[0][1]);
    return 0;
  }
  const out = userPath(options.out);
  for (const [path, content] of files) {
    const target = join(out, path);
    mkdirSync(dirname(target), { recursive: true });
    // Each file appears whole or not at all: containerd reads hosts.toml at every pull.
    writeFileSync(`${target}.partial`, content);
    renameSync(`${target}.partial`, target);
    console.log(`wrote ${displayPath(target)}`);
  }
  if (format === 'containerd') removeStaleHosts(join(out, 'certs.d'), new Set(mirrors.map((mirror) => mirror.host)));
  return 0;
}

/** Removes the hosts.toml files an earlier run wrote for hosts that are no longer mirrored; leaves every other file. */
function removeStaleHosts(certsD: string, mirrored: ReadonlySet<string>): void {
  for (const host of readdirSync(certsD).filter((entry) => !mirrored.has(entry))) {
    const file = join(certsD, host, 'hosts.toml');
    if (!existsSync(file) || !readFileSync(file, 'utf8').startsWith(WRITTEN_BY_NODE_CONFIG)) continue;
    rmSync(file);
    if (readdirSync(join(certsD, host)).length === 0) rmdirSync(join(certsD, host));
    console.log(`removed ${displayPath(file)}: ${host} is no longer mirrored`);
  }
}
