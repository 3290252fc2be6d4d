/** The README's console examples are the CLI's own output: each is run and compared. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { ecrCache } from './support/processes';

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

describe('README console examples', () => {
  const examples = [...readme.matchAll(/```console\n\$ \.\/bin\/ecr-cache (.*)\n([\s\S]*?)```/g)].map((match) => [match[1], match[2]] as const);

  it('has the image, rewrite, can-pull and node-config examples', () => {
    expect(examples.map(([command]) => command.split(' ')[0])).toEqual(['image', 'rewrite', 'can-pull', 'node-config']);
  });

  it.each(examples)('./bin/ecr-cache %s prints what the README shows', (command, output) => {
    const run = ecrCache(command.split(' '));
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(output);
  });
});
