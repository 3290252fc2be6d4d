/**
 * `npm run apply:loopback`: every example and fixture is applied in full with the real provider against the loopback
 * AWS, re-planned with no changes, and destroyed, leaving only what docs/deploying.md says destroy leaves.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { requireProviderMirror } from './support/offline-plan';
import type { Run } from './support/processes';

const mirror = requireProviderMirror();
const TIMEOUT = 600_000;

function applyLoopback(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'apply:loopback', '--', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The outcome of one step of one stack, from the command's lines (`<stack> <step> <outcome> (<seconds> s)`). */
function outcome(run: Run, stack: string, step: string): string | undefined {
  const line = run.stdout.split('\n').find((candidate) => candidate.startsWith(`${stack} `) && candidate.slice(27).startsWith(`${step} `));
  return line?.slice(27 + 13).replace(/ \(\d+\.\d s\)$/, '');
}

const secretsInWindow = (...prefixes: string[]) => prefixes.map((prefix) => `secret ecr-pullthroughcache/${prefix} in its 7-day recovery window`);

describe.concurrent('npm run apply:loopback', () => {
  beforeEach((context) => {
    if (!mirror) context.skip();
  });

  it(
    'applies, re-plans and destroys the fixtures; production keeps its secrets (prevent_destroy)',
    async () => {
      const run = await applyLoopback(['--environments', '__tests__/fixtures/environments']);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      for (const stack of ['ecr-cache-dev', 'ecr-cache-prod']) {
        expect(outcome(run, stack, 'apply')).toMatch(/^rules waited for 2 empty secret\(s\) .*, filled with placeholders, applied again: 18 resources created$/);
        expect(outcome(run, stack, 'plan')).toBe('No changes');
      }
      expect(outcome(run, 'ecr-cache-dev', 'destroy')).toBe('18 resources destroyed');
      expect(outcome(run, 'ecr-cache-dev', 'left behind')?.split('; ').sort()).toEqual(secretsInWindow('docker-hub', 'github'));
      expect(outcome(run, 'ecr-cache-prod', 'destroy')).toBe(
        'refused by prevent_destroy on 2 secret(s), as production: true means; left them out of the state and destroyed the rest: 16 resources destroyed',
      );
      expect(outcome(run, 'ecr-cache-prod', 'left behind')?.split('; ').sort()).toEqual([
        'secret ecr-pullthroughcache/docker-hub (production: prevent_destroy)',
        'secret ecr-pullthroughcache/github (production: prevent_destroy)',
      ]);
      expect(run.stdout).toMatch(/\n2 stack\(s\) applied, 36 resources created, re-planned with no changes, destroyed\n$/);
    },
    TIMEOUT,
  );

  it(
    'applies every upstream AWS supports (examples/all-upstreams.yaml)',
    async () => {
      const run = await applyLoopback(['--environments', 'examples']);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(outcome(run, 'ecr-cache-all-upstreams', 'plan')).toBe('No changes');
      // The alerts' topic, subscription, rule and target are gone; their KMS key waits out its deletion window, as KMS keeps every key.
      expect(outcome(run, 'ecr-cache-all-upstreams', 'left behind')?.split('; ').sort()).toEqual(
        [...secretsInWindow('azure', 'chainguard', 'docker-hub', 'github', 'gitlab'), 'KMS key "Encrypts the SNS topic ecr-cache-all-upstreams-cache-failures: alerts of failed pull-through cache actions" in its 7-day waiting period', 'the cluster platform, as it was before the stack'].sort(),
      );
    },
    TIMEOUT,
  );

  it(
    "applies an organization's hub and its consumers in one AWS of three accounts, hub first, and destroys the consumers first",
    async () => {
      const run = await applyLoopback(['--environments', 'examples/organization']);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const order = run.stdout.split('\n').map((line) => line.split(/\s+/).slice(0, 2).join(' '));
      const position = (line: string) => {
        expect(order).toContain(line);
        return order.indexOf(line);
      };
      expect(position('ecr-cache-shared apply')).toBeLessThan(position('ecr-cache-team-a apply'));
      expect(position('ecr-cache-team-a destroy')).toBeLessThan(position('ecr-cache-shared destroy'));
      for (const stack of ['ecr-cache-shared', 'ecr-cache-team-a', 'ecr-cache-team-b']) expect(outcome(run, stack, 'plan')).toBe('No changes');
      expect(outcome(run, 'ecr-cache-team-b', 'left behind')).toBe('the role eks-node, as it was before the stack');
    },
    TIMEOUT,
  );

  it(
    'exits 1 and names the step when AWS would refuse what a stack sends',
    async () => {
      const folder = mkdtempSync(join(tmpdir(), 'ecr-cache-apply-loopback-test-'));
      try {
        // check only warns: AWS documents ROOT for ECR-to-ECR rules alone, and the loopback AWS refuses the rest.
        writeFileSync(join(folder, 'root.yaml'), 'account: "123456789012"\nregion: eu-west-2\nrules:\n  ROOT: { upstream: quay }\n');
        const run = await applyLoopback(['--environments', folder]);
        expect(run.status).toBe(1);
        expect(outcome(run, 'ecr-cache-root', 'apply')).toMatch(/^FAILED: .*LoopbackUndocumentedBehaviour: The ROOT prefix is documented only for ECR to ECR rules/);
        expect(run.stderr).toContain('apply:loopback: 1 failure(s)');
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
    TIMEOUT,
  );
});
