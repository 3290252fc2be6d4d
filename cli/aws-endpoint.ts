/** Where the CLI's AWS calls go, and what a failed call means for the user: shared by validate and status. */
import { ECRClient } from '@aws-sdk/client-ecr';
import { CliError } from './cli-error';

/** Where the calls of a service go, when the user sent them somewhere else than AWS's own endpoint. */
export interface Endpoint {
  readonly url?: string;
  /** How the user set it: `--endpoint`, or the SDK's variable. */
  readonly setting?: string;
}

export function describeFatal(error: unknown, service: string, region: string, endpoint: Endpoint): string {
  const { name = 'Error', message = String(error), code } = error as { name?: string; message?: string; code?: string };
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const where = endpoint.url ? `${service} at ${endpoint.url} (${endpoint.setting})` : `${service} in ${region}`;
  const check = endpoint.setting ? `check ${endpoint.setting}` : 'check the network and any proxy (HTTPS_PROXY)';
  if (name === 'CredentialsProviderError') return `no AWS credentials for ${region}: ${message.split('\n')[0]}`;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') return `cannot reach ${where} (${code}: ${message}): ${check}`;
  // A proxy's or a web server's page where the AWS API was expected.
  if (name === 'SyntaxError') return `${where} answered with something that is not ${service}'s API (not JSON: a web page, or a proxy?): ${check}`;
  if ((name === 'Unknown' || message === 'UnknownError') && status !== undefined) {
    return `${where} answered HTTP ${status} with no AWS error in it: it does not look like ${service}'s API; ${check}`;
  }
  return `${where} answered ${name}: ${message.split('\n')[0]}`;
}

/** An endpoint the user set, checked before any call: one that is not a URL is named as such. */
export function endpointSetting(setting: string, url: string | undefined): Endpoint {
  if (url === undefined || url === '') return {};
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new CliError(`${setting} "${url}" is not an http(s) URL: give the endpoint's whole address, for example https://api.ecr.eu-west-2.amazonaws.com`);
  }
  return { url, setting };
}

/**
 * The ECR endpoint a command calls: `--endpoint`, else the SDK's AWS_ENDPOINT_URL_ECR, else ECR's own for the region.
 * On Node 20 the SDK warns on every run that its releases after January 2027 need Node 22; this project still supports
 * Node 20 and pins an exact SDK version, so the warning says nothing a user of the command can act on.
 */
export function ecrEndpoint(option: string | undefined): Endpoint {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return option !== undefined ? endpointSetting('--endpoint', option) : endpointSetting('AWS_ENDPOINT_URL_ECR', process.env.AWS_ENDPOINT_URL_ECR);
}

/**
 * Attempts of each call of a command that makes many: the SDK retries throttling (ThrottlingException) and server
 * errors with exponential backoff and jitter (AWS SDKs and Tools reference, "Retry behavior", standard mode); a registry
 * of thousands of repositories is read with thousands of calls, over DescribeImages' rate.
 */
const MANY_CALLS_MAX_ATTEMPTS = 10;

/** An ECR client for the cache's region, calling the endpoint the user set, retrying as a command of many calls needs. */
export function ecrClientForManyCalls(region: string, endpoint: Endpoint): ECRClient {
  return new ECRClient({ region, maxAttempts: MANY_CALLS_MAX_ATTEMPTS, ...(endpoint.url ? { endpoint: endpoint.url } : {}) });
}
