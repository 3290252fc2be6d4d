/** Making folders: each missing one in turn, and the first that cannot be made named, with why. */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { displayPath } from './paths';

/** A folder that cannot be made: which one, and why. */
export class FolderError extends Error {
  constructor(
    readonly folder: string,
    readonly reason: string,
  ) {
    super(`cannot make the folder ${displayPath(folder)}: ${reason}`);
    this.name = new.target.name;
  }
}

/**
 * Makes `path` and every missing folder above it, one at a time, and stops at the first that cannot be made. Node's
 * `mkdirSync(path, { recursive: true })` never returns where a folder exists but takes no new one: Linux's /proc
 * answers ENOENT for /proc/x, which it takes for a missing parent, and EEXIST for /proc, which it takes for one made,
 * and so on, at full CPU (the same walk bun fixed in oven-sh/bun PR #40600).
 */
export function makeFolder(path: string): void {
  const target = resolve(path);
  const missing: string[] = [];
  for (let folder = target; ; folder = dirname(folder)) {
    let isFolder: boolean;
    try {
      isFolder = statSync(folder).isDirectory();
    } catch (error) {
      // ENOTDIR: a file on the way up, which the walk finds and names.
      if (!['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw new FolderError(folder, describe(error, folder));
      missing.unshift(folder);
      if (dirname(folder) === folder) break;
      continue;
    }
    if (!isFolder) throw new FolderError(target, `${displayPath(folder)} is a file, not a folder`);
    break;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      // Made by another process meanwhile: as good.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && statSync(folder).isDirectory()) continue;
      throw new FolderError(folder, describe(error, folder));
    }
  }
}

function describe(error: unknown, folder: string): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const parent = displayPath(dirname(folder));
  switch (code) {
    // The parent exists (it was checked, or just made): it is a file system that makes no folders, such as /proc.
    case 'ENOENT':
      return `${parent} takes no new folders (ENOENT)`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to make folders in ${parent} (${code})`;
    case 'EROFS':
      return `${parent} is on a read-only file system (EROFS)`;
    case 'ENOTDIR':
      return `a part of ${parent} is a file, not a folder (ENOTDIR)`;
    case 'ENOSPC':
      return `no space left on the device (ENOSPC)`;
    default:
      return code ? `${code}: ${message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')}` : String(error);
  }
}
