/**
 * A loopback HTTP server that speaks ECR's JSON protocol (awsJson1_1) for ValidatePullThroughCacheRule, so the
 * real AWS SDK is tested over real HTTP. It records each request; rules it does not know answer as AWS does for a
 * missing rule.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly target: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

export interface FakeEcr {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** ECR's answer for one rule; `upstreamRegistryUrl` where the test wants ECR's rule to differ from the file. */
export type RuleAnswer = ({ readonly isValid: true } | { readonly isValid: false; readonly failure: string }) & { readonly upstreamRegistryUrl?: string };

export async function startFakeEcr(rules: Record<string, RuleAnswer>, options: { readonly status?: number; readonly errorType?: string } = {}): Promise<FakeEcr> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    request.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      requests.push({ target: request.headers['x-amz-target'] as string | undefined, headers: request.headers, body });
      const send = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${requests.length}` });
        response.end(JSON.stringify(payload));
      };
      if (options.errorType) return send(options.status ?? 400, { __type: options.errorType, message: 'User: arn:aws:sts::111111111111:assumed-role/ci is not authorized' });
      if (request.headers['x-amz-target'] !== 'AmazonEC2ContainerRegistry_V20150921.ValidatePullThroughCacheRule') {
        return send(400, { __type: 'UnknownOperationException', message: 'unexpected operation' });
      }
      const prefix = String(body.ecrRepositoryPrefix);
      const answer = rules[prefix];
      if (!answer) {
        return send(400, {
          __type: 'com.amazonaws.ecr#PullThroughCacheRuleNotFoundException',
          message: `The pull through cache rule with prefix '${prefix}' does not exist in the registry with id '${String(body.registryId)}'`,
        });
      }
      send(200, {
        ecrRepositoryPrefix: prefix,
        registryId: body.registryId,
        credentialArn: `arn:aws:secretsmanager:eu-west-2:${String(body.registryId)}:secret:ecr-pullthroughcache/${prefix}-AbCdEf`,
        ...answer,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
