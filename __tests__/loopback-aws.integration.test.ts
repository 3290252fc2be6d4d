/**
 * The loopback AWS refuses what AWS refuses and answers what AWS answers, as the API references document it, over
 * real HTTP with the real AWS SDK. What it does not know fails loudly.
 */
import { CreatePullThroughCacheRuleCommand, DescribePullThroughCacheRulesCommand, ECRClient, ValidatePullThroughCacheRuleCommand } from '@aws-sdk/client-ecr';
import { CreateSecretCommand, DeleteSecretCommand, GetSecretValueCommand, PutSecretValueCommand, RestoreSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type LoopbackAws, loopbackCredentials, startLoopbackAws } from '../scripts/loopback-aws';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-2';
let aws: LoopbackAws;
let ecr: ECRClient;
let secrets: SecretsManagerClient;
const clients = (account: string) => {
  const config = { endpoint: aws.endpoint, region: REGION, credentials: loopbackCredentials(account), maxAttempts: 1 };
  return { ecr: new ECRClient(config), secrets: new SecretsManagerClient(config) };
};
/** The error code and message an SDK call failed with. */
const refusal = (call: Promise<unknown>) =>
  call.then(
    () => 'accepted',
    (error: { name: string; message: string }) => `${error.name}: ${error.message}`,
  );
const createSecret = async (name: string, value?: string) => (await secrets.send(new CreateSecretCommand({ Name: name, ...(value ? { SecretString: value } : {}) }))).ARN!;
const CREDENTIAL = JSON.stringify({ username: 'u', accessToken: 't' });

beforeEach(async () => {
  aws = await startLoopbackAws();
  ({ ecr, secrets } = clients(ACCOUNT));
});
afterEach(async () => {
  ecr.destroy();
  secrets.destroy();
  await aws.close();
});

describe('ECR pull-through cache rules in the loopback AWS', () => {
  it('refuses an empty CreatePullThroughCacheRule and a prefix outside the documented pattern', async () => {
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({} as never)))).toMatch(/^InvalidParameterException: .*'ecrRepositoryPrefix'.*must not be null/);
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'A B!', upstreamRegistryUrl: 'quay.io' })))).toMatch(
      /^InvalidParameterException: .*'A B!' at 'ecrRepositoryPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'q', upstreamRegistryUrl: 'quay.io' })))).toMatch(/length greater than or equal to 2/);
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'x'.repeat(31), upstreamRegistryUrl: 'quay.io' })))).toMatch(/length less than or equal to 30/);
    expect(aws.region(ACCOUNT, REGION).rules.size).toBe(0);
  });

  it('refuses an upstream AWS does not support, and a Docker Hub rule without a credential', async () => {
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'gcr', upstreamRegistryUrl: 'gcr.io' })))).toBe(
      "UnsupportedUpstreamRegistryException: The specified upstream registry 'gcr.io' isn't supported.",
    );
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'docker.io' })))).toMatch(/^UnsupportedUpstreamRegistryException/);
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'registry-1.docker.io' })))).toMatch(/^InvalidParameterException: .*'credentialArn'/);
  });

  it('refuses a credential secret outside ecr-pullthroughcache/, one that does not exist, and one with no value', async () => {
    const outside = await createSecret('dockerhub', CREDENTIAL);
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: outside })))).toMatch(
      /^InvalidParameterException: .*at 'credentialArn' failed to satisfy constraint/,
    );
    const missing = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:ecr-pullthroughcache/none-AbCdEf`;
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: missing })))).toMatch(/^SecretNotFoundException/);
    const empty = await createSecret('ecr-pullthroughcache/hub');
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: empty })))).toMatch(
      /^LoopbackUndocumentedBehaviour: The secret ecr-pullthroughcache\/hub has no value/,
    );
    await secrets.send(new PutSecretValueCommand({ SecretId: empty, SecretString: CREDENTIAL }));
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: empty })))).toBe('accepted');
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: empty })))).toMatch(
      /^PullThroughCacheRuleAlreadyExistsException/,
    );
  });

  it("asks a role for another account's ECR, and stores ROOT as the upstream prefix of an ECR rule", async () => {
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'shared', upstreamRegistryUrl: '444444444444.dkr.ecr.eu-west-2.amazonaws.com' })))).toMatch(
      /custom role ARN is required/,
    );
    await ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'us', upstreamRegistryUrl: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com` }));
    const [rule] = (await ecr.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: ['us'] }))).pullThroughCacheRules!;
    expect(rule).toMatchObject({ ecrRepositoryPrefix: 'us', upstreamRegistry: 'ecr', upstreamRepositoryPrefix: 'ROOT', registryId: ACCOUNT });
  });

  it('refuses ROOT for an upstream other than ECR, which AWS documents only for ECR-to-ECR rules', async () => {
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'ROOT', upstreamRegistryUrl: 'public.ecr.aws' })))).toMatch(
      /^LoopbackUndocumentedBehaviour: The ROOT prefix is documented only for ECR to ECR rules/,
    );
  });

  it("validates a rule as far as it can without the upstream, answering with the rule's upstreamRegistryUrl", async () => {
    const arn = await createSecret('ecr-pullthroughcache/ghcr', '{"user":"x"}');
    await ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'ghcr', upstreamRegistryUrl: 'ghcr.io', credentialArn: arn }));
    const invalid = await ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'ghcr' }));
    expect(invalid).toMatchObject({ upstreamRegistryUrl: 'ghcr.io', credentialArn: arn, isValid: false });
    await secrets.send(new PutSecretValueCommand({ SecretId: arn, SecretString: CREDENTIAL }));
    expect(await ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'ghcr' }))).toMatchObject({ isValid: true });
  });

  it('keeps each account apart: one access key, one account', async () => {
    await ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' }));
    const other = clients('222222222222');
    expect((await other.ecr.send(new DescribePullThroughCacheRulesCommand({}))).pullThroughCacheRules).toEqual([]);
    other.ecr.destroy();
    other.secrets.destroy();
  });

  it('fails loudly on an operation it does not implement, and on a key it does not know', async () => {
    const { ListImagesCommand } = await import('@aws-sdk/client-ecr');
    expect(await refusal(ecr.send(new ListImagesCommand({ repositoryName: 'x' })))).toMatch(/^UnknownOperationException: The loopback AWS does not implement AmazonEC2ContainerRegistry_V20150921.ListImages/);
    expect(aws.unknownCalls).toEqual(['AmazonEC2ContainerRegistry_V20150921.ListImages']);
    const stranger = new ECRClient({ endpoint: aws.endpoint, region: REGION, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' }, maxAttempts: 1 });
    expect(await refusal(stranger.send(new DescribePullThroughCacheRulesCommand({})))).toMatch(/^UnrecognizedClientException/);
    stranger.destroy();
  });
});

describe('Secrets Manager deletion in the loopback AWS, as AWS does it', () => {
  it('keeps a deleted name for its recovery window: CreateSecret is refused until the secret is restored', async () => {
    const arn = await createSecret('ecr-pullthroughcache/hub', CREDENTIAL);
    await secrets.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 7 }));
    expect(await refusal(createSecret('ecr-pullthroughcache/hub'))).toMatch(/^InvalidRequestException: You can't create this secret because a secret with this name is already scheduled for deletion/);
    expect(await refusal(secrets.send(new GetSecretValueCommand({ SecretId: arn })))).toMatch(/^InvalidRequestException: .*marked for deletion/);
    await secrets.send(new RestoreSecretCommand({ SecretId: 'ecr-pullthroughcache/hub' }));
    // Restored with its value.
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString).toBe(CREDENTIAL);
  });

  it('frees the name once the window has ended', async () => {
    await createSecret('ecr-pullthroughcache/hub');
    await secrets.send(new DeleteSecretCommand({ SecretId: 'ecr-pullthroughcache/hub', RecoveryWindowInDays: 7 }));
    aws.state.advance(6);
    expect(await refusal(createSecret('ecr-pullthroughcache/hub'))).toMatch(/^InvalidRequestException/);
    aws.state.advance(1);
    expect(await refusal(createSecret('ecr-pullthroughcache/hub'))).toBe('accepted');
  });

  it('refuses a recovery window outside 7 to 30 days', async () => {
    await createSecret('ecr-pullthroughcache/hub');
    expect(await refusal(secrets.send(new DeleteSecretCommand({ SecretId: 'ecr-pullthroughcache/hub', RecoveryWindowInDays: 3 })))).toMatch(/between 7 and 30 days/);
  });
});
