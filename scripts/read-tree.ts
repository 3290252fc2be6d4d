import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file below a folder, by path relative to it, with its content (latin1 keeps any bytes comparable). */
export function readTree(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (path: string) => {
    for (const entry of readdirSync(path).sort()) {
      const child = join(path, entry);
      if (statSync(child).isDirectory()) visit(child);
      else found.set(relative(dir, child), readFileSync(child, 'latin1'));
    }
  };
  visit(dir);
  return found;
}
