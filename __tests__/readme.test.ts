/** The README and the docs document the upstream catalogue and the quick path: these tests keep them from drifting apart. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkEnvironments, PROJECT_ROOT } from '../config/environments';
import { UPSTREAM_NAMES, upstream } from '../lib/aws/upstreams';
import { awsRegionsSource } from '../scripts/aws-partitions';
import { DOC_PAGES, quickPathEnvironment, readDoc, tableRows } from './support/docs';

const readme = readDoc('README.md');
const environmentFilesPage = readDoc('docs/environment-files.md');
const cells = (line: string) => line.split('|').slice(1, -1).map((cell) => cell.trim().replaceAll('`', ''));

describe('README', () => {
  it('opens with the synth and test commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1];
    expect(firstBlock).toMatch(/^npm ci && npm run synth\b/m);
    expect(firstBlock).toMatch(/^npm test\b/m);
  });

  it('stays short: at most about 200 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
  });

  it("has a five-minute path whose environment file checks with no problem and no warning", () => {
    const folder = mkdtempSync(join(tmpdir(), 'ecr-cache-quick-path-'));
    try {
      const file = join(folder, 'mine.yaml');
      writeFileSync(file, quickPathEnvironment());
      const result = checkEnvironments([file]);
      expect(result.problems).toEqual([]);
      expect(result.warnings).toEqual([]);
      expect(result.environments.map((environment) => environment.rules.map((rule) => rule.prefix))).toEqual([['docker-hub', 'k8s', 'quay']]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('environment files shown in the docs', () => {
  // A YAML block that sets an account is an environment file; one that opens with `# <name>.yaml` is that file of a
  // folder, which the page's other such blocks share (a hub and its consumer).
  const files = DOC_PAGES.flatMap((page) =>
    [...readDoc(page).matchAll(/^```yaml\n([\s\S]*?)^```/gm)]
      .map((match, index) => ({ page, text: match[1], name: /^# ([a-z0-9-]+)\.yaml:/.exec(match[1])?.[1] ?? `block-${index}` }))
      .filter(({ text }) => /^account: /m.test(text)),
  );

  it('finds the example, the hub and its consumer', () => {
    expect(files.map(({ page, name }) => `${page}: ${name}`)).toEqual(expect.arrayContaining(['docs/environment-files.md: block-0', 'docs/organization.md: shared', 'docs/organization.md: team-a']));
  });

  it.each([...new Set(files.map(({ page }) => page))])('%s: its environment files check with no problem', (page) => {
    const folder = mkdtempSync(join(tmpdir(), 'ecr-cache-docs-yaml-'));
    try {
      const paths = files.filter((file) => file.page === page).map(({ name, text }) => {
        writeFileSync(join(folder, `${name}.yaml`), text);
        return join(folder, `${name}.yaml`);
      });
      expect(checkEnvironments(paths).problems).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('docs/environment-files.md', () => {
  it("explains the checkpoint error cdktf-cli prints offline, and how to keep it quiet", () => {
    // What `npx cdktf synth` prints after the synth when checkpoint-api.hashicorp.com cannot be resolved
    // (@cdktf/commons checkpoint.js, unless CHECKPOINT_DISABLE is set): not the app's, and harmless.
    const paragraph = environmentFilesPage.split('\n\n').find((text) => text.includes('getaddrinfo ENOTFOUND checkpoint-api.hashicorp.com'));
    expect(paragraph).toBeDefined();
    expect(paragraph).toMatch(/harmless/);
    expect(paragraph).toContain('CHECKPOINT_DISABLE=1');
  });

  it.each(UPSTREAM_NAMES)('lists the upstream %s as the catalogue knows it', (name) => {
    const spec = upstream(name);
    const rows = tableRows('docs/environment-files.md', name);
    expect(rows).toHaveLength(1);
    const [registry, credentials] = cells(rows[0]).slice(1);
    if (spec.host) expect(registry).toBe(spec.host);
    else expect(registry).toMatch(/^<.*>\./);
    expect(credentials).toMatch({ none: /^none$/, secret: /^secret$/, role: /^IAM role/ }[spec.auth]);
  });
});

describe('docs/credentials.md', () => {
  it.each(UPSTREAM_NAMES)("says what the secret's accessToken is for the upstream %s, as the catalogue knows it", (name) => {
    const spec = upstream(name);
    const rows = tableRows('docs/credentials.md', name);
    if (spec.accessTokenIs) expect(rows.map((line) => cells(line)[1])).toEqual([spec.accessTokenIs]);
    else expect(rows).toEqual([]);
  });
});

describe('lib/aws/regions.generated.ts', () => {
  it("is the installed AWS SDK's partitions and regions (npm run regions)", () => {
    expect(readFileSync(join(PROJECT_ROOT, 'lib', 'aws', 'regions.generated.ts'), 'utf8')).toBe(awsRegionsSource());
  });
});
