/** The README and the pages of docs/, as the docs tests read them. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/environments';

/** README.md and every docs/*.md, by their path from the project root. */
export const DOC_PAGES = ['README.md', ...readdirSync(join(PROJECT_ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];

export function readDoc(page: string): string {
  return readFileSync(join(PROJECT_ROOT, page), 'utf8');
}

/** The lines of a page's tables whose first cell is `first` in backticks. */
export function tableRows(page: string, first: string): string[] {
  return readDoc(page)
    .split('\n')
    .filter((line) => line.startsWith(`| \`${first}\` |`));
}

/** The environment file of the README's five-minute path, as the reader copies it (the list's indent removed). */
export function quickPathEnvironment(): string {
  const readme = readDoc('README.md');
  const block = /^( *)```yaml\n([\s\S]*?)^\1```/m.exec(readme.slice(readme.indexOf('## From nothing to a plan')))!;
  return block[2].replace(new RegExp(`^${block[1]}`, 'gm'), '');
}
