/**
 * `./bin/ecr-cache can-pull` as users run it: its exit codes, and what it says when iam-simulate (an optional, AGPL
 * package) is not installed: how to install it, with no stack trace and nothing synthesized.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { ecrCache } from './support/processes';

const ORGANIZATION = { ECR_CACHE_ENVIRONMENTS: join(PROJECT_ROOT, 'examples', 'organization') };
const work = mkdtempSync(join(tmpdir(), 'ecr-cache-can-pull-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('./bin/ecr-cache can-pull', () => {
  it('exits 0 when every call is allowed, for a consumer through the organization', () => {
    const run = ecrCache(['can-pull', '--env', 'team-b', 'registry.k8s.io/pause:3.10'], ORGANIZATION);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('assumed: account 666666666666 is in o-a1b2c3d4e5 (aws:PrincipalOrgID)');
    expect(run.stdout).toMatch(/^first {2}ecr:CreateRepository +allowed {2}aws_iam_policy\.node_pull of ecr-cache-team-b, statement PullThroughCache; aws_ecr_registry_policy\.registry of ecr-cache-shared, statement ConsumersCreateAndImportOrganization$/m);
  });

  it('exits 1 on a denial: a role of an account outside the hub’s consumers', () => {
    const run = ecrCache(['can-pull', '--env', 'shared', 'nginx:1.27', '--role', 'arn:aws:iam::777777777777:role/eks-node'], ORGANIZATION);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /^first {2}ecr:CreateRepository +DENIED {2}the stacks give this role no policy; no statement of aws_ecr_registry_policy\.registry of ecr-cache-shared allows it for arn:aws:iam::777777777777:root$/m,
    );
    expect(run.stderr).toBe('\ndenied: 5 of 5 calls; a node role needs every one to pull nginx:1.27 through the cache\n');
  });

  it('refuses a role that is no role, naming the option', () => {
    const run = ecrCache(['can-pull', '--env', 'team-a', 'nginx:1.27', '--role', 'arn:aws:s3:::bucket'], ORGANIZATION);
    expect(run.stderr).toBe('ecr-cache: --role arn:aws:s3:::bucket: not a role ARN (arn:aws:iam::<account>:role/<name>)\n');
    expect(run.status).toBe(1);
  });

  it('says how to install iam-simulate when it is missing, before it reads any environment: exit 1, no stack trace', () => {
    // Node's resolver refuses the package, as where it was never installed.
    const hide = join(work, 'hide-iam-simulate.cjs');
    writeFileSync(
      hide,
      `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@cloud-copilot/iam-simulate') throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};
`,
    );
    // A folder that does not exist: had it been read, that would be the error.
    const run = ecrCache(['can-pull', '--env', 'team-a', 'nginx:1.27'], { ECR_CACHE_ENVIRONMENTS: join(work, 'missing'), NODE_OPTIONS: `--require ${hide}` });
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'ecr-cache: can-pull evaluates IAM policies with @cloud-copilot/iam-simulate, which is not installed. It is AGPL-3.0-or-later, so this project ' +
        'does not ship it: install it with npm install --no-save @cloud-copilot/iam-simulate@0.1.173 (npm ci installs it too, as a devDependency of a checkout)\n',
    );
    expect(run.status).toBe(1);
  });
});
