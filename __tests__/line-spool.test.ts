import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { LineSpool } from '../cli/line-spool';

const spoolFolders = () => new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('ecr-cache-lines-')));

describe('LineSpool', () => {
  it('gives back every line in order, from memory or, past a MiB, from a temporary file it then removes', () => {
    const before = spoolFolders();
    const lines = Array.from({ length: 30_000 }, (_, index) => `  line ${index}: ${'é'.repeat(index % 5)}${'x'.repeat(40)}`);
    const spool = new LineSpool();
    for (const line of lines) spool.add(line);
    const created = [...spoolFolders()].filter((name) => !before.has(name));
    expect(created).toHaveLength(1);
    expect(spool.count).toBe(30_000);

    const other = new LineSpool();
    other.add('first');
    spool.moveTo(other);
    expect(other.count).toBe(30_001);
    expect(spool.count).toBe(0);
    expect(existsSync(`${tmpdir()}/${created[0]}`)).toBe(false);

    const pieces: Buffer[] = [];
    other.drain((text) => pieces.push(Buffer.from(text)));
    expect(Buffer.concat(pieces).toString('utf8')).toBe(['first', ...lines].map((line) => `${line}\n`).join(''));
    expect(other.count).toBe(0);
    expect([...spoolFolders()].filter((name) => !before.has(name))).toEqual([]);
  });

  it('holds a few lines in memory only, and forgets them when cleared', () => {
    const before = spoolFolders();
    const spool = new LineSpool();
    spool.add('a');
    spool.add('b');
    spool.clear();
    spool.add('c');
    let text = '';
    spool.drain((piece) => (text += String(piece)));
    expect(text).toBe('c\n');
    expect(spoolFolders()).toEqual(before);
  });
});
