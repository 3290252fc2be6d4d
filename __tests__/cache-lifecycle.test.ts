import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { compatibleReleases } from '../stacks/ecr-cache-stack';
/**
 * The cache repositories' lifecycle by use. ECR expires by push age and count only; its one use-based rule,
 * `sinceImagePulled`, archives (aws/containers-roadmap#921, #2728), and archived images answer pulls with 404: so the
 * default never archives, and archiving by last pull is a setting the file asks for, checked so it never archives an
 * image a node pulled within the last day.
 */
import { EcrRepositoryCreationTemplate } from '@cdktf/provider-aws/lib/ecr-repository-creation-template';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Testing, TerraformStack } from 'cdktf';
import { checkEnvironmentFile } from '../config/environments';
import { CacheRepositoryTemplate } from '../lib/constructs/cache-repository-template';
import { environmentFromText, environmentsFolder, parseStack, resourcesOf, synthEnvironment } from './support/stacks';

const FILE = (repositories: string, rule = '') => `account: "111111111111"
region: eu-west-2
nodes: { cluster: c1 }
${repositories}
rules:
  quay: { upstream: quay${rule} }
  k8s: { upstream: k8s }
`;

const policies = (text: string) =>
  new Map(resourcesOf(parseStack(synthEnvironment(environmentFromText(text))), EcrRepositoryCreationTemplate.tfResourceType).map((template) => [template.prefix as string, JSON.parse(template.lifecycle_policy as string) as { rules: Record<string, unknown>[] }]));

const problemsOf = (text: string) => {
  const dir = environmentsFolder({ 'env.yaml': text });
  try {
    return checkEnvironmentFile(join(dir, 'env.yaml')).problems.map((problem) => `${problem.path.join('.')}: ${problem.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('the lifecycle of cache repositories', () => {
  it('never archives by default: every rule expires by push age or count', () => {
    for (const policy of policies(FILE('')).values()) {
      expect(policy.rules.map((rule) => [(rule.selection as { countType: string }).countType, (rule.action as { type: string }).type])).toEqual([
        ['sinceImagePushed', 'expire'],
        ['imageCountMoreThan', 'expire'],
      ]);
    }
  });

  it('archives tagged images not pulled for archiveAfterDaysUnpulled days, and deletes them 90 days later', () => {
    const byPrefix = policies(FILE('repositories: { archiveAfterDaysUnpulled: 30 }'));
    expect(byPrefix.get('k8s')).toEqual({
      rules: [
        { rulePriority: 1, description: 'Expire untagged images after 7 days', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } },
        {
          rulePriority: 2,
          description: 'Archive tagged images not pulled for 30 days',
          selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 },
          action: { type: 'transition', targetStorageClass: 'archive' },
        },
        { rulePriority: 3, description: 'Keep at most 100 images', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }, action: { type: 'expire' } },
        {
          rulePriority: 4,
          description: 'Delete images archived for 90 days',
          selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90 },
          action: { type: 'expire' },
        },
      ],
    });
  });

  it("takes a rule's own setting over the environment's, and deleteArchivedAfterDays", () => {
    const byPrefix = policies(FILE('repositories: { archiveAfterDaysUnpulled: 30 }', ', repositories: { archiveAfterDaysUnpulled: 60, deleteArchivedAfterDays: 120 }'));
    expect(byPrefix.get('quay')!.rules[1].selection).toMatchObject({ countNumber: 60 });
    expect(byPrefix.get('quay')!.rules[3].selection).toMatchObject({ countNumber: 120 });
    expect(byPrefix.get('k8s')!.rules[1].selection).toMatchObject({ countNumber: 30 });
  });
});

describe('check, on lifecycle settings', () => {
  it('refuses archiving an image a node pulled within the last day: ECR records pulls only once a day', () => {
    expect(problemsOf(FILE('repositories: { archiveAfterDaysUnpulled: 1 }'))).toEqual([
      "repositories.archiveAfterDaysUnpulled: 1 would archive images a node pulled within the last day: ECR refreshes an image's last pull time only once every 24 hours; use 2 or more",
    ]);
    expect(problemsOf(FILE('repositories: { archiveAfterDaysUnpulled: 2 }'))).toEqual([]);
  });

  it('refuses deleting archived images before 90 days, and deleteArchivedAfterDays with nothing archived', () => {
    expect(problemsOf(FILE('repositories: { archiveAfterDaysUnpulled: 30, deleteArchivedAfterDays: 30 }'))).toEqual([
      'repositories.deleteArchivedAfterDays: 30 is too soon: ECR deletes archived images after 90 days at the earliest',
    ]);
    expect(problemsOf(FILE('repositories: { deleteArchivedAfterDays: 120 }'))).toEqual(['repositories.deleteArchivedAfterDays: only applies with archiveAfterDaysUnpulled: nothing is archived without it']);
  });

  it('answers expireAfterDaysUnpulled with why ECR has no such thing, and what to use', () => {
    expect(problemsOf(FILE('repositories: { expireAfterDaysUnpulled: 30 }'))).toEqual([
      'repositories.expireAfterDaysUnpulled: ECR cannot expire an image by its last pull: sinceImagePulled only archives (aws/containers-roadmap#921, #2728), and an archived image answers pulls with 404. ' +
        'Use archiveAfterDaysUnpulled to archive unpulled images (deleted deleteArchivedAfterDays later), or leave it out to keep expiry by push age',
    ]);
  });

  it('is the construct library’s check too', () => {
    const stack = new TerraformStack(Testing.app(), 'library');
    expect(() => new CacheRepositoryTemplate(stack, 'quay', { prefix: 'quay', archiveAfterDaysUnpulled: 1 })).toThrow(/^creation template quay: archiveAfterDaysUnpulled: 1 would archive images a node pulled within the last day/);
  });
});

describe('pull-time update exclusions (provider 6.28+: tested by synthesis, the offline provider here is 5.100)', () => {
  const TRIVY = 'arn:aws:iam::111111111111:role/trivy-scanner';
  const text = FILE(`repositories: { archiveAfterDaysUnpulled: 30 }\npullTimeExclusions: ["${TRIVY}"]`);

  it('excludes each principal, and asks for the provider release that has the resource', () => {
    const stack = parseStack(synthEnvironment(environmentFromText(text)));
    expect(stack.resource.aws_ecr_pull_time_update_exclusion).toEqual({ pull_time_exclusion_trivy_scanner: { principal_arn: TRIVY } });
    expect(stack.terraform.required_providers!.aws.version).toBe('~> 6.28');
  });

  it('leaves the provider constraint of the bindings without exclusions', () => {
    // The bindings' own constraint (~> 6.25 for CDKTF's, another for CDK Terrain's), not raised to 6.28.
    const bindings = new AwsProvider(new TerraformStack(Testing.app(), 'bindings'), 'aws', { region: 'eu-west-2' }).terraformGeneratorMetadata?.providerVersion;
    expect(parseStack(synthEnvironment(environmentFromText(FILE('')))).terraform.required_providers!.aws.version).toBe(compatibleReleases(bindings));
  });

  it('refuses what is not an IAM role or user, a principal twice, and warns where nothing archives by last pull', () => {
    expect(problemsOf(FILE(`pullTimeExclusions: ["arn:aws:s3:::bucket", "${TRIVY}", "${TRIVY}"]`))).toEqual([
      'pullTimeExclusions.0: "arn:aws:s3:::bucket" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)',
      `pullTimeExclusions.2: ${TRIVY} is listed twice`,
    ]);
    const dir = environmentsFolder({ 'env.yaml': FILE(`pullTimeExclusions: ["${TRIVY}"]`) });
    try {
      expect(checkEnvironmentFile(join(dir, 'env.yaml')).warnings.map((warning) => warning.message)).toContain(
        'nothing here archives by last pull (archiveAfterDaysUnpulled): the exclusions change only what status reports as last pulled',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
