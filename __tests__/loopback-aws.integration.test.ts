/**
 * The loopback AWS refuses what AWS refuses and answers what AWS answers, as the API references document it, over
 * real HTTP with the real AWS SDK. What it does not know fails loudly.
 */
import {
  CreatePullThroughCacheRuleCommand,
  CreateRepositoryCreationTemplateCommand,
  DescribeImagesCommand,
  DescribePullThroughCacheRulesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ValidatePullThroughCacheRuleCommand,
} from '@aws-sdk/client-ecr';
import { CreateSecretCommand, DeleteSecretCommand, GetSecretValueCommand, PutSecretValueCommand, RestoreSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { cacheLifecyclePolicy } from '../lib/checks/repository-template';
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

/**
 * A call in an awsJson1_1 or awsQuery service the project has no SDK client for (EventBridge, KMS, SNS): real HTTP,
 * signed-looking as the loopback AWS reads it (the access key and the credential scope; signatures are not checked).
 */
async function call(service: 'events' | 'kms' | 'sns', action: string, body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const authorization = `AWS4-HMAC-SHA256 Credential=loopback-${ACCOUNT}/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
  const headers: Record<string, string> =
    service === 'sns'
      ? { authorization, 'content-type': 'application/x-www-form-urlencoded' }
      : { authorization, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${service === 'events' ? 'AWSEvents' : 'TrentService'}.${action}` };
  const payload = service === 'sns' ? new URLSearchParams({ Action: action, Version: '2010-03-31', ...(body as Record<string, string>) }).toString() : JSON.stringify(body);
  const response = await fetch(aws.endpoint, { method: 'POST', headers, body: payload });
  return { status: response.status, text: await response.text() };
}

describe('EventBridge, SNS and KMS in the loopback AWS', () => {
  const PATTERN = JSON.stringify({ source: ['aws.ecr'], 'detail-type': ['ECR Pull Through Cache Action'], detail: { 'sync-status': ['FAILED'] } });

  it('puts a rule with an event pattern, and refuses an empty list of values, a pattern that is not JSON, and deleting a rule with targets', async () => {
    expect(await call('events', 'PutRule', { Name: 'failures', EventPattern: PATTERN })).toMatchObject({ status: 200, text: expect.stringContaining(`"RuleArn":"arn:aws:events:${REGION}:${ACCOUNT}:rule/failures"`) });
    expect((await call('events', 'PutRule', { Name: 'empty', EventPattern: JSON.stringify({ detail: { 'ecr-repository-prefix': [] } }) })).text).toMatch(/InvalidEventPatternException.*Empty arrays are not allowed/);
    expect((await call('events', 'PutRule', { Name: 'bad', EventPattern: '{source:' })).text).toMatch(/InvalidEventPatternException/);
    await call('events', 'PutTargets', { Rule: 'failures', Targets: [{ Id: 'alerts', Arn: `arn:aws:sns:${REGION}:${ACCOUNT}:alerts` }] });
    expect((await call('events', 'PutTargets', { Rule: 'failures', Targets: [{ Id: 'far', Arn: `arn:aws:sns:us-east-1:${ACCOUNT}:alerts` }] })).text).toMatch(/not in the rule's region/);
    expect((await call('events', 'DeleteRule', { Name: 'failures' })).text).toMatch(/ValidationException.*has targets/);
    await call('events', 'RemoveTargets', { Rule: 'failures', Ids: ['alerts'] });
    expect((await call('events', 'DeleteRule', { Name: 'failures' })).status).toBe(200);
    expect(aws.region(ACCOUNT, REGION).eventRules.size).toBe(0);
  });

  it('keeps an email subscription pending until its owner confirms, which the loopback AWS never does', async () => {
    const created = await call('sns', 'CreateTopic', { Name: 'alerts', 'Attributes.entry.1.key': 'KmsMasterKeyId', 'Attributes.entry.1.value': 'arn:aws:kms:eu-west-2:111111111111:key/k' });
    expect(created.text).toContain(`<TopicArn>arn:aws:sns:${REGION}:${ACCOUNT}:alerts</TopicArn>`);
    const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`;
    expect((await call('sns', 'Subscribe', { TopicArn: topicArn, Protocol: 'email', Endpoint: 'ops@example.com' })).text).toContain('<SubscriptionArn>pending confirmation</SubscriptionArn>');
    const attributes = await call('sns', 'GetTopicAttributes', { TopicArn: topicArn });
    expect(attributes.text).toContain('<entry><key>SubscriptionsPending</key><value>1</value></entry>');
    expect(attributes.text).toContain('<entry><key>KmsMasterKeyId</key><value>arn:aws:kms:eu-west-2:111111111111:key/k</value></entry>');
    expect((await call('sns', 'SetTopicAttributes', { TopicArn: topicArn, AttributeName: 'Colour', AttributeValue: 'red' })).text).toMatch(/InvalidParameter.*Colour/);
    await call('sns', 'DeleteTopic', { TopicArn: topicArn });
    expect(aws.region(ACCOUNT, REGION).subscriptions.size).toBe(0);
  });

  it("refuses a key policy that would lock the account out, and keeps a key for its waiting period after ScheduleKeyDeletion", async () => {
    const lockedOut = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'kms:Decrypt', Resource: '*' }] });
    expect((await call('kms', 'CreateKey', { Policy: lockedOut })).text).toMatch(/MalformedPolicyDocumentException.*not allow you to update the key policy/);
    const created = JSON.parse((await call('kms', 'CreateKey', { Description: 'alerts' })).text) as { KeyMetadata: { KeyId: string } };
    expect((await call('kms', 'ScheduleKeyDeletion', { KeyId: created.KeyMetadata.KeyId, PendingWindowInDays: 3 })).text).toMatch(/from 7 to 30/);
    await call('kms', 'ScheduleKeyDeletion', { KeyId: created.KeyMetadata.KeyId, PendingWindowInDays: 7 });
    expect(JSON.parse((await call('kms', 'DescribeKey', { KeyId: created.KeyMetadata.KeyId })).text)).toMatchObject({ KeyMetadata: { KeyState: 'PendingDeletion', PendingDeletionWindowInDays: 7 } });
    aws.state.advance(7);
    expect((await call('kms', 'DescribeKey', { KeyId: created.KeyMetadata.KeyId })).text).toMatch(/NotFoundException/);
  });
});

describe('ECR lifecycle policies and repositories in the loopback AWS', () => {
  const template = (lifecyclePolicy: string) => ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix: 'quay', appliedFor: ['PULL_THROUGH_CACHE'], lifecyclePolicy }));
  const rule = (selection: Record<string, unknown>, action: Record<string, unknown>) =>
    JSON.stringify({ rules: [{ rulePriority: 1, description: 'a rule of the test, long enough for the minimum length', selection, action }] });

  it('refuses expiry by last pull, which ECR takes only with the archive transition, and archived images deleted before 90 days', async () => {
    expect(await refusal(template(rule({ tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }, { type: 'expire' })))).toMatch(
      /^InvalidParameterException: .*sinceImagePulled only supports the transition action/,
    );
    expect(await refusal(template(rule({ tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 30 }, { type: 'expire' })))).toMatch(
      /images must stay archived at least 90 days/,
    );
    expect(await refusal(template(rule({ tagStatus: 'any', countType: 'sinceImagePulled', countNumber: 30 }, { type: 'transition', targetStorageClass: 'archive' })))).toMatch(/countUnit days is required/);
    expect(await refusal(template(rule({ tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }, { type: 'transition', targetStorageClass: 'archive' })))).toBe('accepted');
  });

  it("accepts the cache's own lifecycle policies, by push age and count, and with archiving by last pull", async () => {
    expect(await refusal(template(cacheLifecyclePolicy(7, 100)))).toBe('accepted');
    const archived = await refusal(ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix: 'k8s', appliedFor: ['PULL_THROUGH_CACHE'], lifecyclePolicy: cacheLifecyclePolicy(7, 100, { afterDaysUnpulled: 30, deleteAfterDays: 90 }) })));
    expect(archived).toBe('accepted');
  });

  it('refuses two rules with tagStatus any in one storage class', async () => {
    const policy = JSON.stringify({
      rules: [
        { rulePriority: 1, selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }, action: { type: 'transition', targetStorageClass: 'archive' } },
        { rulePriority: 2, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }, action: { type: 'expire' } },
      ],
    });
    expect(await refusal(template(policy))).toMatch(/the rule with tagStatus any must have the highest rulePriority of the standard storage class/);
  });

  it('pages repositories and images with maxResults and nextToken, and says which repository does not exist', async () => {
    aws.seedRepositories(ACCOUNT, REGION, [
      ...Array.from({ length: 5 }, (_, index) => ({ name: `quay/r${index}`, images: [] })),
      { name: 'quay/big', images: Array.from({ length: 3 }, (_, index) => ({ tags: [`v${index}`], sizeBytes: 10 + index, pushedAt: new Date('2026-01-01T00:00:00Z') })) },
    ]);
    const first = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 4 }));
    expect(first.repositories!.map((repository) => repository.repositoryName)).toEqual(['quay/big', 'quay/r0', 'quay/r1', 'quay/r2']);
    const second = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 4, nextToken: first.nextToken }));
    expect(second.repositories!.map((repository) => repository.repositoryName)).toEqual(['quay/r3', 'quay/r4']);
    expect(second.nextToken).toBeUndefined();
    expect(await refusal(ecr.send(new DescribeRepositoriesCommand({ maxResults: 1001 })))).toMatch(/maxResults must be from 1 to 1000/);
    expect(await refusal(ecr.send(new DescribeImagesCommand({ repositoryName: 'quay/big', nextToken: first.nextToken })))).toMatch(/not valid for this request/);
    const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'quay/big', maxResults: 2 }));
    expect(images.imageDetails!.map((image) => [image.imageTags, image.imageSizeInBytes, image.lastRecordedPullTime])).toEqual([
      [['v0'], 10, undefined],
      [['v1'], 11, undefined],
    ]);
    expect(await refusal(ecr.send(new DescribeImagesCommand({ repositoryName: 'quay/none' })))).toMatch(/^RepositoryNotFoundException: The repository with name 'quay\/none' does not exist/);
  });

  it('throttles every nth call of the actions it is told to, as ThrottlingException', async () => {
    await aws.close();
    aws = await startLoopbackAws({ throttle: { everyNth: 2, actions: ['ecr:DescribeRepositories'] } });
    ({ ecr } = clients(ACCOUNT));
    expect(await refusal(ecr.send(new DescribeRepositoriesCommand({})))).toBe('accepted');
    expect(await refusal(ecr.send(new DescribeRepositoriesCommand({})))).toBe('ThrottlingException: Rate exceeded');
    expect(await refusal(ecr.send(new DescribePullThroughCacheRulesCommand({})))).toBe('accepted');
  });
});
