/**
 * `environments/<name>.imports.json`: what `./bin/ecr-cache adopt` found already in the account, as Terraform import
 * blocks (`{ "to": "<address>", "id": "<import id>" }`, Terraform >= 1.5) that the environment's stack carries, so the
 * next plan says "import" instead of "create". Terraform skips an import block whose resource is already in the
 * state, so the file may stay after the apply; delete it once the import is applied to keep the stack tidy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Problem } from './problems';

export interface ImportBlock {
  /** The resource's address in the stack. */
  readonly to: string;
  /** The provider's import ID of the live object. */
  readonly id: string;
}

export const IMPORTS_SUFFIX = '.imports.json';

/** Where an environment file's imports live: beside it. */
export function importsFile(environmentFile: string, name: string): string {
  return join(dirname(environmentFile), `${name}${IMPORTS_SUFFIX}`);
}

const ADDRESS = /^[a-z0-9_]+\.[A-Za-z0-9_-]+(?:\[\d+\])?$/;

/** The import blocks beside an environment file (none when there is no file), or the problems of the file. */
export function readImports(environmentFile: string, name: string): { imports: ImportBlock[]; problems: Problem[] } {
  const file = importsFile(environmentFile, name);
  if (!existsSync(file)) return { imports: [], problems: [] };
  const problem = (message: string, path: (string | number)[] = []): { imports: ImportBlock[]; problems: Problem[] } => ({ imports: [], problems: [{ file, path, message }] });
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return problem(`is not JSON (${(error as Error).message}): write it again with ./bin/ecr-cache adopt --env ${name}, or delete it`);
  }
  if (!Array.isArray(parsed)) return problem(`must be a list of {"to": "<address>", "id": "<import id>"}: write it again with ./bin/ecr-cache adopt --env ${name}`);
  const imports: ImportBlock[] = [];
  for (const [index, entry] of parsed.entries()) {
    const { to, id } = (entry ?? {}) as { to?: unknown; id?: unknown };
    if (typeof to !== 'string' || !ADDRESS.test(to)) return problem(`"to" must be a resource address such as aws_ecr_pull_through_cache_rule.docker_hub[0]`, [index, 'to']);
    if (typeof id !== 'string' || id === '') return problem('"id" must be the import ID of the live object', [index, 'id']);
    imports.push({ to, id });
  }
  return { imports, problems: [] };
}
