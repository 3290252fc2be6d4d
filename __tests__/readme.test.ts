/** The README documents the upstream catalogue: these tests keep the two from drifting apart. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { UPSTREAM_NAMES, upstream } from '../lib/aws/upstreams';
import { awsRegionsSource } from '../scripts/aws-partitions';

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
const row = (first: string) => readme.split('\n').filter((line) => line.startsWith(`| \`${first}\` |`));
const cells = (line: string) => line.split('|').slice(1, -1).map((cell) => cell.trim().replaceAll('`', ''));

describe('README', () => {
  it('opens with the synth and test commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1];
    expect(firstBlock).toMatch(/^npm ci && npm run synth\b/m);
    expect(firstBlock).toMatch(/^npm test\b/m);
  });

  it("explains the checkpoint error cdktf-cli prints offline, and how to keep it quiet", () => {
    // What `npx cdktf synth` prints after the synth when checkpoint-api.hashicorp.com cannot be resolved
    // (@cdktf/commons checkpoint.js, unless CHECKPOINT_DISABLE is set): not the app's, and harmless.
    const paragraph = readme.split('\n\n').find((text) => text.includes('getaddrinfo ENOTFOUND checkpoint-api.hashicorp.com'));
    expect(paragraph).toBeDefined();
    expect(paragraph).toMatch(/harmless/);
    expect(paragraph).toContain('CHECKPOINT_DISABLE=1');
  });

  it.each(UPSTREAM_NAMES)('lists the upstream %s as the catalogue knows it', (name) => {
    const spec = upstream(name);
    const [registry, credentials] = cells(row(name)[0]).slice(1);
    if (spec.host) expect(registry).toBe(spec.host);
    else expect(registry).toMatch(/^<.*>\./);
    expect(credentials).toMatch({ none: /^none$/, secret: /^secret$/, role: /^IAM role/ }[spec.auth]);
    if (spec.accessTokenIs) expect(cells(row(name)[1])[1]).toBe(spec.accessTokenIs);
    else expect(row(name)).toHaveLength(1);
  });
});

describe('lib/aws/regions.generated.ts', () => {
  it("is the installed AWS SDK's partitions and regions (npm run regions)", () => {
    expect(readFileSync(join(PROJECT_ROOT, 'lib', 'aws', 'regions.generated.ts'), 'utf8')).toBe(awsRegionsSource());
  });
});
