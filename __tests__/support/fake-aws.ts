/**
 * A loopback HTTP server that speaks the JSON protocol (awsJson1_1) of the ECR and Secrets Manager operations this
 * project's tools and stacks use, so the real AWS SDK and the real Terraform provider are tested over real HTTP.
 * It keeps the rules and secrets it is given or asked to create, and answers as AWS documents for what it lacks.
 * It records every request; an operation it does not know answers 400 UnknownOperationException, so a test sees it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  /** When it arrived: `performance.now()` of the test process. */
  readonly at: number;
  readonly target: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

/** What ValidatePullThroughCacheRule answers for one rule; `upstreamRegistryUrl` where ECR's rule differs from the file. */
export type RuleAnswer = ({ readonly isValid: true } | { readonly isValid: false; readonly failure: string }) & { readonly upstreamRegistryUrl?: string };

export interface FakeSecret {
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
  readonly tags: { Key: string; Value: string }[];
  /** Version ids with their staging labels; none until a value is put. */
  readonly versions: Record<string, string[]>;
  /** What PutSecretValue wrote, by version id. */
  readonly values: Record<string, string>;
}

export interface FakeAwsOptions {
  /** Rules that exist, by prefix, with ValidatePullThroughCacheRule's answer. */
  readonly rules?: Record<string, RuleAnswer>;
  /** Secrets that exist, by name: with a value or not. */
  readonly secrets?: Record<string, { readonly hasValue: boolean }>;
  /** Answer every request with this error (`AccessDeniedException`, ...). */
  readonly errorType?: string;
  readonly status?: number;
  /** The account the fake registry and secrets belong to. */
  readonly account?: string;
  readonly region?: string;
}

export interface FakeAws {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  /** Pull-through cache rules as ECR holds them, by prefix. */
  readonly rules: Map<string, Record<string, unknown>>;
  readonly secrets: Map<string, FakeSecret>;
  /** Gives a secret a current value, as `put-secret-value` does; returns the version id. */
  putSecretValue(name: string, value?: string): string;
  close(): Promise<void>;
}

const ECR = 'AmazonEC2ContainerRegistry_V20150921.';
const SECRETS_MANAGER = 'secretsmanager.';

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const account = options.account ?? '111111111111';
  const region = options.region ?? 'eu-west-2';
  const requests: RecordedRequest[] = [];
  const rules = new Map<string, Record<string, unknown>>();
  const answers = new Map<string, RuleAnswer>(Object.entries(options.rules ?? {}));
  const secrets = new Map<string, FakeSecret>();
  let versionCounter = 0;
  const secretArn = (name: string) => `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;
  const putSecretValue = (name: string, value = '{"username":"u","accessToken":"t"}', versionId = `version-${++versionCounter}`) => {
    const secret = secrets.get(name);
    if (!secret) throw new Error(`no secret ${name}`);
    for (const stages of Object.values(secret.versions)) stages.splice(0, stages.length, ...stages.filter((stage) => stage !== 'AWSCURRENT'));
    secret.versions[versionId] = ['AWSCURRENT'];
    secret.values[versionId] = value;
    return versionId;
  };
  for (const [name, { hasValue }] of Object.entries(options.secrets ?? {})) {
    secrets.set(name, { name, arn: secretArn(name), tags: [], versions: {}, values: {} });
    if (hasValue) putSecretValue(name);
  }
  for (const prefix of answers.keys()) rules.set(prefix, { ecrRepositoryPrefix: prefix, registryId: account });

  const findSecret = (id: unknown): FakeSecret => {
    const secret = [...secrets.values()].find((candidate) => candidate.name === id || candidate.arn === id);
    if (!secret) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  };
  const findRule = (prefix: unknown): Record<string, unknown> => {
    const rule = rules.get(String(prefix));
    if (!rule) {
      throw new AwsError(
        'com.amazonaws.ecr#PullThroughCacheRuleNotFoundException',
        `The pull through cache rule with prefix '${String(prefix)}' does not exist in the registry with id '${account}'`,
      );
    }
    return rule;
  };

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    [`${ECR}ValidatePullThroughCacheRule`]: (body) => {
      const rule = findRule(body.ecrRepositoryPrefix);
      const answer = answers.get(String(body.ecrRepositoryPrefix)) ?? { isValid: true };
      return {
        ...rule,
        credentialArn: rule.credentialArn ?? `arn:aws:secretsmanager:${region}:${String(body.registryId)}:secret:ecr-pullthroughcache/${String(body.ecrRepositoryPrefix)}-AbCdEf`,
        ...answer,
      };
    },
    [`${ECR}CreatePullThroughCacheRule`]: (body) => {
      const prefix = String(body.ecrRepositoryPrefix);
      if (rules.has(prefix)) throw new AwsError('PullThroughCacheRuleAlreadyExistsException', `A pull through cache rule with prefix '${prefix}' already exists`);
      if (body.credentialArn !== undefined) {
        // ECR reads the secret when the rule is created (API reference: SecretNotFoundException).
        const secret = [...secrets.values()].find((candidate) => candidate.arn === body.credentialArn);
        if (!secret) throw new AwsError('SecretNotFoundException', 'The ARN of the secret specified in the pull through cache rule was not found.');
      }
      const upstreamRegistryUrl = String(body.upstreamRegistryUrl);
      const rule = {
        ecrRepositoryPrefix: prefix,
        upstreamRegistryUrl,
        registryId: account,
        createdAt: 1_764_000_000,
        ...(body.credentialArn !== undefined ? { credentialArn: body.credentialArn } : {}),
        ...(body.customRoleArn !== undefined ? { customRoleArn: body.customRoleArn } : {}),
        ...(body.upstreamRegistry !== undefined ? { upstreamRegistry: body.upstreamRegistry } : {}),
        // ECR stores ROOT for a private ECR upstream when no upstream prefix is given (API reference,
        // CreatePullThroughCacheRule: upstreamRepositoryPrefix "defaults to ROOT").
        ...(body.upstreamRepositoryPrefix !== undefined
          ? { upstreamRepositoryPrefix: body.upstreamRepositoryPrefix }
          : /\.dkr\.ecr\./.test(upstreamRegistryUrl)
            ? { upstreamRepositoryPrefix: 'ROOT' }
            : {}),
      };
      rules.set(prefix, rule);
      answers.set(prefix, { isValid: true });
      return rule;
    },
    [`${ECR}DescribePullThroughCacheRules`]: (body) => {
      const prefixes = (body.ecrRepositoryPrefixes as string[] | undefined) ?? [...rules.keys()];
      return { pullThroughCacheRules: prefixes.map(findRule) };
    },
    [`${ECR}DeletePullThroughCacheRule`]: (body) => {
      const rule = findRule(body.ecrRepositoryPrefix);
      rules.delete(String(body.ecrRepositoryPrefix));
      return rule;
    },
    [`${SECRETS_MANAGER}CreateSecret`]: (body) => {
      const name = String(body.Name);
      if (secrets.has(name)) throw new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
      const tags = (body.Tags as FakeSecret['tags'] | undefined) ?? [];
      secrets.set(name, { name, arn: secretArn(name), tags, versions: {}, values: {}, ...(typeof body.Description === 'string' ? { description: body.Description } : {}) });
      return { ARN: secretArn(name), Name: name };
    },
    [`${SECRETS_MANAGER}DescribeSecret`]: (body) => {
      const secret = findSecret(body.SecretId);
      return { ARN: secret.arn, Name: secret.name, Description: secret.description, VersionIdsToStages: secret.versions, Tags: secret.tags };
    },
    [`${SECRETS_MANAGER}TagResource`]: (body) => {
      const secret = findSecret(body.SecretId);
      for (const tag of body.Tags as FakeSecret['tags']) secret.tags.splice(0, secret.tags.length, ...secret.tags.filter((old) => old.Key !== tag.Key), tag);
      return {};
    },
    [`${SECRETS_MANAGER}GetResourcePolicy`]: (body) => {
      const secret = findSecret(body.SecretId);
      return { ARN: secret.arn, Name: secret.name };
    },
    [`${SECRETS_MANAGER}ListSecretVersionIds`]: (body) => {
      const secret = findSecret(body.SecretId);
      const versions = Object.entries(secret.versions).map(([VersionId, VersionStages]) => ({ VersionId, VersionStages, CreatedDate: 1_764_000_000 }));
      return { ARN: secret.arn, Name: secret.name, Versions: versions };
    },
    [`${SECRETS_MANAGER}PutSecretValue`]: (body) => {
      const secret = findSecret(body.SecretId);
      const versionId = putSecretValue(secret.name, String(body.SecretString), typeof body.ClientRequestToken === 'string' ? body.ClientRequestToken : undefined);
      return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: secret.versions[versionId] };
    },
    [`${SECRETS_MANAGER}GetSecretValue`]: (body) => {
      const secret = findSecret(body.SecretId);
      const versionId =
        typeof body.VersionId === 'string'
          ? body.VersionId
          : Object.keys(secret.versions).find((id) => secret.versions[id]?.includes(typeof body.VersionStage === 'string' ? body.VersionStage : 'AWSCURRENT'));
      if (versionId === undefined || !(versionId in secret.versions)) {
        throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value.");
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: secret.versions[versionId], SecretString: secret.values[versionId], CreatedDate: 1_764_000_000 };
    },
    [`${SECRETS_MANAGER}DeleteSecret`]: (body) => {
      const secret = findSecret(body.SecretId);
      secrets.delete(secret.name);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: 1_764_000_000 };
    },
  };

  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    request.on('end', () => {
      const target = request.headers['x-amz-target'] as string | undefined;
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      requests.push({ at: performance.now(), target, headers: request.headers, body });
      const send = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${requests.length}` });
        response.end(JSON.stringify(payload));
      };
      try {
        if (options.errorType) throw new AwsError(options.errorType, 'User: arn:aws:sts::111111111111:assumed-role/ci is not authorized', options.status);
        const operation = target !== undefined ? operations[target] : undefined;
        if (!operation) throw new AwsError('UnknownOperationException', `the fake does not know ${String(target)}`);
        send(200, operation(body));
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        send(error.status, { __type: error.type, message: error.message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    rules,
    secrets,
    putSecretValue,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
