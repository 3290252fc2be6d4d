/**
 * The checks of one environment file, each alone: a check reports its own concern and nothing else, so each can be
 * read, changed and tested by itself (the table of bad files in environment-validation.test.ts runs them together).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { join } from 'node:path';
import { fileContext, PROJECT_ROOT } from '../config/environments';
import { quickRead } from '../config/read-file';
import { FILE_CHECKS, type FileCheck } from '../config/file-checks';
import { derivedNames } from '../config/file-checks/derived-names';
import { nodeRoles } from '../config/file-checks/node-roles';
import { regions } from '../config/file-checks/regions';
import { ruleOverlaps, ruleQuota } from '../config/file-checks/rules';
import { scanning } from '../config/file-checks/scanning';
import { formatPath } from '../config/problems';
import { environmentsFolder } from './support/stacks';

/** What one check reports of a file's text: problems, then warnings, as `field: message`. */
function reportedBy(check: FileCheck, text: string): { problems: string[]; warnings: string[] } {
  const dir = environmentsFolder({ 'a.yaml': text });
  try {
    const { context, problems, warnings } = fileContext(join(dir, 'a.yaml'));
    check(context!);
    const lines = (list: typeof problems) => list.map((problem) => `${formatPath(problem.path)}: ${problem.message}`);
    return { problems: lines(problems), warnings: lines(warnings) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const FILE = `account: "123456789012"
region: eu-wset-2
scanning: { type: basic, frequency: continuous, scope: cache }
nodes: { createRole: false, existingRoles: [] }
rules:
  team: { upstream: docker-hub }
  team/quay: { upstream: quay, secretValueVersion: 1 }
  team.quay: { upstream: quay }
`;

describe('the checks of one environment file, each alone', () => {
  it('are applied in a list, each a function of the file', () => {
    expect(FILE_CHECKS.length).toBeGreaterThanOrEqual(9);
    for (const check of FILE_CHECKS) expect(check).toBeTypeOf('function');
  });

  it('regions: the region, and nothing else', () => {
    expect(reportedBy(regions, FILE).problems).toEqual([expect.stringMatching(/^region: "eu-wset-2" is not a region this tool knows/)]);
  });

  it('derivedNames: two rules whose prefixes give one Terraform name', () => {
    expect(reportedBy(derivedNames, FILE).problems).toEqual(["rules.team.quay: its Terraform address name team_quay is also rule team/quay's: rename one of the prefixes"]);
  });

  it('ruleOverlaps: warnings only', () => {
    const reported = reportedBy(ruleOverlaps, FILE);
    expect(reported.problems).toEqual([]);
    expect(reported.warnings.map((warning) => warning.split(':')[0])).toEqual(['rules.team/quay']);
  });

  it("ruleOverlaps: a ROOT rule widens the node policy, and a hub's registry policy with it", () => {
    const root = 'account: "123456789012"\nregion: eu-west-2\nrules:\n  ROOT: { upstream: quay }\n';
    const notDocumented =
      'rules.ROOT: AWS documents the ROOT prefix for ECR-to-ECR rules only (ECR user guide, "Customizing repository prefixes for ECR to ECR pull through cache"), ' +
      'not for quay: ECR may refuse it. Give the rule a prefix of its own (for example quay)';
    expect(reportedBy(ruleOverlaps, root).warnings).toEqual([
      notDocumented,
      'rules.ROOT: a ROOT rule covers the whole registry: the node policy lets nodes create and import into every repository',
    ]);
    expect(reportedBy(ruleOverlaps, `${root}consumers: { accounts: ["333333333333"] }\n`).warnings).toEqual([
      notDocumented,
      'rules.ROOT: a ROOT rule covers the whole registry: the node policy lets nodes create and import into every repository, ' +
        'and the registry policy lets every consumer account do the same',
    ]);
  });

  it('ruleOverlaps: an ECR-to-ECR ROOT rule, the one AWS documents, is only warned about its reach', () => {
    const root = 'account: "123456789012"\nregion: eu-west-2\nrules:\n  ROOT: { upstream: ecr, registry: 123456789012.dkr.ecr.us-east-1.amazonaws.com }\n';
    expect(reportedBy(ruleOverlaps, root).warnings).toEqual([
      'rules.ROOT: a ROOT rule covers the whole registry: the node policy lets nodes create and import into every repository',
    ]);
  });

  it('ruleQuota: nothing under 50 rules', () => {
    expect(reportedBy(ruleQuota, FILE)).toEqual({ problems: [], warnings: [] });
  });

  it('scanning: continuous needs enhanced', () => {
    expect(reportedBy(scanning, FILE).problems).toEqual(['scanning.frequency: continuous scanning needs type: enhanced; basic scanning scans on push']);
  });

  it('nodeRoles: some node must pull', () => {
    expect(reportedBy(nodeRoles, FILE).problems).toEqual(['nodes: with createRole: false, list existingRoles: otherwise no node may pull through the cache']);
  });
});

describe('reading a file: js-yaml first, yaml when a line is needed or js-yaml would read it differently', () => {
  const folders = ['environments', '__tests__/fixtures/environments', 'examples', 'examples/organization'];
  const shipped = folders.flatMap((folder) =>
    readdirSync(join(PROJECT_ROOT, folder))
      .filter((file) => file.endsWith('.yaml'))
      .map((file) => join(folder, file)),
  );
  const scalars = [
    'account: 111111111111',
    'a: 0x1F\nb: 0o17\nc: +12\nd: 012\ne: -0',
    'a: .5\nb: 1e3\nc: .inf\nd: -.Inf\ne: 1_000',
    'a: yes\nb: No\nc: on\nd: True\ne: FALSE\nf: ~\ng: null\nh: Null\ni:',
    'a: 2024-01-01\nb: 12:30:00\nc: "quoted: yes"\nd: \'single\'\ne: |\n  literal\n  text\nf: >\n  folded\n  text',
    'rules:\n  docker-hub: { upstream: docker-hub, registry: "x" }\n  list: [a, "b", 1, true]\n"quoted key": 1\n? complex\n: value',
    '- a list',
  ];

  it.each([...shipped.map((file) => [file, readFileSync(join(PROJECT_ROOT, file), 'utf8')]), ...scalars.map((text) => [JSON.stringify(text), text])])(
    'reads %s as yaml does',
    (_, text) => {
      const quick = quickRead(text);
      expect(quick).toBeDefined();
      expect(quick!.data).toEqual(parseDocument(text).toJS());
    },
  );

  it.each([
    ['a duplicate key', 'a: 1\na: 2'],
    ['several documents', 'a: 1\n---\nb: 2'],
    ['an alias', 'a: &x [1]\nb: *x'],
    ['a tag', 'a: !!binary aGk='],
    ['a merge key, which yaml merges and js-yaml takes for a key', '<<: { a: 1 }\nb: 2'],
    ['bad YAML', 'a: [1, 2\nb: 3'],
    ['an empty file', ''],
    ['a file of comments', '# only a comment'],
  ])('leaves %s to yaml', (_, text) => {
    expect(quickRead(text)).toBeUndefined();
  });
});
