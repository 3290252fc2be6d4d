import { ECRClient, PullThroughCacheRuleNotFoundException, ValidatePullThroughCacheRuleCommand } from '@aws-sdk/client-ecr';
import { DescribeSecretCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Environment, environmentsDirectory, loadEnvironment } from '../config/environments';
import { credentialSecretName, type RuleSettings } from '../lib/checks/rule';
import { upstream as upstreamSpec, upstreamRegistryUrl } from '../lib/aws/upstreams';
import { describeFatal, type Endpoint, ecrEndpoint, endpointSetting } from './aws-endpoint';
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

/** The secret a rule reads its credentials from, by name or ARN, when its upstream takes one. */
function credentialSecretId(rule: RuleSettings): string | undefined {
  if (upstreamSpec(rule.upstream).auth !== 'secret') return undefined;
  return rule.secretArn ?? credentialSecretName(rule.prefix);
}

/**
 * What Secrets Manager says of a rule's credential secret: why it cannot serve the rule yet (`problem`: no value, or
 * no secret), nothing when it has a value, or why it could not be asked (`unchecked`). A secret created by the stack
 * starts with no value: the first deploy stops before the rule until it has one. Only a second look at a rule ECR
 * already judged, so an unanswered call leaves ECR's verdict standing.
 */
async function credentialProblem(
  client: SecretsManagerClient,
  secretId: string,
  environment: Environment,
  secretsEndpoint: Endpoint,
): Promise<{ readonly problem?: string; readonly unchecked?: string }> {
  try {
    const secret = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    const hasValue = Object.values(secret.VersionIdsToStages ?? {}).some((stages) => stages.includes('AWSCURRENT'));
    if (hasValue) return {};
    return {
      problem: `secret ${secret.Name ?? secretId} has no value yet: put the credentials in it (docs/credentials.md), then deploy ${environment.stackName}`,
    };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return { problem: `secret ${secretId} does not exist in ${environment.account} ${environment.region}: deploy ${environment.stackName}` };
    return { unchecked: describeFatal(error, 'Secrets Manager', environment.region, secretsEndpoint) };
  }
}

/** ECR's verdict on one rule, compared with what the environment file says it should be. */
async function validateRule(client: ECRClient, rule: RuleSettings, environment: Environment, endpoint: Endpoint): Promise<Pick<RuleStatus, 'valid' | 'failure'>> {
  const upstream = upstreamRegistryUrl(rule.upstream, rule.registry);
  try {
    const answer = await client.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: rule.prefix, registryId: environment.account }));
    // A rule changed outside Terraform still validates: the environment file is what should be running.
    if (answer.upstreamRegistryUrl !== undefined && answer.upstreamRegistryUrl !== upstream) {
      return { valid: 'no', failure: `ECR's rule pulls from ${answer.upstreamRegistryUrl}, not ${upstream}: apply ${environment.stackName}` };
    }
    return { valid: answer.isValid ? 'yes' : 'no', failure: answer.isValid ? '' : (answer.failure ?? 'no reason given') };
  } catch (error) {
    if (isFatal(error)) throw new CliError(describeFatal(error, 'ECR', environment.region, endpoint));
    if (error instanceof PullThroughCacheRuleNotFoundException) {
      return { valid: 'missing', failure: `no such rule in ${environment.account} ${environment.region}: deploy ${environment.stackName}` };
    }
    return { valid: 'no', failure: (error as Error).message };
  }
}

/**
 * Asks ECR to validate every rule of an environment (ValidatePullThroughCacheRule: it reads the credential
 * secret and authenticates upstream), and, for a rule that is not working, Secrets Manager whether its credential
 * secret has a value yet; prints a table, and fails when any rule is invalid or missing.
 */
export async function validate(options: ValidateOptions): Promise<number> {
  const environment = loadEnvironment(options.env, environmentsDirectory(options.environments));
  if (environment.cacheFrom) {
    console.log(
      `${environment.name} pulls through the cache of ${environment.cacheFrom.name}, which has its rules: ` +
        `validate them there (./bin/ecr-cache validate --env ${environment.cacheFrom.name}, with credentials for its account)`,
    );
    return 0;
  }
  const endpoint = ecrEndpoint(options.endpoint);
  const secretsEndpoint = endpointSetting('AWS_ENDPOINT_URL_SECRETS_MANAGER', process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER);
  const client = new ECRClient({ region: environment.region, ...(endpoint.url ? { endpoint: endpoint.url } : {}) });
  const secrets = new SecretsManagerClient({ region: environment.region });
  let statuses: RuleStatus[];
  // Why the credential secrets of these rules could not be checked, by reason.
  const unchecked = new Map<string, string[]>();
  try {
    statuses = await Promise.all(
      environment.rules.map(async (rule): Promise<RuleStatus> => {
        const answer = await validateRule(client, rule, environment, endpoint);
        const status = { prefix: rule.prefix, upstream: upstreamRegistryUrl(rule.upstream, rule.registry), ...answer };
        const secretId = answer.valid === 'yes' ? undefined : credentialSecretId(rule);
        // An empty secret explains both a missing rule (the first deploy stops before it) and an invalid one.
        const credential = secretId === undefined ? {} : await credentialProblem(secrets, secretId, environment, secretsEndpoint);
        if (credential.unchecked !== undefined) unchecked.set(credential.unchecked, [...(unchecked.get(credential.unchecked) ?? []), rule.prefix]);
        return credential.problem === undefined ? status : { ...status, failure: credential.problem };
      }),
    );
  } finally {
    // Calls still under way when one failed would otherwise keep the process alive.
    client.destroy();
    secrets.destroy();
  }

  printTable([['PREFIX', 'UPSTREAM', 'VALID', 'FAILURE'], ...statuses.map((status) => [status.prefix, status.upstream, status.valid, status.failure])]);

  const bad = statuses.filter((status) => status.valid !== 'yes');
  if (unchecked.size > 0 || bad.length > 0) console.error('');
  for (const [reason, prefixes] of unchecked) {
    const whose = prefixes.length === 1 ? `the credential secret of ${prefixes[0]} has a value` : `the credential secrets of ${prefixes.join(', ')} have values`;
    console.error(`not checked: whether ${whose}: ${reason}`);
  }
  if (bad.length > 0) {
    console.error(`${bad.length} of ${statuses.length} rules of ${environment.name} are not working: ${bad.map((status) => status.prefix).join(', ')}`);
    return 1;
  }
  return 0;
}
