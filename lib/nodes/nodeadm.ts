/**
 * User data for Amazon Linux 2023 EKS nodes (nodeadm). From amazon-eks-ami's nodeadm source:
 * - nodeadm reads only the `application/node.eks.aws` parts of a MIME multipart user data and merges them, a later
 *   part's kubelet flags appended to an earlier's (nodeadm/internal/configprovider/mime.go, internal/api/merge.go);
 * - nodeadm-config.service writes its own files before cloud-init; cloud-init's final stage runs shell parts; only then
 *   does nodeadm-run.service start containerd and the kubelet (templates/al2023/runtime/rootfs/etc/systemd/system): so
 *   a shell part puts the files in place before the kubelet starts;
 * - containerd reads `/etc/containerd/certs.d` (nodeadm's config_path) at every pull;
 * - nodeadm writes its own credential provider config, with ECR's patterns only, at every boot: the mirrors get a
 *   file of their own, and a kubelet flag appended after nodeadm's (the last one wins) points the kubelet at it.
 * A NodeConfig cannot carry files, and nodeadm has no setting for the provider's patterns (amazon-eks-ami PR #2336,
 * not merged).
 */
import { stringify } from 'yaml';
import { CONTAINERD_CERTS_D, credentialProviderJson, hostsToml, type HostsTomlOptions } from './containerd';
import type { HostMirror } from './mirrors';

/** The mirrors' credential provider config on an AL2023 node, beside nodeadm's own config.json. */
export const NODEADM_CREDENTIAL_PROVIDER_CONFIG = '/etc/eks/image-credential-provider/ecr-cache-mirrors.json';

const BOUNDARY = 'ecr-pull-through-cache';

/** A file on the node, written by a shell part of the user data. */
export interface NodeFile {
  readonly path: string;
  readonly content: string;
}

/** What the nodes need on disk: a hosts.toml per mirrored host, and the credential provider config. */
export function nodeFiles(mirrors: readonly HostMirror[], cacheRegion: string, options: HostsTomlOptions = {}): NodeFile[] {
  return [
    ...mirrors.map((mirror) => ({ path: `${CONTAINERD_CERTS_D}/${mirror.host}/hosts.toml`, content: hostsToml(mirror, options) })),
    { path: NODEADM_CREDENTIAL_PROVIDER_CONFIG, content: credentialProviderJson(mirrors, cacheRegion) },
  ];
}

/** A shell script that writes the files, each from a quoted heredoc (nothing in it is expanded). */
export function writeFilesScript(files: readonly NodeFile[]): string {
  const lines = ['#!/bin/bash', '# Written by ecr-pull-through-cache node-config: the ECR pull-through cache as registry mirrors.', 'set -euo pipefail'];
  files.forEach((file, index) => {
    const end = `ECR_CACHE_EOF_${index}`;
    if (file.content.split('\n').includes(end)) throw new Error(`${file.path} holds the line ${end}`);
    lines.push(`mkdir -p '${file.path.slice(0, file.path.lastIndexOf('/'))}'`, `cat > '${file.path}' <<'${end}'`, file.content.replace(/\n$/, ''), end);
  });
  return `${lines.join('\n')}\n`;
}

/** The NodeConfig part: the kubelet's flag that points it at the mirrors' credential provider config. */
export function mirrorsNodeConfig(): string {
  return `---\n${stringify({
    apiVersion: 'node.eks.aws/v1alpha1',
    kind: 'NodeConfig',
    spec: { kubelet: { flags: [`--image-credential-provider-config=${NODEADM_CREDENTIAL_PROVIDER_CONFIG}`] } },
  })}`;
}

/**
 * The MIME multi-part user data: the shell part that writes the files, then the NodeConfig. nodeadm merges it with
 * the node's other NodeConfig (the cluster's, or Karpenter's).
 */
export function nodeadmUserData(mirrors: readonly HostMirror[], cacheRegion: string, options: HostsTomlOptions = {}): string {
  return [
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
    '',
    `--${BOUNDARY}`,
    'Content-Type: text/x-shellscript; charset="us-ascii"',
    '',
    writeFilesScript(nodeFiles(mirrors, cacheRegion, options)),
    `--${BOUNDARY}`,
    'Content-Type: application/node.eks.aws',
    '',
    mirrorsNodeConfig(),
    `--${BOUNDARY}--`,
    '',
  ].join('\n');
}
