import { ECRClient, PullThroughCacheRuleNotFoundException, ValidatePullThroughCacheRuleCommand } from '@aws-sdk/client-ecr';
import { environmentsDirectory, loadEnvironment } from '../lib/environments';
import { upstreamRegistryUrl } from '../lib/upstreams';
import { CliError } from './cli-error';
import { printTable } from './table';

export interface ValidateOptions {
  readonly env: string;
  readonly environments?: string;
  /** @default - AWS_ENDPOINT_URL_ECR, or ECR's own endpoint for the region */
  readonly endpoint?: string;
}

interface RuleStatus {
  readonly prefix: string;
  readonly upstream: string;
  readonly valid: 'yes' | 'no' | 'missing';
  readonly failure: string;
}

/** Errors that mean no answer about any rule: credentials, network, permissions. */
function isFatal(error: unknown): boolean {
  const name = (error as { name?: string }).name ?? '';
  return !(error instanceof PullThroughCacheRuleNotFoundException) && !['InvalidParameterException', 'ValidationException'].includes(name);
}

function describeFatal(error: unknown, region: string): string {
  const { name = 'Error', message = String(error), code } = error as { name?: string; message?: string; code?: string };
  if (name === 'CredentialsProviderError') return `no AWS credentials for ${region}: ${message.split('\n')[0]}`;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') return `cannot reach ECR in ${region} (${code}: ${message})`;
  return `ECR in ${region} answered ${name}: ${message.split('\n')[0]}`;
}

/**
 * Asks ECR to validate every rule of an environment (ValidatePullThroughCacheRule: it reads the credential
 * secret and authenticates upstream), prints a table, and fails when any rule is invalid or missing.
 */
export async function validate(options: ValidateOptions): Promise<number> {
  const environment = loadEnvironment(options.env, environmentsDirectory(options.environments));
  // The SDK warns on every run that its releases after January 2027 need Node 22; this project pins Node 20 and an
  // exact SDK version, so the warning says nothing a user of this command can act on.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new ECRClient({ region: environment.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  const statuses = await Promise.all(
    environment.rules.map(async (rule): Promise<RuleStatus> => {
      const upstream = upstreamRegistryUrl(rule.upstream, rule.registry);
      try {
        const answer = await client.send(
          new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: rule.prefix, registryId: environment.account }),
        );
        // A rule changed outside Terraform still validates: the environment file is what should be running.
        if (answer.upstreamRegistryUrl !== undefined && answer.upstreamRegistryUrl !== upstream) {
          return { prefix: rule.prefix, upstream, valid: 'no', failure: `ECR's rule pulls from ${answer.upstreamRegistryUrl}, not ${upstream}: apply ${environment.stackName}` };
        }
        return { prefix: rule.prefix, upstream, valid: answer.isValid ? 'yes' : 'no', failure: answer.isValid ? '' : (answer.failure ?? 'no reason given') };
      } catch (error) {
        if (isFatal(error)) throw new CliError(describeFatal(error, environment.region));
        if (error instanceof PullThroughCacheRuleNotFoundException) {
          return { prefix: rule.prefix, upstream, valid: 'missing', failure: `no such rule in ${environment.account} ${environment.region}: deploy ${environment.stackName}` };
        }
        return { prefix: rule.prefix, upstream, valid: 'no', failure: (error as Error).message };
      }
    }),
  );
  client.destroy();

  printTable([['PREFIX', 'UPSTREAM', 'VALID', 'FAILURE'], ...statuses.map((status) => [status.prefix, status.upstream, status.valid, status.failure])]);

  const bad = statuses.filter((status) => status.valid !== 'yes');
  if (bad.length > 0) {
    console.error(`\n${bad.length} of ${statuses.length} rules of ${environment.name} are not working: ${bad.map((status) => status.prefix).join(', ')}`);
    return 1;
  }
  return 0;
}
