/**
 * The loopback AWS: one HTTP server on 127.0.0.1 that speaks, for several accounts at once, the protocols of the AWS
 * services this project's stacks and tools use, so the real Terraform provider and the real AWS SDK apply, read and
 * destroy against it over real HTTP.
 *
 * It imitates only what AWS documents (each action names its source) and is strict where AWS is: required members,
 * patterns and lengths, quotas, secrets in their recovery window. What it cannot know it refuses loudly: an action it
 * does not implement answers `UnknownOperationException` and is listed in `unknownCalls`, and a request whose outcome
 * AWS does not document answers `LoopbackUndocumentedBehaviour`. It does not check signatures, reach any upstream
 * registry, or evaluate IAM policies (`can-pull` does that, offline): docs/deploying.md, "What the loopback AWS proves".
 *
 * Which account a request acts in comes from its access key (`loopback-<account>`, see `loopbackCredentials`).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ECR_TARGET, ecrHandlers, recordPull } from './ecr';
import { eksHandler } from './eks';
import { EVENTS_TARGET, eventsHandlers } from './events';
import { KMS_TARGET, kmsHandlers } from './kms';
import { IAM_NAMESPACE, iamHandlers, STS_NAMESPACE, stsHandlers } from './iam';
import { AwsError, callerOf, loopbackCredentials, parseQuery, queryError, queryResponse, requestId, text, type Caller } from './protocol';
import { SECRETS_MANAGER_TARGET, secretsManagerHandlers } from './secrets-manager';
import { SNS_NAMESPACE, snsHandlers } from './sns';
import { LoopbackState, type RegionState } from './state';

export { loopbackCredentials } from './protocol';
export { LoopbackState, type RegionState, Secret } from './state';

export interface RecordedRequest {
  /** When it arrived: `performance.now()` of the server's process. */
  readonly at: number;
  readonly service: string;
  action: string;
  /** `<target prefix><action>` of a JSON-protocol request (`AmazonEC2ContainerRegistry_V20150921.CreatePullThroughCacheRule`). */
  readonly target: string | undefined;
  readonly account: string;
  readonly region: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  /** The error code it was answered with, if any. */
  error?: string;
}

export interface LoopbackAwsOptions {
  /**
   * The account that access keys other than `loopback-<account>` act in, for a test that uses keys of its own.
   * @default - such keys are refused, as AWS refuses a key it does not know
   */
  readonly defaultAccount?: string;
  /**
   * Called with each request once its action took effect and before it is answered: a test can stop the caller
   * there, as a killed apply stops between AWS acting and Terraform recording it.
   */
  readonly onRequest?: (request: RecordedRequest) => void;
  /** Let the process exit while the server still listens (a server shared by a whole process). */
  readonly unref?: boolean;
  /** Answer every request of these services (all when empty) with this error, as an outage or a denied caller would. */
  readonly fault?: { readonly code: string; readonly status?: number; readonly message?: string; readonly services?: readonly string[] };
  /**
   * Answer every `everyNth` request of these actions (`<service>:<action>`, all when left out) with
   * `ThrottlingException` (HTTP 400), as AWS answers a caller over an API's rate (every service's API reference,
   * Common Errors: "ThrottlingException: The request was denied due to request throttling"). The SDK retries it.
   */
  readonly throttle?: { readonly everyNth: number; readonly actions?: readonly string[] };
}

/** An image to seed a repository with: what DescribeImages reports of it. */
export interface SeedImage {
  readonly tags?: readonly string[];
  readonly sizeBytes: number;
  readonly pushedAt: Date;
  /** Never pulled when left out. */
  readonly lastPulledAt?: Date;
}

/** The services the loopback AWS speaks, by the name the Terraform provider's `endpoints` block and the SDK use. */
export const LOOPBACK_SERVICES = ['ecr', 'secretsmanager', 'iam', 'sts', 'eks', 'sns', 'events', 'kms'] as const;

export interface LoopbackAws {
  readonly endpoint: string;
  readonly state: LoopbackState;
  readonly requests: RecordedRequest[];
  /** Calls the loopback AWS does not implement: a test or apply:loopback fails when there is any. */
  readonly unknownCalls: string[];
  /** The provider's `endpoints` block: every service it speaks at this server. */
  endpoints(): Record<string, string>;
  /** Environment variables for an AWS SDK client acting in `account` (its endpoint and access key). */
  sdkEnvironment(account: string, region: string): Record<string, string>;
  region(account: string, region: string): RegionState;
  /** A role that exists before the stack, as the nodes' roles of a real account do. */
  seedRole(account: string, name: string, trustedService?: string): void;
  /** A secret that exists before the stack (left by a person, or by an interrupted apply), with no value. */
  seedSecret(account: string, region: string, name: string): void;
  /** A cluster that exists, for EKS access entries. */
  seedCluster(account: string, region: string, name: string): void;
  /** Repositories with images, as pulls through the cache leave them (the loopback AWS pulls nothing itself). */
  seedRepositories(account: string, region: string, repositories: readonly { readonly name: string; readonly images: readonly SeedImage[] }[]): void;
  /**
   * IMITATION, not an AWS API: the address a distribution registry standing in for the cache of `account` and `region`
   * sends its notifications to (its `notifications.endpoints[].url`); each manifest it serves through a rule's prefix
   * is then in the cache, as a pull through ECR's leaves it (ecr.ts, recordPull).
   */
  registryNotifications(account: string, region: string): string;
  /** Gives a secret a current value, as `aws secretsmanager put-secret-value` does. */
  putSecretValue(account: string, region: string, name: string, value?: string): void;
  close(): Promise<void>;
}

/** The path distribution's notifications of a stand-in cache come to: `<path>/<account>/<region>`. */
const REGISTRY_NOTIFICATIONS = '/loopback/registry-notifications';
/** Manifests, as distribution names them in a notification (a blob's event has another media type). */
const MANIFEST_MEDIA_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);

interface RegistryEvent {
  readonly action?: string;
  readonly target?: { readonly mediaType?: string; readonly digest?: string; readonly size?: number; readonly repository?: string; readonly tag?: string };
}

const JSON_SERVICES: Record<string, string> = { [ECR_TARGET]: 'ecr', [SECRETS_MANAGER_TARGET]: 'secretsmanager', [EVENTS_TARGET]: 'events', [KMS_TARGET]: 'kms' };

export async function startLoopbackAws(options: LoopbackAwsOptions = {}): Promise<LoopbackAws> {
  const state = new LoopbackState();
  const requests: RecordedRequest[] = [];
  const unknownCalls: string[] = [];
  const jsonHandlers: Record<string, Record<string, (body: Record<string, unknown>, region: RegionState) => unknown>> = {
    ecr: ecrHandlers(state),
    secretsmanager: secretsManagerHandlers(state),
    events: eventsHandlers(),
    kms: kmsHandlers(state),
  };
  const iam = iamHandlers(state);
  const sns = snsHandlers();
  // Counted across requests: every everyNth request of the throttled actions is refused.
  let throttleCount = 0;
  const throttle = (service: string, action: string) => {
    const rule = options.throttle;
    if (!rule || (rule.actions && !rule.actions.includes(`${service}:${action}`))) return;
    throttleCount += 1;
    if (throttleCount % rule.everyNth === 0) throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
  };
  const sts = stsHandlers();
  const eks = eksHandler(state);

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(request.url ?? '/', 'http://loopback');
      const target = request.headers['x-amz-target'] as string | undefined;
      const contentType = text(request.headers['content-type'] ?? '');
      let caller: Caller | undefined;
      let record: RecordedRequest | undefined;
      const remember = (service: string, action: string, body: Record<string, unknown>) => {
        record = { at: performance.now(), service, action, target, account: caller?.account ?? '', region: caller?.region ?? '', headers: request.headers, body };
        requests.push(record);
      };
      const unknown = (what: string) => {
        unknownCalls.push(what);
        return new AwsError('UnknownOperationException', `The loopback AWS does not implement ${what}: add it, from the AWS API reference, to scripts/loopback-aws/.`);
      };
      const fault = (service: string) => {
        const injected = options.fault;
        if (injected && (!injected.services || injected.services.includes(service))) {
          throw new AwsError(injected.code, injected.message ?? `User: arn:aws:sts::${caller?.account ?? '000000000000'}:assumed-role/ci is not authorized to perform this operation`, injected.status ?? 400);
        }
      };
      /**
       * What every call goes through, whatever its protocol: its caller, its record, an injected fault, throttling,
       * the action's effect, `onRequest`, then the answer. `call` parses the request for the caller (an AwsError when
       * it cannot) and `run` acts, or answers undefined for an action the loopback AWS does not know.
       */
      const serve = (
        call: (caller: Caller) => { service: string; action: string; body: Record<string, unknown>; unknownName: string; run: () => { action?: string; result: unknown } | undefined },
        reply: (result: unknown) => void,
        replyError: (error: AwsError) => void,
      ) => {
        try {
          caller = callerOf(request.headers.authorization, options.defaultAccount);
          const { service, action, body, unknownName, run } = call(caller);
          remember(service, action, body);
          fault(service);
          throttle(service, action);
          const answered = run();
          if (!answered) throw unknown(unknownName);
          if (answered.action !== undefined) record!.action = answered.action;
          options.onRequest?.(record!);
          reply(answered.result);
        } catch (error) {
          if (!(error instanceof AwsError)) throw error;
          if (record) record.error = error.code;
          replyError(error);
        }
      };

      // Not AWS: a stand-in registry's notifications of what it served (distribution's envelope of events).
      if (request.method === 'POST' && url.pathname.startsWith(`${REGISTRY_NOTIFICATIONS}/`)) {
        const [account, region] = url.pathname.slice(REGISTRY_NOTIFICATIONS.length + 1).split('/');
        let events: RegistryEvent[];
        try {
          events = (JSON.parse(raw) as { events?: RegistryEvent[] }).events ?? [];
        } catch {
          response.writeHead(400).end();
          return;
        }
        for (const event of events) {
          const target = event.target;
          if (event.action !== 'pull' || !target?.repository || !target.digest || !MANIFEST_MEDIA_TYPES.has(target.mediaType ?? '')) continue;
          recordPull(
            state.region(account, region),
            { repository: target.repository, digest: target.digest, mediaType: target.mediaType!, size: target.size ?? 0, ...(target.tag ? { tag: target.tag } : {}) },
            state.now(),
          );
        }
        response.writeHead(200).end();
        return;
      }

      // awsJson1_1: ECR, Secrets Manager, EventBridge and KMS.
      if (target !== undefined) {
        const send = (status: number, payload: unknown) => {
          response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId() });
          response.end(JSON.stringify(payload));
        };
        const jsonPrefix = Object.keys(JSON_SERVICES).find((prefix) => target.startsWith(prefix));
        serve(
          (caller) => {
            const service = jsonPrefix ? JSON_SERVICES[jsonPrefix] : 'unknown';
            const action = jsonPrefix ? target.slice(jsonPrefix.length) : target;
            let body: Record<string, unknown>;
            try {
              body = JSON.parse(raw || '{}') as Record<string, unknown>;
            } catch {
              throw new AwsError('SerializationException', 'The request body is not JSON.');
            }
            const handlers = jsonPrefix ? jsonHandlers[service] : undefined;
            const run = () => (handlers && Object.hasOwn(handlers, action) ? { result: handlers[action](body, state.region(caller.account, caller.region)) } : undefined);
            return { service, action, body, unknownName: target, run };
          },
          (result) => send(200, result),
          (error) => send(error.status, { __type: error.code, message: error.message }),
        );
        return;
      }

      // awsQuery: IAM, STS and SNS.
      if (contentType.startsWith('application/x-www-form-urlencoded')) {
        const send = (status: number, xml: string) => {
          response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId() });
          response.end(xml);
        };
        serve(
          (caller) => {
            const body = parseQuery(raw);
            const action = text(body.Action ?? '');
            const known = (handlers: object) => Object.hasOwn(handlers, action);
            const run = () => {
              if (caller.service === 'iam' && known(iam)) return { result: queryResponse(action, IAM_NAMESPACE, iam[action](body, state.iam(caller.account))) };
              if (caller.service === 'sts' && known(sts)) return { result: queryResponse(action, STS_NAMESPACE, sts[action](body, caller.account)) };
              if (caller.service === 'sns' && known(sns)) return { result: queryResponse(action, SNS_NAMESPACE, sns[action](body, state.region(caller.account, caller.region))) };
              return undefined;
            };
            return { service: caller.service, action, body, unknownName: `${caller.service}:${action}`, run };
          },
          (xml) => send(200, xml as string),
          (error) => send(error.status, queryError(error)),
        );
        return;
      }

      // restJson1: EKS. The action is known once the path is routed: recorded by its method and path until then.
      const send = (status: number, payload: unknown, errorType?: string) => {
        response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': requestId(), ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
        response.end(JSON.stringify(payload));
      };
      serve(
        (caller) => {
          let body: Record<string, unknown>;
          try {
            body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
          } catch {
            throw new AwsError('SerializationException', 'The request body is not JSON.');
          }
          const route = `${request.method} ${url.pathname}`;
          const run = () => (caller.service === 'eks' ? eks({ method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, body }, state.region(caller.account, caller.region)) : undefined);
          return { service: caller.service, action: route, body, unknownName: `${caller.service}: ${route}`, run };
        },
        (result) => send(200, result),
        (error) => send(error.status, { message: error.message }, error.code),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  if (options.unref) server.unref();
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    state,
    requests,
    unknownCalls,
    endpoints: () => Object.fromEntries(LOOPBACK_SERVICES.map((service) => [service, endpoint])),
    sdkEnvironment: (account, region) => {
      const credentials = loopbackCredentials(account);
      return { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: region };
    },
    region: (account, region) => state.region(account, region),
    seedRole(account, name, trustedService = 'ec2.amazonaws.com') {
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: trustedService }, Action: 'sts:AssumeRole' }] });
      iam.CreateRole({ RoleName: name, AssumeRolePolicyDocument: trust }, state.iam(account));
    },
    seedSecret(account, region, name) {
      jsonHandlers.secretsmanager.CreateSecret({ Name: name }, state.region(account, region));
    },
    seedRepositories(account, region, repositories) {
      const state_ = state.region(account, region);
      for (const { name, images } of repositories) {
        state_.repositories.set(name, {
          repositoryName: name,
          repositoryArn: `arn:aws:ecr:${region}:${account}:repository/${name}`,
          createdAt: images.reduce((first, image) => (image.pushedAt < first ? image.pushedAt : first), state.now()),
          images: images.map((image, index) => ({
            imageDigest: `sha256:${createHash('sha256').update(`${name}@${index}`).digest('hex')}`,
            imageTags: [...(image.tags ?? [])],
            imageSizeInBytes: image.sizeBytes,
            imagePushedAt: image.pushedAt,
            ...(image.lastPulledAt ? { lastRecordedPullTime: image.lastPulledAt } : {}),
            imageManifestMediaType: 'application/vnd.oci.image.index.v1+json',
          })),
        });
      }
    },
    seedCluster(account, region, name) {
      state.region(account, region).clusters.set(name, new Map());
    },
    registryNotifications: (account, region) => `${endpoint}${REGISTRY_NOTIFICATIONS}/${account}/${region}`,
    putSecretValue(account, region, name, value = JSON.stringify({ username: 'loopback-user', accessToken: 'loopback-placeholder' })) {
      jsonHandlers.secretsmanager.PutSecretValue({ SecretId: name, SecretString: value }, state.region(account, region));
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
