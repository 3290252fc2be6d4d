/**
 * Every relative link of the README and the docs resolves: the file or folder exists, and an anchor names a heading of
 * its page as GitHub makes the heading's id (github-slugger, the slugs GitHub gives; a repeated heading gets -1, -2).
 */
import { existsSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import GithubSlugger from 'github-slugger';
import { Lexer, type Token, type Tokens } from 'marked';
import { PROJECT_ROOT } from '../config/environments';
import { DOC_PAGES, readDoc } from './support/docs';

/** Every token of a page, inline tokens included, in document order. */
function tokensOf(markdown: string): Token[] {
  const all: Token[] = [];
  const walk = (tokens: readonly Token[]) => {
    for (const token of tokens) {
      all.push(token);
      if ('tokens' in token && token.tokens) walk(token.tokens);
      if (token.type === 'list') walk((token as Tokens.List).items);
      if (token.type === 'table') {
        const table = token as Tokens.Table;
        for (const cell of [...table.header, ...table.rows.flat()]) walk(cell.tokens);
      }
    }
  };
  walk(Lexer.lex(markdown));
  return all;
}

/** A heading's text as GitHub reads it for its id: the text of its inline tokens, markup left out. */
function plainText(tokens: readonly Token[]): string {
  return tokens.map((token) => ('tokens' in token && token.tokens ? plainText(token.tokens) : 'text' in token ? String(token.text) : '')).join('');
}

export function anchorsOf(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const headings = tokensOf(markdown).filter((token): token is Tokens.Heading => token.type === 'heading');
  return new Set(headings.map((heading) => slugger.slug(plainText(heading.tokens))));
}

const links = DOC_PAGES.flatMap((page) =>
  tokensOf(readDoc(page))
    .filter((token): token is Tokens.Link | Tokens.Image => token.type === 'link' || token.type === 'image')
    .map((token) => token.href)
    .filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href))
    .map((href) => [page, href] as const),
);

describe('links of the README and docs/', () => {
  it('finds the links between the pages', () => {
    expect(links.length).toBeGreaterThan(50);
    expect(links).toContainEqual(['README.md', 'docs/environment-files.md']);
  });

  it.each(links)('%s: %s resolves', (page, href) => {
    const [path, anchor] = href.split('#', 2) as [string, string | undefined];
    const target = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
    expect(target.startsWith('..'), `${href} leaves the repository`).toBe(false);
    expect(existsSync(join(PROJECT_ROOT, target)), `${target} does not exist`).toBe(true);
    if (anchor === undefined) return;
    expect(target.endsWith('.md'), `${href}: an anchor into a page that is not Markdown`).toBe(true);
    expect([...anchorsOf(readDoc(target))], `${target} has no heading whose id is ${anchor}`).toContain(anchor);
  });

  it('makes ids as GitHub does', () => {
    expect([...anchorsOf('# Title\n## What the cache holds: `status`\n## Node.js, CDK Terrain and provider versions\n## Tests\n## Tests\n')]).toEqual([
      'title',
      'what-the-cache-holds-status',
      'nodejs-cdk-terrain-and-provider-versions',
      'tests',
      'tests-1',
    ]);
  });
});

describe('the docs map', () => {
  it.each(DOC_PAGES.filter((page) => page !== 'README.md'))('links %s from the README', (page) => {
    expect(links).toContainEqual(['README.md', page]);
  });

  it.each(DOC_PAGES.filter((page) => page !== 'README.md'))('%s starts with what the reader will have at its end', (page) => {
    const [title, opening] = readDoc(page).split('\n\n');
    expect(title).toMatch(/^# \S/);
    expect(opening).toMatch(/^By the end of this page you will (have|know) /);
  });
});
