/**
 * The checks of one environment file, each alone: a check reports its own concern and nothing else, so each can be
 * read, changed and tested by itself (the table of bad files in environment-validation.test.ts runs them together).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileContext } from '../config/environments';
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
