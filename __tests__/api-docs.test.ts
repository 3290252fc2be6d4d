/**
 * The API reference in docs/api is TypeDoc's Markdown of the library's TSDoc (typedoc.json): generated here into a
 * temporary folder and compared with what is committed, so a change to the public API or its comments that is not
 * regenerated (`npm run docs:api`) fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';

const COMMITTED = join(PROJECT_ROOT, 'docs', 'api');

/** Every file below `dir`, relative to it, sorted. */
function filesOf(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1)).sort() : [];
}

describe('the API reference (docs/api)', () => {
  let generated: string;
  beforeAll(() => {
    generated = mkdtempSync(join(tmpdir(), 'ecr-cache-api-docs-'));
    const typedoc = spawnSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', generated, '--logLevel', 'Warn'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    if (typedoc.status !== 0) throw new Error(`typedoc failed (${typedoc.status}):\n${typedoc.stdout}\n${typedoc.stderr}`);
  }, 120_000);
  afterAll(() => rmSync(generated, { recursive: true, force: true }));

  it('is what TypeDoc makes of the library now: run `npm run docs:api` after changing its API or comments', () => {
    const expected = filesOf(generated);
    expect(expected).toContain('README.md');
    expect(expected).toContain(join('classes', 'PullThroughCache.md'));
    expect(filesOf(COMMITTED)).toEqual(expected);
    const stale = expected.filter((file) => readFileSync(join(COMMITTED, file), 'utf8') !== readFileSync(join(generated, file), 'utf8'));
    expect(stale, 'stale pages of docs/api: run npm run docs:api').toEqual([]);
  });

  it('names no machine, revision or time: generating it twice anywhere gives the same pages', () => {
    for (const file of filesOf(generated)) {
      const page = readFileSync(join(generated, file), 'utf8');
      expect(page, file).not.toContain(PROJECT_ROOT);
      expect(page, file).not.toMatch(/blob\/[0-9a-f]{7,40}\/|Generated (on|by)/);
    }
  });
});
