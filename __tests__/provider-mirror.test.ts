/**
 * scripts/find-provider-mirror.sh, which CI and the test setup use to find the hashicorp/aws provider for offline
 * plans: only a mirror that stays, never another process's plugin cache or working folder, which may vanish mid-run.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';

/** A folder laid out as a filesystem mirror (or a plugin cache: the same layout) of hashicorp/aws 5.100.0. */
function fakeMirror(root: string): string {
  const platform = join(root, 'registry.terraform.io', 'hashicorp', 'aws', '5.100.0', 'linux_amd64');
  mkdirSync(platform, { recursive: true });
  writeFileSync(join(platform, 'terraform-provider-aws_v5.100.0_x5'), '');
  return root;
}

const find = (...roots: string[]) => {
  const run = spawnSync(join(PROJECT_ROOT, 'scripts', 'find-provider-mirror.sh'), roots, { encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
};

describe('scripts/find-provider-mirror.sh', () => {
  let stable: string;
  let temporary: string;
  beforeEach(() => {
    // A folder that is no temporary one: inside the project.
    stable = mkdtempSync(join(PROJECT_ROOT, '.provider-mirror-test-'));
    temporary = mkdtempSync(join(tmpdir(), 'ecr-cache-bench-'));
  });
  afterEach(() => {
    rmSync(stable, { recursive: true, force: true });
    rmSync(temporary, { recursive: true, force: true });
  });

  it('prints a mirror found in the folders it is given', () => {
    const mirror = fakeMirror(join(stable, 'mirror'));
    expect(find(stable)).toBe(`${mirror}\n`);
  });

  it("passes over a plugin cache in a temporary folder, such as a bench run's, which its process deletes", () => {
    fakeMirror(join(temporary, 'plugin-cache'));
    expect(find(temporary)).toBe('');
    const mirror = fakeMirror(join(stable, 'mirror'));
    expect(find(temporary, stable)).toBe(`${mirror}\n`);
  });

  it("passes over the providers terraform init installed in a stack's .terraform folder, which a synthesis replaces", () => {
    fakeMirror(join(stable, 'cdktf.out', 'stacks', 'ecr-cache-dev', '.terraform', 'providers'));
    expect(find(stable)).toBe('');
  });
});
