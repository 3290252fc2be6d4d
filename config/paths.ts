/** Where the project is, and paths as the user typed and reads them. */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root: where package.json, main.ts and environments/ live. The nearest folder above this code with a
 * package.json: config/.. when run from source, .build/<id>/../.. when run from the bundle (scripts/bundle.cjs).
 */
export const PROJECT_ROOT = projectRoot(dirname(fileURLToPath(import.meta.url)));

function projectRoot(from: string): string {
  for (let folder = from; dirname(folder) !== folder; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json'))) return folder;
  }
  return resolve(from, '..');
}

/**
 * The folder the user typed relative paths in. npm runs scripts in the project's root and says where the user was in
 * INIT_CWD, so `cd cli && ECR_CACHE_ENVIRONMENTS=../examples npm run synth` means cli/../examples.
 */
export function userDirectory(): string {
  // Only an npm script in this project: a process it starts elsewhere inherits INIT_CWD, but was given its own folder.
  const npmScript = process.env.npm_lifecycle_event !== undefined && resolve(process.cwd()) === PROJECT_ROOT;
  return (npmScript && process.env.INIT_CWD) || process.cwd();
}

/** A path the user gave, absolute. */
export function userPath(path: string): string {
  return resolve(userDirectory(), path);
}

/** A path as the user knows it: relative to the folder they are in when inside it. */
export function displayPath(path: string): string {
  const relativePath = relative(userDirectory(), resolve(path));
  return relativePath && !relativePath.startsWith('..') && !isAbsolute(relativePath) ? relativePath : resolve(path);
}
