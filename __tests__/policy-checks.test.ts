/**
 * Each policy rule fires on a bad resource and passes on a good one; a finding fails synth unless acknowledged,
 * and acknowledgements are written into the synthesized output.
 */
import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import { EcrRepositoryCreationTemplate } from '@cdktf/provider-aws/lib/ecr-repository-creation-template';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { DataAwsSecretsmanagerSecret } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secret';
import { PullThroughCache } from '../lib/constructs/pull-through-cache';
import { UpstreamCredentialSecret } from '../lib/constructs/credential-secret';
import { PULL_THROUGH_CACHE_SECRET_EXCEPTION } from '../lib/policy/rules/secretsmanager';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { loadEnvironments, PROJECT_ROOT } from '../config/environments';
import { acknowledge, POLICY_RULES, PolicyChecks, policyFindings } from '../lib/policy/policy-checks';
import { resourceMatchesArnFormat } from '../lib/aws/iam-catalogue';
import { NODE_CACHE_ACTIONS } from '../lib/aws/perms';
import { EcrRegistryPolicy } from '@cdktf/provider-aws/lib/ecr-registry-policy';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PolicyFindingsError, synthesize } from '../stacks';
import { upstream } from '../lib/aws/upstreams';
import { EcrCacheStack } from '../stacks';
import type { SynthesizedStack } from './support/stacks';
import { FIXTURE_ENVIRONMENTS } from './support/stacks';

const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', ...statement }] });
const REPOSITORIES = 'arn:aws:ecr:eu-west-2:123456789012:repository/quay/*';
const template = (config: Partial<ConstructorParameters<typeof EcrRepositoryCreationTemplate>[2]> = {}) => (scope: Construct) =>
  new EcrRepositoryCreationTemplate(scope, 'template', { prefix: 'quay', appliedFor: ['PULL_THROUGH_CACHE'], imageTagMutability: 'MUTABLE', ...config });

/** A pull-through cache rule (with its template) whose credential secret is `secret`, by reference or by ARN. */
function ruleWithSecret(scope: Construct, secret: Partial<ConstructorParameters<typeof SecretsmanagerSecret>[2]> = {}, byArn?: string) {
  template({ prefix: 'hub' })(scope);
  const created = new SecretsmanagerSecret(scope, 'secret', { name: 'ecr-pullthroughcache/hub', recoveryWindowInDays: 7, ...secret });
  new EcrPullThroughCacheRule(scope, 'rule', { ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: byArn ?? created.arn });
  return created;
}

/** rule id -> [a resource that breaks it, the same resource done right] */
const CASES: Record<string, [(scope: Construct) => unknown, (scope: Construct) => unknown]> = {
  'PTC-IAM1': [
    (scope) => new IamPolicy(scope, 'policy', { name: 'p', policy: policy({ Action: ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage'], Resource: '*' }) }),
    // Registry login cannot be scoped: "*" is its only resource.
    (scope) => new IamPolicy(scope, 'policy', { name: 'p', policy: policy({ Action: 'ecr:GetAuthorizationToken', Resource: '*' }) }),
  ],
  'PTC-IAM2': [
    (scope) => new IamRolePolicy(scope, 'policy', { role: 'r', policy: policy({ Action: 'ecr:*', Resource: REPOSITORIES }) }),
    (scope) => new IamRolePolicy(scope, 'policy', { role: 'r', policy: policy({ Action: ['ecr:BatchGetImage'], Resource: REPOSITORIES }) }),
  ],
  'PTC-IAM3': [
    (scope) => new IamPolicy(scope, 'policy', { name: 'p', policy: policy({ Sid: 'Pull', Action: ['ecr:BatchGetImagee'], Resource: REPOSITORIES }) }),
    (scope) => new IamPolicy(scope, 'policy', { name: 'p', policy: policy({ Sid: 'Pull', Action: ['ecr:BatchGetImage'], Resource: REPOSITORIES }) }),
  ],
  'PTC-SM1': [
    (scope) => new SecretsmanagerSecretVersion(scope, 'version', { secretId: 's', secretString: '{"username":"u","accessToken":"t"}' }),
    (scope) => {
      const value = new TerraformVariable(scope, 'value', { type: 'string', sensitive: true });
      return new SecretsmanagerSecretVersion(scope, 'version', { secretId: 's', secretStringWo: value.stringValue, secretStringWoVersion: 1 });
    },
  ],
  'PTC-SM2': [
    (scope) => new SecretsmanagerSecret(scope, 'secret', { name: 'app/x', recoveryWindowInDays: 0, kmsKeyId: 'k' }),
    (scope) => new SecretsmanagerSecret(scope, 'secret', { name: 'app/x', recoveryWindowInDays: 7, kmsKeyId: 'k' }),
  ],
  'PTC-SM3': [
    (scope) => new SecretsmanagerSecret(scope, 'secret', { name: 'app/x', recoveryWindowInDays: 7 }),
    (scope) => new SecretsmanagerSecret(scope, 'secret', { name: 'app/x', recoveryWindowInDays: 7, kmsKeyId: 'alias/app' }),
  ],
  'PTC-SM4': [
    (scope) => ruleWithSecret(scope, { kmsKeyId: 'alias/app' }),
    (scope) => ruleWithSecret(scope, { kmsKeyId: 'alias/aws/secretsmanager' }),
  ],
  'PTC-ECR1': [template({ imageTagMutability: 'IMMUTABLE' }), template({ imageTagMutability: 'MUTABLE' })],
  'PTC-ECR2': [
    template({ encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: 'arn:aws:kms:eu-west-2:123456789012:key/k' }] }),
    template({
      encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: 'arn:aws:kms:eu-west-2:123456789012:key/k' }],
      customRoleArn: 'arn:aws:iam::123456789012:role/template',
    }),
  ],
  'PTC-ECR3': [
    (scope) => new EcrPullThroughCacheRule(scope, 'rule', { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' }),
    (scope) => {
      template()(scope);
      return new EcrPullThroughCacheRule(scope, 'rule', { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' });
    },
  ],
};

function stackWith(build: (scope: Construct) => unknown): TerraformStack {
  // CDK Terrain checks write-only arguments against the Terraform releases a project targets (Terraform >= 1.11).
  const stack = new TerraformStack(Testing.app({ context: { targetVersions: { terraform: '>=1.11.0' } } }), 'checked');
  new AwsProvider(stack, 'aws', { region: 'eu-west-2' });
  build(stack);
  PolicyChecks.applyTo(stack);
  return stack;
}

/** Synthesizes with validations, then returns the stack as written to cdktf.out, `//` comments included. */
function fullyValidated(stack: TerraformStack): SynthesizedStack {
  Testing.synth(stack, true);
  return stack.toTerraform() as SynthesizedStack;
}

const firing = (stack: TerraformStack) => policyFindings(stack).filter((finding) => finding.acknowledged === undefined).map((finding) => finding.rule.id);

describe('policy rules', () => {
  it('each have an id and name what they mirror', () => {
    expect(POLICY_RULES.map((rule) => rule.id)).toEqual(Object.keys(CASES));
    for (const rule of POLICY_RULES) expect(rule.mirrors).toMatch(/CKV_|AVD-AWS-|none in checkov or trivy|secret scanning/);
  });

  it.each(Object.entries(CASES))('%s fires on the bad resource and fails synth', (id, [bad]) => {
    const stack = stackWith(bad);
    expect(firing(stack)).toEqual([id]);
    expect(() => Testing.synth(stack, true)).toThrow(new RegExp(`\\[${id}\\]`));
  });

  it.each(Object.entries(CASES))('%s passes the good resource', (_, [, good]) => {
    const stack = stackWith(good);
    expect(firing(stack)).toEqual([]);
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  it('lets synth pass when the finding is acknowledged on that resource, and shows the reason', () => {
    const stack = stackWith((scope) => {
      const secret = new SecretsmanagerSecret(scope, 'secret', { name: 'app/x', recoveryWindowInDays: 7 });
      acknowledge(secret, 'PTC-SM3', 'this secret is read by a service that cannot use a CMK');
    });
    expect(firing(stack)).toEqual([]);
    const [secret] = Object.values(fullyValidated(stack).resource.aws_secretsmanager_secret);
    expect((secret['//'] as { acknowledged_findings: unknown }).acknowledged_findings).toEqual({
      'PTC-SM3':
        'secret not encrypted with a customer managed KMS key (checkov CKV_AWS_149, trivy AVD-AWS-0098): ' +
        'this secret is read by a service that cannot use a CMK',
    });
  });

  it('acknowledges only on the resource it names', () => {
    const stack = stackWith((scope) => {
      const first = new SecretsmanagerSecret(scope, 'first', { name: 'app/a', recoveryWindowInDays: 7 });
      new SecretsmanagerSecret(scope, 'second', { name: 'app/b', recoveryWindowInDays: 7 });
      acknowledge(first, 'PTC-SM3', 'read by a service that cannot use a CMK');
    });
    expect(policyFindings(stack).map((finding) => [finding.path, finding.acknowledged !== undefined])).toEqual([
      ['checked/first', true],
      ['checked/second', false],
    ]);
  });

  it('acknowledges, from a construct or a stack, every resource below it, and nothing beside it', () => {
    const stack = stackWith((scope) => {
      const team = new Construct(scope, 'team');
      new SecretsmanagerSecret(team, 'first', { name: 'app/a', recoveryWindowInDays: 7 });
      new SecretsmanagerSecret(new Construct(team, 'nested'), 'second', { name: 'app/b', recoveryWindowInDays: 7 });
      new SecretsmanagerSecret(scope, 'outside', { name: 'app/c', recoveryWindowInDays: 7 });
      acknowledge(team, 'PTC-SM3', "the team's secrets are read by a service that cannot use a CMK");
    });
    expect(policyFindings(stack).map((finding) => [finding.path, finding.acknowledged])).toEqual([
      ['checked/team/first', "the team's secrets are read by a service that cannot use a CMK"],
      ['checked/team/nested/second', "the team's secrets are read by a service that cannot use a CMK"],
      ['checked/outside', undefined],
    ]);
    acknowledge(stack, 'PTC-SM3', 'no secret of this stack can use a CMK');
    expect(firing(stack)).toEqual([]);
    const secrets = fullyValidated(stack).resource.aws_secretsmanager_secret;
    expect(Object.values(secrets).map((secret) => (secret['//'] as { acknowledged_findings: Record<string, string> }).acknowledged_findings['PTC-SM3'])).toEqual([
      expect.stringMatching(/: the team's secrets are read by a service that cannot use a CMK$/),
      expect.stringMatching(/: the team's secrets are read by a service that cannot use a CMK$/),
      expect.stringMatching(/: no secret of this stack can use a CMK$/),
    ]);
  });

  it('acknowledges, with appliesTo, only the actions it names: the finding stands for the others', () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['ecr:DescribeRegistry', 's3:GetObject'], Resource: '*' }],
    });
    const build = (scope: Construct) => {
      const document = new IamPolicy(scope, 'policy', { name: 'p', policy });
      acknowledge(document, 'PTC-IAM1', 'DescribeRegistry has no resource to scope to', { appliesTo: ['ecr:DescribeRegistry'] });
    };
    const stack = stackWith(build);
    const findings = policyFindings(stack).map((finding) => [finding.message, finding.acknowledged]);
    expect(findings).toEqual([
      ['allows ecr:DescribeRegistry on "*"', 'for ecr:DescribeRegistry: DescribeRegistry has no resource to scope to'],
      ['allows s3:GetObject on "*"', undefined],
    ]);
    expect(() => Testing.synth(stack, true)).toThrow(/\[PTC-IAM1\] IAM policy allows actions on every resource \("\*"\): allows s3:GetObject on "\*"/);
    const both = stackWith(build);
    acknowledge(both, 'PTC-IAM1', 'the reader needs every object of its bucket', { appliesTo: ['s3:GetObject'] });
    expect(firing(both)).toEqual([]);
    const [document] = Object.values(fullyValidated(both).resource.aws_iam_policy);
    expect((document['//'] as { acknowledged_findings: Record<string, string> }).acknowledged_findings['PTC-IAM1']).toBe(
      'IAM policy allows actions on every resource ("*") (checkov CKV_AWS_355, trivy AVD-AWS-0057): ' +
        'for ecr:DescribeRegistry: DescribeRegistry has no resource to scope to; for s3:GetObject: the reader needs every object of its bucket',
    );
    expect(() => acknowledge(both, 'PTC-IAM1', 'covers nothing at all', { appliesTo: [] })).toThrow(/covers nothing/);
  });

  it('refuses an acknowledgement without a written reason, or of an unknown rule', () => {
    const stack = new TerraformStack(Testing.app(), 's');
    const role = new IamRole(stack, 'role', { assumeRolePolicy: '{}' });
    expect(() => acknowledge(role, 'PTC-IAM1', '')).toThrow(/needs a written reason/);
    expect(() => acknowledge(role, 'PTC-NOPE', 'a good reason here')).toThrow(/unknown policy rule/);
  });
});

describe("PTC-SM3 and PTC-SM4: a pull-through cache rule's credential secret takes AWS's rule, every other secret the general one", () => {
  const exceptionOf = (stack: TerraformStack, name: string) =>
    (fullyValidated(stack).resource.aws_secretsmanager_secret[name]['//'] as { acknowledged_findings?: Record<string, string> } | undefined)?.acknowledged_findings;

  it.each([
    ['a reference to it (a token)', undefined],
    ['its ARN written out', 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:ecr-pullthroughcache/hub-AbCdEf'],
    ['its partial ARN', 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:ecr-pullthroughcache/hub'],
  ])("accepts the default key on a secret a rule's credential_arn names by %s, with AWS's reason written", (_, byArn) => {
    const stack = stackWith((scope) => ruleWithSecret(scope, {}, byArn));
    expect(firing(stack)).toEqual([]);
    expect(exceptionOf(stack, 'secret')).toEqual({
      'PTC-SM3': 'secret not encrypted with a customer managed KMS key (checkov CKV_AWS_149, trivy AVD-AWS-0098): ECR pull-through cache can only read secrets under the default aws/secretsmanager key',
    });
  });

  it("refuses another key on a rule's secret, naming the rule and AWS's source", () => {
    const stack = stackWith((scope) => ruleWithSecret(scope, { kmsKeyId: 'arn:aws:kms:eu-west-2:123456789012:key/k' }));
    expect(firing(stack)).toEqual(['PTC-SM4']);
    expect(() => Testing.synth(stack, true)).toThrow(
      '[PTC-SM4] pull-through cache rule\'s credential secret under another key than aws/secretsmanager: is the credential secret of the pull-through cache rule hub, ' +
        'encrypted with kms_key_id arn:aws:kms:eu-west-2:123456789012:key/k: ECR cannot read it; leave kms_key_id out ' +
        '(mirrors none in checkov or trivy: AWS\'s rule (ECR user guide, "Storing your upstream repository credentials in an AWS Secrets Manager secret": ' +
        '"You must use the default aws/secretsmanager encryption key to encrypt your secret"))',
    );
  });

  it('keeps the general rule for secrets no rule uses, unless named as AWS requires of a credential secret: a rule of another stack reads it', () => {
    const stack = stackWith((scope) => {
      template({ prefix: 'hub' })(scope);
      new SecretsmanagerSecret(scope, 'app', { name: 'app/x', recoveryWindowInDays: 7 });
      new SecretsmanagerSecret(scope, 'hub', { name: 'ecr-pullthroughcache/hub', recoveryWindowInDays: 7 });
      new SecretsmanagerSecret(scope, 'hub-old', { name: 'ecr-pullthroughcache/hub-old', recoveryWindowInDays: 7 });
      const existing = new DataAwsSecretsmanagerSecret(scope, 'data-hub', { name: 'ecr-pullthroughcache/hub' });
      existing.overrideLogicalId('hub');
      new EcrPullThroughCacheRule(scope, 'rule', { ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: existing.arn });
    });
    expect(policyFindings(stack).map((finding) => [finding.path, finding.rule.id, finding.acknowledged])).toEqual([
      ['checked/app', 'PTC-SM3', undefined],
      ['checked/hub', 'PTC-SM3', PULL_THROUGH_CACHE_SECRET_EXCEPTION],
      ['checked/hub-old', 'PTC-SM3', PULL_THROUGH_CACHE_SECRET_EXCEPTION],
    ]);
    expect(firing(stack)).toEqual(['PTC-SM3']);
  });

  it("accepts a credential secret made alone (UpstreamCredentialSecret, for a rule of another stack), and refuses another key on such a name", () => {
    const alone = stackWith((scope) => new UpstreamCredentialSecret(scope, 'credentials', { name: 'ecr-pullthroughcache/docker-hub', upstreamTitle: 'Docker Hub' }));
    expect(firing(alone)).toEqual([]);
    const keyed = stackWith((scope) => new SecretsmanagerSecret(scope, 'secret', { name: 'ecr-pullthroughcache/hub', recoveryWindowInDays: 7, kmsKeyId: 'alias/app' }));
    expect(firing(keyed)).toEqual(['PTC-SM4']);
  });

  it("knows the secrets the library's rules create, and the ones a rule is given", () => {
    const stack = stackWith((scope) => {
      const given = new SecretsmanagerSecret(scope, 'given', { name: 'ecr-pullthroughcache/ghcr', recoveryWindowInDays: 7 });
      const cache = new PullThroughCache(scope, 'cache', {});
      cache.addRule('docker-hub', { upstream: 'docker-hub' });
      cache.addRule('ghcr', { upstream: 'github-container-registry', secretArn: given.arn });
    });
    expect(firing(stack)).toEqual([]);
    expect(policyFindings(stack).map((finding) => [finding.path, finding.acknowledged])).toEqual([
      ['checked/given', PULL_THROUGH_CACHE_SECRET_EXCEPTION],
      ['checked/cache/rule-docker-hub/credentials/secret', PULL_THROUGH_CACHE_SECRET_EXCEPTION],
    ]);
  });
});

describe('PTC-IAM3: every action in every policy is in the IAM catalogue, on resources it takes', () => {
  const messages = (statements: object[], type: 'identity' | 'registry' = 'identity') => {
    const stack = stackWith((scope) => {
      const document = JSON.stringify({ Version: '2012-10-17', Statement: statements });
      if (type === 'identity') new IamPolicy(scope, 'policy', { name: 'p', policy: document });
      else new EcrRegistryPolicy(scope, 'registry', { policy: document });
    });
    return policyFindings(stack).filter((finding) => finding.rule.id === 'PTC-IAM3').map((finding) => finding.message.replace(/ \(IAM catalogue .*\)$/, ''));
  };
  const KEY = 'arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  it('names the argument, the statement and the action at fault', () => {
    expect(messages([{ Sid: 'Pull', Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:BatchGetImagee'], Resource: REPOSITORIES }])).toEqual([
      'policy, statement "Pull": "ecr:BatchGetImagee" is not an action of ecr',
    ]);
    expect(messages([{ Effect: 'Allow', Action: 'ecrr:BatchGetImage', Resource: REPOSITORIES }])).toEqual([
      'policy, statement #1 (no Sid): "ecrr:BatchGetImage": the IAM catalogue has no service "ecrr"',
    ]);
    expect(messages([{ Effect: 'Deny', NotAction: 'ecr:BatchGetImag', Resource: '*' }, { Effect: 'Allow', Action: 'ecr:Gett*', Resource: REPOSITORIES }])).toEqual([
      'policy, statement #1 (no Sid): "ecr:BatchGetImag" is not an action of ecr; policy, statement #2 (no Sid): "ecr:Gett*" matches no ecr action',
    ]);
    expect(messages([{ Effect: 'Allow', Action: 'BatchGetImage', Resource: REPOSITORIES }])).toEqual(['policy, statement #1 (no Sid): "BatchGetImage" is not service:Action']);
  });

  it("refuses a resource the action does not take, by the action's resource types' ARN formats", () => {
    expect(messages([{ Sid: 'Pull', Effect: 'Allow', Action: ['ecr:BatchGetImage'], Resource: [REPOSITORIES, KEY] }])).toEqual([
      `policy, statement "Pull": "ecr:BatchGetImage" does not take "${KEY}": it takes repository (arn:\${Partition}:ecr:\${Region}:\${Account}:repository/\${RepositoryName})`,
    ]);
    expect(messages([{ Sid: 'Login', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: REPOSITORIES }])).toEqual([
      `policy, statement "Login": "ecr:GetAuthorizationToken" takes no resource but "*", not "${REPOSITORIES}"`,
    ]);
    // A resource policy's statements, and a reference Terraform fills in, which synth cannot know.
    expect(messages([{ Sid: 'Import', Effect: 'Allow', Principal: '*', Action: 'ecr:BatchImportUpstreamImage', Resource: KEY }], 'registry')).toEqual([
      `policy, statement "Import": "ecr:BatchImportUpstreamImage" does not take "${KEY}": it takes repository (arn:\${Partition}:ecr:\${Region}:\${Account}:repository/\${RepositoryName})`,
    ]);
    expect(
      messages([
        { Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: [KEY, '${aws_kms_key.cache.arn}'] },
        { Effect: 'Allow', Action: 'ecr:batchgetimage', Resource: 'arn:aws:ecr:*:*:repository/*' },
        { Effect: 'Allow', Action: ['ecr:Get*', 'ecr:GetAuthorizationToken'], Resource: '*' },
      ]),
    ).toEqual([]);
  });

  it('takes an acknowledgement for an action the catalogue does not list yet; the other actions stand, with their statements', () => {
    const stack = stackWith((scope) => {
      const document = new IamPolicy(scope, 'policy', {
        name: 'p',
        policy: policy({ Sid: 'Pull', Action: ['ecr:BatchGetImagee', 'ecr:DescribeEverything'], Resource: REPOSITORIES }),
      });
      acknowledge(document, 'PTC-IAM3', 'announced by AWS this week, not in the catalogue yet', { appliesTo: ['ecr:DescribeEverything'] });
    });
    expect(policyFindings(stack).map((finding) => [finding.message.replace(/ \(IAM catalogue .*\)$/, ''), finding.acknowledged])).toEqual([
      ['policy, statement "Pull": "ecr:DescribeEverything" is not an action of ecr', 'for ecr:DescribeEverything: announced by AWS this week, not in the catalogue yet'],
      ['policy, statement "Pull": "ecr:BatchGetImagee" is not an action of ecr', undefined],
    ]);
  });

  it('matches a resource pattern against an ARN format as patterns: they must share a resource', () => {
    const repository = 'arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}';
    expect(resourceMatchesArnFormat('arn:aws:ecr:eu-west-2:123456789012:repository/quay/*', repository)).toBe(true);
    expect(resourceMatchesArnFormat('arn:aws:ecr:*', repository)).toBe(true);
    expect(resourceMatchesArnFormat('arn:aws:ecr:eu-west-?:123456789012:repository/x', repository)).toBe(true);
    expect(resourceMatchesArnFormat('arn:aws:ecr:eu-west-2:123456789012:registry/x', repository)).toBe(false);
    expect(resourceMatchesArnFormat('arn:aws:kms:eu-west-2:123456789012:key/k', repository)).toBe(false);
  });

  it('fails synth of an environment with a misspelt action, naming the environment file, the resource and the statement', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'ecr-cache-iam3-'));
    const actions = NODE_CACHE_ACTIONS as string[];
    actions.push('ecr:BatchGetImages');
    try {
      let error: unknown;
      try {
        synthesize({ environments: FIXTURE_ENVIRONMENTS, outdir: join(outdir, 'out') });
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(PolicyFindingsError);
      const lines = (error as Error).message.split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        /^__tests__\/fixtures\/environments\/dev\.yaml: ecr-cache-dev\/cache\/pull-policy \(aws_iam_policy\.node_pull\): \[PTC-IAM3\] policy names an action AWS does not have, or a resource its action does not take: policy, statement "PullThroughCache": "ecr:BatchGetImages" is not an action of ecr \(IAM catalogue @cloud-copilot\/iam-data 0\.21\.\d+\)/,
      );
      expect(lines[1]).toMatch(/^__tests__\/fixtures\/environments\/prod\.yaml: ecr-cache-prod\/cache\/pull-policy \(aws_iam_policy\.node_pull\): \[PTC-IAM3\]/);
    } finally {
      actions.pop();
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('the example environments', () => {
  const environments = [
    ...loadEnvironments(FIXTURE_ENVIRONMENTS).environments,
    ...loadEnvironments(join(PROJECT_ROOT, 'examples')).environments,
    ...loadEnvironments(join(PROJECT_ROOT, 'examples', 'organization')).environments,
  ];

  it.each(environments.map((environment) => [environment.name, environment] as const))(
    '%s synthesizes with zero unacknowledged findings, each acknowledgement explained',
    (_, environment) => {
      const stack = new EcrCacheStack(Testing.app(), environment);
      const findings = policyFindings(stack);
      expect(findings.filter((finding) => finding.acknowledged === undefined)).toEqual([]);
      // The one acknowledged finding: ECR cannot read a credential secret under a customer managed key.
      expect(findings.map((finding) => finding.rule.id)).toEqual(findings.map(() => 'PTC-SM3'));
      expect(findings.length).toBe(environment.rules.filter((rule) => upstream(rule.upstream).auth === 'secret').length);
      const synthesized = JSON.stringify(fullyValidated(stack));
      expect((synthesized.match(/"PTC-SM3":"/g) ?? []).length).toBe(findings.length);
    },
  );
});
