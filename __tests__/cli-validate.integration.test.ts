/**
 * `./bin/ecr-cache validate` with the real AWS SDK over real HTTP, against a loopback server that speaks ECR's
 * and Secrets Manager's JSON protocol.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeAws, type FakeAwsOptions, startFakeAws } from './support/fake-aws';
import { ecrCacheAsync } from './support/processes';

const SECRET_KEY = 'fakeSecretKeyThatMustNeverBePrinted0123456789';
const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEVALIDATE',
  AWS_SECRET_ACCESS_KEY: SECRET_KEY,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PROFILE: '',
  AWS_ENDPOINT_URL: '',
  AWS_ENDPOINT_URL_ECR: '',
  AWS_ENDPOINT_URL_SECRETS_MANAGER: '',
};
const ALL_VALID = { 'docker-hub': { isValid: true }, github: { isValid: true }, k8s: { isValid: true }, ecr: { isValid: true }, quay: { isValid: true } } as const;

const FILLED_SECRETS = { 'ecr-pullthroughcache/docker-hub': { hasValue: true }, 'ecr-pullthroughcache/github': { hasValue: true } };

let ecr: FakeAws | undefined;
/** The fake serves both services; the secrets of the dev environment have values unless a test says otherwise. */
async function startFakeEcr(rules: FakeAwsOptions['rules'], options: FakeAwsOptions = {}): Promise<FakeAws> {
  return startFakeAws({ rules, secrets: FILLED_SECRETS, ...options });
}
const withSecrets = (fake: FakeAws) => ({ ...CREDENTIALS, AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.endpoint });
const ecrRequests = (fake: FakeAws) => fake.requests.filter((request) => request.target?.startsWith('AmazonEC2ContainerRegistry'));
afterEach(async () => {
  await ecr?.close();
  ecr = undefined;
});

describe('./bin/ecr-cache validate', () => {
  it('validates every rule of the environment, signed for its region, and exits 0 when all are valid', async () => {
    ecr = await startFakeEcr(ALL_VALID);
    const run = await ecrCacheAsync(['validate', '--env', 'dev', '--endpoint', ecr.endpoint], withSecrets(ecr));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      [
        'PREFIX      UPSTREAM              VALID  FAILURE',
        'docker-hub  registry-1.docker.io  yes',
        'github      ghcr.io               yes',
        'k8s         registry.k8s.io       yes',
        'ecr         public.ecr.aws        yes',
        'quay        quay.io               yes',
        '',
      ].join('\n'),
    );
    expect(ecrRequests(ecr).map((request) => request.body).sort((a, b) => String(a.ecrRepositoryPrefix).localeCompare(String(b.ecrRepositoryPrefix)))).toEqual(
      ['docker-hub', 'ecr', 'github', 'k8s', 'quay'].map((prefix) => ({ ecrRepositoryPrefix: prefix, registryId: '111111111111' })),
    );
    for (const request of ecrRequests(ecr)) {
      expect(request.target).toBe('AmazonEC2ContainerRegistry_V20150921.ValidatePullThroughCacheRule');
      expect(request.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEVALIDATE\/\d{8}\/eu-west-2\/ecr\/aws4_request, /);
    }
  });

  it('reports an invalid and a missing rule with their reasons, and exits 1, printing nothing secret', async () => {
    const { quay: _missing, ...rules } = ALL_VALID;
    ecr = await startFakeEcr({ ...rules, github: { isValid: false, failure: 'Authentication failed: the upstream registry rejected the credentials in the secret' } });
    const run = await ecrCacheAsync(['validate', '--env', 'dev'], { ...withSecrets(ecr), AWS_ENDPOINT_URL_ECR: ecr.endpoint });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe(
      [
        'PREFIX      UPSTREAM              VALID    FAILURE',
        'docker-hub  registry-1.docker.io  yes',
        'github      ghcr.io               no       Authentication failed: the upstream registry rejected the credentials in the secret',
        'k8s         registry.k8s.io       yes',
        'ecr         public.ecr.aws        yes',
        'quay        quay.io               missing  no such rule in 111111111111 eu-west-2: deploy ecr-cache-dev',
        '',
      ].join('\n'),
    );
    expect(run.stderr).toBe('\n2 of 5 rules of dev are not working: github, quay\n');
    expect(run.stdout + run.stderr).not.toContain(SECRET_KEY);
  });

  it("flags a rule whose upstream in ECR is not the environment file's", async () => {
    ecr = await startFakeEcr({ ...ALL_VALID, k8s: { isValid: true, upstreamRegistryUrl: 'k8s.gcr.io' } });
    const run = await ecrCacheAsync(['validate', '--env', 'dev', '--endpoint', ecr.endpoint], withSecrets(ecr));
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("k8s         registry.k8s.io       no     ECR's rule pulls from k8s.gcr.io, not registry.k8s.io: apply ecr-cache-dev\n");
  });

  it('stops with one clear message when ECR refuses the caller', async () => {
    ecr = await startFakeEcr(ALL_VALID, { status: 400, errorType: 'AccessDeniedException' });
    const run = await ecrCacheAsync(['validate', '--env', 'prod', '--endpoint', ecr.endpoint], withSecrets(ecr));
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `ecr-cache: ECR at ${ecr.endpoint} (--endpoint) answered AccessDeniedException: User: arn:aws:sts::111111111111:assumed-role/ci is not authorized\n`,
    );
  });

  it('names the secrets that have no value yet, after a first deploy stopped before their rules', async () => {
    const { 'docker-hub': _notCreated, ...rules } = ALL_VALID;
    ecr = await startFakeAws({
      rules: { ...rules, github: { isValid: false, failure: 'The secret has no value' } },
      secrets: { 'ecr-pullthroughcache/docker-hub': { hasValue: false }, 'ecr-pullthroughcache/github': { hasValue: false } },
    });
    const run = await ecrCacheAsync(['validate', '--env', 'dev', '--endpoint', ecr.endpoint], withSecrets(ecr));
    expect(run.status).toBe(1);
    const fill = (name: string) => `secret ecr-pullthroughcache/${name} has no value yet: put the credentials in it (docs/credentials.md), then deploy ecr-cache-dev`;
    expect(run.stdout).toContain(`docker-hub  registry-1.docker.io  missing  ${fill('docker-hub')}\n`);
    expect(run.stdout).toContain(`github      ghcr.io               no       ${fill('github')}\n`);
    expect(run.stdout).toContain('quay        quay.io               yes\n');
    const described = ecr.requests.filter((request) => request.target === 'secretsmanager.DescribeSecret').map((request) => request.body.SecretId);
    expect(described.sort()).toEqual(['ecr-pullthroughcache/docker-hub', 'ecr-pullthroughcache/github']);
  });

  it("prints ECR's verdict on every rule when Secrets Manager cannot be reached, and says which check could not be made", async () => {
    const { quay: _missing, ...rules } = ALL_VALID;
    ecr = await startFakeEcr({ ...rules, github: { isValid: false, failure: 'Authentication failed' } });
    const run = await ecrCacheAsync(['validate', '--env', 'dev', '--endpoint', ecr.endpoint], { ...CREDENTIALS, AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9' });
    expect(run.stdout).toBe(
      [
        'PREFIX      UPSTREAM              VALID    FAILURE',
        'docker-hub  registry-1.docker.io  yes',
        'github      ghcr.io               no       Authentication failed',
        'k8s         registry.k8s.io       yes',
        'ecr         public.ecr.aws        yes',
        'quay        quay.io               missing  no such rule in 111111111111 eu-west-2: deploy ecr-cache-dev',
        '',
      ].join('\n'),
    );
    expect(run.stderr).toMatch(
      /^\nnot checked: whether the credential secret of github has a value: cannot reach Secrets Manager at http:\/\/127\.0\.0\.1:9 \(AWS_ENDPOINT_URL_SECRETS_MANAGER\) \(ECONNREFUSED: .*\): check AWS_ENDPOINT_URL_SECRETS_MANAGER\n2 of 5 rules of dev are not working: github, quay\n$/,
    );
    expect(run.status).toBe(1);
  });

  it("says in one line, for a consumer, that its hub's environment validates the rules, and calls nothing", async () => {
    ecr = await startFakeAws();
    const run = await ecrCacheAsync(['validate', '--env', 'team-a', '--environments', 'examples/organization', '--endpoint', ecr.endpoint], withSecrets(ecr));
    expect([run.status, run.stdout]).toEqual([
      0,
      'team-a pulls through the cache of shared, which has its rules: validate them there (./bin/ecr-cache validate --env shared, with credentials for its account)\n',
    ]);
    expect(ecr.requests).toEqual([]);
  });

  it('says so when ECR cannot be reached', async () => {
    const run = await ecrCacheAsync(['validate', '--env', 'dev', '--endpoint', 'http://127.0.0.1:9'], { ...CREDENTIALS, AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^ecr-cache: cannot reach ECR at http:\/\/127\.0\.0\.1:9 \(--endpoint\) \(ECONNREFUSED: .*\): check --endpoint\n$/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('./bin/ecr-cache validate, pointed at something that is not ECR', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A loopback HTTP server that answers every request the same way. */
  const serve = async (status: number, type: string, body: string): Promise<string> => {
    server = createServer((_, response) => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  it('names an endpoint that is not a URL, before any call', async () => {
    const run = await ecrCacheAsync(['validate', '--env', 'dev', '--endpoint', 'not a url'], CREDENTIALS);
    expect([run.status, run.stdout, run.stderr]).toEqual([
      1,
      '',
      'ecr-cache: --endpoint "not a url" is not an http(s) URL: give the endpoint\'s whole address, for example https://api.ecr.eu-west-2.amazonaws.com\n',
    ]);
    const fromVariable = await ecrCacheAsync(['validate', '--env', 'dev'], { ...CREDENTIALS, AWS_ENDPOINT_URL_ECR: 'ecr.local' });
    expect(fromVariable.stderr).toBe(
      'ecr-cache: AWS_ENDPOINT_URL_ECR "ecr.local" is not an http(s) URL: give the endpoint\'s whole address, for example https://api.ecr.eu-west-2.amazonaws.com\n',
    );
  });

  it('says a web page is not ECR, naming where it came from and what to check', async () => {
    const endpoint = await serve(200, 'text/html', '<html><body>Proxy login</body></html>');
    const run = await ecrCacheAsync(['validate', '--env', 'dev', '--endpoint', endpoint], CREDENTIALS);
    expect([run.status, run.stderr]).toEqual([
      1,
      `ecr-cache: ECR at ${endpoint} (--endpoint) answered with something that is not ECR's API (not JSON: a web page, or a proxy?): check --endpoint\n`,
    ]);
  });

  it('says an HTTP error without an AWS error is not ECR', async () => {
    const endpoint = await serve(404, 'text/plain', '');
    const run = await ecrCacheAsync(['validate', '--env', 'dev'], { ...CREDENTIALS, AWS_ENDPOINT_URL_ECR: endpoint });
    expect([run.status, run.stderr]).toEqual([
      1,
      `ecr-cache: ECR at ${endpoint} (AWS_ENDPOINT_URL_ECR) answered HTTP 404 with no AWS error in it: it does not look like ECR's API; check AWS_ENDPOINT_URL_ECR\n`,
    ]);
  });
});
