/**
 * The console examples of the README and the docs are the CLI's own output: each is run and compared. The README's
 * five-minute path is followed as a reader would: its file checked, synthesized and planned offline.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { offlinePlan, prepareOfflineWorkspace } from '../scripts/offline-terraform';
import { DOC_PAGES, quickPathEnvironment, readDoc } from './support/docs';
import { requireProviderMirror } from './support/offline-plan';
import { ecrCache, runTs } from './support/processes';

describe('console examples of the README and docs/', () => {
  const examples = DOC_PAGES.flatMap((page) =>
    [...readDoc(page).matchAll(/```console\n\$ \.\/bin\/ecr-cache (.*)\n([\s\S]*?)```/g)].map((match) => [page, match[1], match[2]] as const),
  );

  it('has the image, rewrite, can-pull and node-config examples, each on its page', () => {
    expect(examples.map(([page, command]) => `${page}: ${command.split(' ')[0]}`)).toEqual(
      expect.arrayContaining(['docs/pulling.md: image', 'docs/pulling.md: rewrite', 'docs/pulling.md: can-pull', 'docs/node-mirrors.md: node-config']),
    );
  });

  it.each(examples)('%s: ./bin/ecr-cache %s prints what the page shows', (_page, command, output) => {
    const run = ecrCache(command.split(' '));
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(output);
  });
});

describe("the README's five-minute path", () => {
  const mirror = requireProviderMirror();
  const work = mkdtempSync(join(tmpdir(), 'ecr-cache-quick-path-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const environments = join(work, 'environments');
  mkdirSync(environments);
  writeFileSync(join(environments, 'mine.yaml'), quickPathEnvironment());

  it('checks its file with ./bin/ecr-cache check FILE', () => {
    const run = ecrCache(['check', join(environments, 'mine.yaml')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('plans the 8 resources the README lists', async (context) => {
    if (!mirror) context.skip();
    const outdir = join(work, 'out');
    const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { ECR_CACHE_ENVIRONMENTS: environments, CDKTF_OUTDIR: outdir });
    expect(synth.status, synth.stderr).toBe(0);
    const plan = await offlinePlan(prepareOfflineWorkspace(join(outdir, 'stacks', 'ecr-cache-mine'), join(work, 'plan'), mirror!));
    const created = plan.json.resource_changes.filter((change) => change.change.actions.includes('create')).map((change) => change.address);
    expect(created.sort()).toEqual(
      [
        // The Docker Hub rule waits for its secret's value (count = 0): planned, not created.
        'aws_ecr_pull_through_cache_rule.k8s',
        'aws_ecr_pull_through_cache_rule.quay',
        'aws_ecr_repository_creation_template.docker_hub',
        'aws_ecr_repository_creation_template.k8s',
        'aws_ecr_repository_creation_template.quay',
        'aws_iam_policy.node_pull',
        'aws_iam_role_policy_attachment.my_eks_node_role_cache_pull',
        'aws_secretsmanager_secret.docker_hub',
      ].sort(),
    );
  });
});
