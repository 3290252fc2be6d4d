/**
 * Amazon EKS access entries in the loopback AWS (restJson1), as the EKS API reference documents CreateAccessEntry,
 * DescribeAccessEntry, DeleteAccessEntry and the tag actions. Clusters are not created here: a test or
 * `apply:loopback` says which exist, as a team's account already has its cluster.
 */
import { AwsError, epochSeconds, randomId, text } from './protocol';
import type { AccessEntry, LoopbackState, RegionState } from './state';

/** EKS API reference, CreateAccessEntry `type`. */
const ACCESS_ENTRY_TYPES = ['STANDARD', 'FARGATE_LINUX', 'EC2_LINUX', 'EC2_WINDOWS', 'EC2', 'HYBRID_LINUX', 'HYPERPOD_LINUX'];

export interface RestRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
}

export function eksHandler(loopback: LoopbackState): (request: RestRequest, state: RegionState) => { action: string; result: unknown } | undefined {
  const cluster = (state: RegionState, name: string) => {
    const entries = state.clusters.get(name);
    if (!entries) throw new AwsError('ResourceNotFoundException', `No cluster found for name: ${name}.`, 404);
    return entries;
  };
  const view = (entry: AccessEntry) => ({ ...entry, createdAt: epochSeconds(entry.createdAt), modifiedAt: epochSeconds(entry.modifiedAt) });
  const byArn = (state: RegionState, arn: string) => {
    for (const entries of state.clusters.values()) for (const entry of entries.values()) if (entry.accessEntryArn === arn) return entry;
    throw new AwsError('NotFoundException', `Resource ${arn} not found.`, 404);
  };

  return (request, state) => {
    const entriesPath = /^\/clusters\/([^/]+)\/access-entries(?:\/([^/]+))?$/.exec(request.path);
    if (entriesPath) {
      const entries = cluster(state, decodeURIComponent(entriesPath[1]));
      const clusterName = decodeURIComponent(entriesPath[1]);
      const principal = entriesPath[2] === undefined ? undefined : decodeURIComponent(entriesPath[2]);
      if (request.method === 'POST' && principal === undefined) {
        const body = request.body;
        const principalArn = text(body.principalArn ?? '');
        const type = text(body.type ?? 'STANDARD');
        if (!ACCESS_ENTRY_TYPES.includes(type)) throw new AwsError('InvalidParameterException', `The type ${type} is not valid.`);
        const role = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(principalArn);
        // EKS checks that the principal exists (API reference, CreateAccessEntry: "The IAM principal ... must exist").
        if (!role || !loopback.iam(role[1]).roleByArn(principalArn)) throw new AwsError('InvalidParameterException', `The specified principalArn is invalid: invalid principal ${principalArn}`);
        // EKS user guide, access entries: EC2_LINUX entries take no Kubernetes groups or username; EKS sets them.
        if (type !== 'STANDARD' && ((body.kubernetesGroups as unknown[] | undefined)?.length || body.username)) {
          throw new AwsError('InvalidParameterException', `Kubernetes groups and a username cannot be set for an access entry of type ${type}.`);
        }
        if (entries.has(principalArn)) throw new AwsError('ResourceInUseException', `The specified access entry resource is already in use on this cluster.`, 409);
        const now = loopback.now();
        const entry: AccessEntry = {
          clusterName,
          principalArn,
          type,
          username: type === 'STANDARD' ? text(body.username ?? principalArn) : 'system:node:{{EC2PrivateDNSName}}',
          kubernetesGroups: type === 'STANDARD' ? ((body.kubernetesGroups as string[] | undefined) ?? []) : ['system:nodes'],
          accessEntryArn: `arn:aws:eks:${state.region}:${state.account}:access-entry/${clusterName}/role/${role[1]}/${role[2]}/${randomId(8).toLowerCase()}`,
          createdAt: now,
          modifiedAt: now,
          tags: (body.tags as Record<string, string> | undefined) ?? {},
        };
        entries.set(principalArn, entry);
        return { action: 'CreateAccessEntry', result: { accessEntry: view(entry) } };
      }
      if (principal !== undefined) {
        const entry = entries.get(principal);
        if (!entry) throw new AwsError('ResourceNotFoundException', `The specified access entry resource could not be found.`, 404);
        if (request.method === 'GET') return { action: 'DescribeAccessEntry', result: { accessEntry: view(entry) } };
        if (request.method === 'DELETE') {
          entries.delete(principal);
          return { action: 'DeleteAccessEntry', result: {} };
        }
      }
      return undefined;
    }
    const tagsPath = /^\/tags\/(.+)$/.exec(request.path);
    if (tagsPath) {
      const entry = byArn(state, decodeURIComponent(tagsPath[1]));
      if (request.method === 'GET') return { action: 'ListTagsForResource', result: { tags: entry.tags } };
      if (request.method === 'POST') {
        entry.tags = { ...entry.tags, ...(request.body.tags as Record<string, string>) };
        return { action: 'TagResource', result: {} };
      }
      if (request.method === 'DELETE') {
        for (const key of request.query.getAll('tagKeys')) delete entry.tags[key];
        return { action: 'UntagResource', result: {} };
      }
    }
    return undefined;
  };
}
