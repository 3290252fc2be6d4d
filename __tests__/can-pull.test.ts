/**
 * can-pull: every call a pull makes (lib/aws/perms.ts), evaluated by iam-simulate against the policies the stacks
 * write, as synthesis writes them. Every rule of every example and fixture pulls for its node roles and its hub's
 * consumers; what AWS would refuse is refused, with the statement or the side that decided.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as iamSimulate from '@cloud-copilot/iam-simulate';
import { cacheOf, type Environment } from '../config/environment';
import { loadEnvironments, PROJECT_ROOT } from '../config/environments';
import { ROOT_PREFIX } from '../lib/aws/ecr';
import { PULL_CALLS } from '../lib/aws/perms';
import { upstreamRegistryUrl } from '../lib/aws/upstreams';
import type { RuleSettings } from '../lib/checks/rule';
import { canPull, pullVerdicts, type PullAnswer } from '../cli/can-pull';
import { evaluatePull, loadSimulator, pullCalls } from '../cli/pull-evaluation';
import { type SynthesizedPolicies, synthesizedPolicies } from '../cli/synthesized-policies';
import { environmentsFolder, FIXTURE_ENVIRONMENTS } from './support/stacks';

const FOLDERS = {
  fixtures: FIXTURE_ENVIRONMENTS,
  examples: join(PROJECT_ROOT, 'examples'),
  organization: join(PROJECT_ROOT, 'examples', 'organization'),
} as const;

const synthesized = new Map<string, SynthesizedPolicies>();
/** Each folder synthesized once, as `npm run synth` does it. */
function policiesOf(folder: string): SynthesizedPolicies {
  let policies = synthesized.get(folder);
  if (!policies) synthesized.set(folder, (policies = synthesizedPolicies(folder)));
  return policies;
}

/** An image of the rule's upstream, as a manifest names it. */
function imageOf(rule: RuleSettings): string {
  const path = rule.upstreamPrefix !== undefined && rule.upstreamPrefix !== ROOT_PREFIX ? `${rule.upstreamPrefix}/team/app` : 'team/app';
  return `${upstreamRegistryUrl(rule.upstream, rule.registry)}/${path}:1.0`;
}

function denials(answer: PullAnswer): string[] {
  if (!answer.mapped) return [answer.reason];
  return answer.roles.flatMap(({ role, verdicts }) => verdicts.filter((verdict) => !verdict.allowed).map((verdict) => `${role.arn} ${verdict.call.action}: ${verdict.decidedBy}`));
}

const verdictOf = (answer: PullAnswer, action: string, role = 0) => {
  if (!answer.mapped) throw new Error(answer.reason);
  return answer.roles[role].verdicts.find((verdict) => verdict.call.action === action)!;
};

/** Every environment of every folder, with each rule of the cache its nodes pull through. */
const CASES = Object.entries(FOLDERS).flatMap(([folderName, folder]) => {
  // Listed without synthesizing: each folder is synthesized once, in the tests.
  const { environments } = loadEnvironments(folder);
  return environments.flatMap((environment: Environment) =>
    cacheOf(environment).rules.map((rule) => [`${folderName}/${environment.name}`, rule.prefix, folder, environment, rule] as const),
  );
});

describe('can-pull on every example and fixture', () => {
  it('covers every environment, the organization’s consumers included', () => {
    expect(new Set(CASES.map(([name]) => name))).toEqual(
      new Set(['fixtures/dev', 'fixtures/prod', 'examples/all-upstreams', 'organization/shared', 'organization/team-a', 'organization/team-b']),
    );
  });

  it.each(CASES)('%s: rule %s: every call of a first and a later pull is allowed for each node role', async (_, prefix, folder, environment, rule) => {
    const answer = await pullVerdicts(imageOf(rule), { env: environment.name, environments: folder }, iamSimulate, policiesOf(folder));
    expect(answer.mapped && answer.rule).toBe(prefix);
    expect(denials(answer)).toEqual([]);
    if (!answer.mapped) return;
    const roles = [...(environment.nodes.createRole !== undefined ? [environment.nodes.createRole] : []), ...environment.nodes.existingRoles];
    expect(answer.roles.map(({ role }) => role.name)).toEqual(roles);
    for (const { verdicts } of answer.roles) {
      // The calls of PULL_CALLS, TagResource only where the template tags: none is left out of the evaluation.
      expect(verdicts.map((verdict) => verdict.call.action)).toEqual(pullCalls(answer.tagged ? { tagged: 'yes' } : {}).map((call) => call.action));
      for (const verdict of verdicts) expect(verdict.decidedBy).toMatch(/statement \w+/);
    }
  });

  it('names the cross-account statements that decided: the node policy and the hub’s registry and repository policies', async () => {
    const answer = await pullVerdicts('nginx:1.27', { env: 'team-a', environments: FOLDERS.organization, role: 'eks-node' }, iamSimulate, policiesOf(FOLDERS.organization));
    expect(verdictOf(answer, 'ecr:CreateRepository').decidedBy).toBe(
      'aws_iam_policy.node_pull of ecr-cache-team-a, statement PullThroughCache; aws_ecr_registry_policy.registry of ecr-cache-shared, statement ConsumersCreateAndImportAccounts',
    );
    expect(verdictOf(answer, 'ecr:BatchGetImage').decidedBy).toBe(
      'aws_iam_policy.node_pull of ecr-cache-team-a, statement PullThroughCache; ' +
        'aws_ecr_repository_creation_template.docker_hub.repository_policy of ecr-cache-shared, statement ConsumersPullAccounts',
    );
    // Registry login is the node's own account's: no resource policy takes part.
    expect(verdictOf(answer, 'ecr:GetAuthorizationToken').decidedBy).toBe('aws_iam_policy.node_pull of ecr-cache-team-a, statement RegistryLogin');
    // team-b is a consumer only through the organization: aws:PrincipalOrgID decides.
    const teamB = await pullVerdicts('nginx:1.27', { env: 'team-b', environments: FOLDERS.organization }, iamSimulate, policiesOf(FOLDERS.organization));
    expect(teamB.mapped && teamB.roles[0].organizationId).toBe('o-a1b2c3d4e5');
    expect(verdictOf(teamB, 'ecr:CreateRepository').decidedBy).toMatch(/aws_ecr_registry_policy\.registry of ecr-cache-shared, statement ConsumersCreateAndImportOrganization$/);
  });
});

describe('can-pull refuses what AWS would refuse', () => {
  it('an account outside the hub’s consumers: the hub’s policies allow it nothing, whatever its own policy says', async () => {
    const policies = policiesOf(FOLDERS.organization);
    const hub = policies.stacks.get('ecr-cache-shared')!;
    // team-a's own node policy, on a role of an account that is neither listed nor in the organization.
    const identity = policies.stacks.get('ecr-cache-team-a')!.roles.get('eks-node')!;
    const question = {
      principalArn: 'arn:aws:iam::777777777777:role/eks-node',
      identity,
      cache: { account: '444444444444', region: 'eu-west-2' },
      repositoryName: 'docker-hub/library/nginx',
      templateTags: {},
      registryPolicy: hub.registryPolicy!,
      repositoryPolicy: hub.templates.get('docker-hub')!.repositoryPolicy!,
    };
    const outsider = await evaluatePull(iamSimulate, question);
    expect(outsider.filter((verdict) => !verdict.allowed).map((verdict) => [verdict.call.action, verdict.decidedBy])).toEqual(
      ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'].map((action) => [
        action,
        expect.stringMatching(/^no statement of .* allows it for arn:aws:iam::777777777777:root$/),
      ]),
    );
    // The same account as a member of the organization: allowed, so the organization condition is what refused it.
    const member = await evaluatePull(iamSimulate, { ...question, organizationId: 'o-a1b2c3d4e5' });
    expect(member.every((verdict) => verdict.allowed)).toBe(true);
  });

  it('a role ARN of an account no stack grants is denied by its own side and by the hub’s', async () => {
    const answer = await pullVerdicts(
      'nginx:1.27',
      { env: 'shared', environments: FOLDERS.organization, role: 'arn:aws:iam::777777777777:role/eks-node' },
      iamSimulate,
      policiesOf(FOLDERS.organization),
    );
    expect(denials(answer)).toHaveLength(pullCalls({}).length);
    expect(verdictOf(answer, 'ecr:CreateRepository').decidedBy).toBe(
      'the stacks give this role no policy; no statement of aws_ecr_registry_policy.registry of ecr-cache-shared allows it for arn:aws:iam::777777777777:root',
    );
  });

  it('an image with no rule', async () => {
    const answer = await pullVerdicts('gcr.io/distroless/static:nonroot', { env: 'dev', environments: FOLDERS.fixtures }, iamSimulate, policiesOf(FOLDERS.fixtures));
    expect(answer).toMatchObject({ mapped: false, reason: 'gcr.io/distroless/static:nonroot: no rule in environment dev pulls through from gcr.io' });
  });

  it('another account’s node role: prod’s role in dev’s registry', async () => {
    const answer = await pullVerdicts(
      'quay.io/team/app:1.0',
      { env: 'dev', environments: FOLDERS.fixtures, role: 'arn:aws:iam::222222222222:role/ecr-cache-prod-node' },
      iamSimulate,
      policiesOf(FOLDERS.fixtures),
    );
    // Its own policy covers prod's registry only, and dev's registry has no resource policy.
    expect(verdictOf(answer, 'ecr:BatchGetImage')).toMatchObject({
      allowed: false,
      decidedBy:
        'no statement of aws_iam_policy.node_pull of ecr-cache-prod allows it; ' +
        "the cache's account 111111111111 has no repository policy that could allow it for arn:aws:iam::222222222222:root",
    });
    expect(verdictOf(answer, 'ecr:GetAuthorizationToken').allowed).toBe(true);
    expect(denials(answer)).toHaveLength(pullCalls({}).length - 1);
  });

  it('a creation template that tags, with a node policy that lacks ecr:TagResource', async () => {
    const policies = policiesOf(FOLDERS.examples);
    const identity = policies.stacks.get('ecr-cache-all-upstreams')!.roles.get('ecr-cache-all-upstreams-node')!;
    // The node policy as it was before ecr:TagResource: every other statement and action kept.
    const withoutTagResource = identity.policies.map((policy) => {
      const statements = (policy.document.Statement as { Action: string | string[] }[])
        .map((statement) => ({ ...statement, Action: [statement.Action].flat().filter((action) => action !== 'ecr:TagResource') }))
        .filter((statement) => statement.Action.length > 0);
      return { ...policy, document: { ...policy.document, Statement: statements } };
    });
    expect(JSON.stringify(withoutTagResource)).not.toContain('TagResource');
    const verdicts = await evaluatePull(iamSimulate, {
      principalArn: 'arn:aws:iam::333333333333:role/ecr-cache-all-upstreams-node',
      identity: { ...identity, policies: withoutTagResource },
      cache: { account: '333333333333', region: 'eu-west-2' },
      repositoryName: 'azure/team/app',
      templateTags: { owner: 'payments' },
    });
    expect(verdicts.filter((verdict) => !verdict.allowed).map((verdict) => verdict.call.action)).toEqual(['ecr:TagResource']);
  });

  it('a hub whose template tags: its consumers get ecr:TagResource from their policy and the hub’s registry policy', async () => {
    const folder = environmentsFolder({
      'hub.yaml': 'account: "444444444444"\nregion: eu-west-2\nconsumers: { accounts: ["555555555555"] }\nrepositories: { tags: { owner: platform } }\nrules:\n  quay: { upstream: quay }\n',
      'spoke.yaml': 'account: "555555555555"\nregion: eu-west-2\ncacheFrom: hub\nnodes: { createRole: false, existingRoles: [eks-node] }\n',
    });
    try {
      const spoke = await pullVerdicts('quay.io/team/app:1.0', { env: 'spoke', environments: folder }, iamSimulate);
      expect(spoke.mapped && spoke.tagged).toBe(true);
      expect(denials(spoke)).toEqual([]);
      expect(verdictOf(spoke, 'ecr:TagResource').decidedBy).toMatch(
        /^aws_iam_policy\.node_pull of ecr-cache-spoke, statement TagCacheRepositories; aws_ecr_registry_policy\.registry of ecr-cache-hub, statement ConsumersTagAccounts$/,
      );
      const hub = await pullVerdicts('quay.io/team/app:1.0', { env: 'hub', environments: folder }, iamSimulate);
      expect(denials(hub)).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the command', () => {
  it('prints each call with its verdict and exits 1 on a denial', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const denied = await canPull('quay.io/team/app:1.0', { env: 'dev', environments: FOLDERS.fixtures, role: 'arn:aws:iam::222222222222:role/ecr-cache-prod-node' }, iamSimulate);
      expect(denied).toBe(1);
      const printed = log.mock.calls.map((call) => String(call[0]));
      expect(printed).toContain('quay.io/team/app:1.0 -> 111111111111.dkr.ecr.eu-west-2.amazonaws.com/quay/team/app:1.0');
      expect(printed.find((line) => line.startsWith('first  ecr:CreateRepository'))).toMatch(/DENIED +no statement of aws_iam_policy\.node_pull of ecr-cache-prod allows it; the cache's account 111111111111 has no registry policy that could allow it for arn:aws:iam::222222222222:root$/);
      expect(error.mock.calls.at(-1)?.[0]).toMatch(/denied: 4 of 5 calls/);
      expect(await canPull('quay.io/team/app:1.0', { env: 'dev', environments: FOLDERS.fixtures }, iamSimulate)).toBe(0);
      expect(await canPull('gcr.io/x/y:1', { env: 'dev', environments: FOLDERS.fixtures }, iamSimulate)).toBe(1);
      expect(error.mock.calls.at(-1)?.[0]).toMatch(/no rule in environment dev pulls through from gcr\.io\ndenied: /);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });

  it('says how to install iam-simulate when it is missing, and leaves another missing module as it is', () => {
    const missing = (id: string) => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() => loadSimulator(missing)).toThrow(
      'ecr-cache: can-pull evaluates IAM policies with @cloud-copilot/iam-simulate, which is not installed. It is AGPL-3.0-or-later, so this project ' +
        'does not ship it: install it with npm install --no-save @cloud-copilot/iam-simulate@0.1.173 (npm ci installs it too, as a devDependency of a checkout)',
    );
    // Another module missing inside it is not the same thing, and is not dressed up as it.
    expect(() =>
      loadSimulator(() => {
        throw Object.assign(new Error("Cannot find module 'left-pad'"), { code: 'MODULE_NOT_FOUND' });
      }),
    ).toThrow("Cannot find module 'left-pad'");
  });

  it('evaluates every call of the one list in lib/aws/perms.ts', () => {
    expect(pullCalls({ owner: 'x' })).toEqual(PULL_CALLS);
    expect(pullCalls({}, 'first').map((call) => call.action)).toEqual([
      'ecr:GetAuthorizationToken',
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
      'ecr:BatchImportUpstreamImage',
      'ecr:CreateRepository',
    ]);
    expect(pullCalls({ owner: 'x' }, 'later').map((call) => call.action)).toEqual([
      'ecr:GetAuthorizationToken',
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
      'ecr:BatchImportUpstreamImage',
    ]);
  });
});
