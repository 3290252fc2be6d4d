/**
 * One cache for a whole AWS Organization (examples/organization): the hub's registry policy and repository policies,
 * and a consumer's node policy on the hub's repositories.
 */
import { EcrRegistryPolicy } from '@cdktf/provider-aws/lib/ecr-registry-policy';
import { EcrRepositoryCreationTemplate } from '@cdktf/provider-aws/lib/ecr-repository-creation-template';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { join } from 'node:path';
import { loadEnvironments, PROJECT_ROOT } from '../config/environments';
import { parseStack, resourcesOf, synthEnvironment } from './support/stacks';

const { environments } = loadEnvironments(join(PROJECT_ROOT, 'examples', 'organization'));
const byName = new Map(environments.map((environment) => [environment.name, environment]));
const HUB_PREFIXES = ['docker-hub', 'github', 'k8s', 'ecr', 'quay'];

/** The statements the hub's consumers get: by account (their root), and through the organization. */
const consumerStatements = (sid: string, actions: string[], resource?: string[]) => [
  { Sid: `${sid}Accounts`, Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::555555555555:root'] }, Action: actions, ...(resource ? { Resource: resource } : {}) },
  {
    Sid: `${sid}Organization`,
    Effect: 'Allow',
    Principal: '*',
    Action: actions,
    ...(resource ? { Resource: resource } : {}),
    Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
  },
];

describe('the hub', () => {
  const synthesized = synthEnvironment(byName.get('shared')!);
  const stack = parseStack(synthesized);

  it("owns the registry's permissions policy: its consumers may create and import into the cache repositories, nothing else", () => {
    const expected = {
      Version: '2012-10-17',
      Statement: consumerStatements(
        'ConsumersCreateAndImport',
        ['ecr:CreateRepository', 'ecr:BatchImportUpstreamImage'],
        HUB_PREFIXES.map((prefix) => `arn:aws:ecr:eu-west-2:444444444444:repository/${prefix}/*`),
      ),
    };
    expect(Object.keys(stack.resource[EcrRegistryPolicy.tfResourceType])).toEqual(['registry']);
    // As cdktf's matcher sees it: the policy is the document itself, compact, not a reference.
    expect(synthesized).toHaveResourceWithProperties(EcrRegistryPolicy, { policy: JSON.stringify(expected) });
  });

  it.each(HUB_PREFIXES)('lets the consumers pull from what the %s template creates', (prefix) => {
    const template = resourcesOf(stack, EcrRepositoryCreationTemplate.tfResourceType).find((candidate) => candidate.prefix === prefix)!;
    expect(JSON.parse(template.repository_policy as string)).toEqual({
      Version: '2012-10-17',
      Statement: consumerStatements('ConsumersPull', ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability']),
    });
    expect(synthesized).toHaveResourceWithProperties(EcrRepositoryCreationTemplate, {
      prefix,
      repository_policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: consumerStatements('ConsumersPull', ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability']),
      }),
    });
  });

  it('outputs both policies', () => {
    expect(Object.keys(stack.output)).toEqual(expect.arrayContaining(['consumer_registry_policy', 'consumer_repository_policy']));
    expect(stack.output.consumer_registry_policy.value).toBe('${aws_ecr_registry_policy.registry.policy}');
  });

  it('leaves the registry policy alone in an environment without consumers', () => {
    const [other] = loadEnvironments(join(PROJECT_ROOT, 'examples')).environments;
    expect(synthEnvironment(other)).not.toHaveResource(EcrRegistryPolicy);
  });
});

describe.each([
  ['team-a', '555555555555', ['node', 'node_AmazonEC2ContainerRegistryPullOnly', 'node_AmazonEKSWorkerNodePolicy', 'node_AmazonEKS_CNI_Policy', 'node_cache_pull', 'eks_node_cache_pull']],
  ['team-b', '666666666666', ['eks_node_cache_pull']],
])('the consumer %s', (name, account, grants) => {
  const synthesized = synthEnvironment(byName.get(name)!);
  const stack = parseStack(synthesized);

  it('is applied in its own account, and creates only what its nodes need: no rule, secret, template or registry policy', () => {
    expect(synthesized).toHaveProviderWithProperties(AwsProvider, { region: 'eu-west-2', allowed_account_ids: [account] });
    expect(Object.keys(stack.resource).sort()).toEqual(
      (grants.includes('node') ? ['aws_eks_access_entry', 'aws_iam_policy', 'aws_iam_role', 'aws_iam_role_policy_attachment'] : ['aws_iam_policy', 'aws_iam_role_policy_attachment']),
    );
    const attachments = Object.keys(stack.resource.aws_iam_role_policy_attachment);
    expect([...(stack.resource.aws_iam_role ? Object.keys(stack.resource.aws_iam_role) : []), ...attachments].sort()).toEqual([...grants].sort());
  });

  it("lets its nodes pull through the hub's repositories, and log in", () => {
    expect(resourcesOf(stack, IamPolicy.tfResourceType)).toHaveLength(1);
    const expected = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'RegistryLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        {
          Sid: 'PullThroughCache',
          Effect: 'Allow',
          Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
          Resource: HUB_PREFIXES.map((prefix) => `arn:aws:ecr:eu-west-2:444444444444:repository/${prefix}/*`),
        },
      ],
    };
    expect(synthesized).toHaveResourceWithProperties(IamPolicy, { name: `ecr-cache-${name}-node-pull`, policy: JSON.stringify(expected) });
  });

  it("outputs the hub's registry URIs", () => {
    expect(stack.output.registry_uris.value).toEqual(Object.fromEntries(HUB_PREFIXES.map((prefix) => [prefix, `444444444444.dkr.ecr.eu-west-2.amazonaws.com/${prefix}`])));
  });
});
