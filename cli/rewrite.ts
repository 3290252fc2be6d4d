import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { cacheImageUri } from '../lib/cache-uri';
import { displayPath, environmentsDirectory, loadEnvironment, YAML_EXTENSIONS } from '../lib/environments';
import { type RewriteResult, rewriteImages, YamlRewriteError } from '../lib/manifest-rewrite';
import { CliError } from './cli-error';

export interface RewriteOptions {
  readonly env: string;
  readonly environments?: string;
  /** Write nothing; exit 1 when something would change. */
  readonly check?: boolean;
  /** Write nothing; print a diff. */
  readonly dryRun?: boolean;
}

/** YAML files named, or found below named folders (hidden folders and node_modules skipped). */
function yamlFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const visit = (path: string, named: boolean) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (entry.startsWith('.') || entry === 'node_modules') continue;
        visit(join(path, entry), false);
      }
    } else if (named || YAML_EXTENSIONS.includes(extname(path))) {
      files.push(path);
    }
  };
  for (const path of paths) {
    if (!existsSync(path)) throw new CliError(`${path}: no such file or folder`);
    visit(path, true);
  }
  return files;
}

export function rewrite(paths: readonly string[], options: RewriteOptions): number {
  const environment = loadEnvironment(options.env, environmentsDirectory(options.environments));
  const writes = !options.check && !options.dryRun;
  let changed = 0;
  let images = 0;
  let failed = false;
  const left: string[] = [];

  for (const file of yamlFiles(paths)) {
    const source = readFileSync(file, 'utf8');
    let result: RewriteResult;
    try {
      result = rewriteImages(source, (reference) => cacheImageUri(environment, reference));
    } catch (error) {
      if (!(error instanceof YamlRewriteError)) throw error;
      console.error(`${displayPath(file)}: ${error.message}`);
      failed = true;
      continue;
    }
    for (const unmapped of result.unmapped) left.push(`  ${displayPath(file)}:${unmapped.line}: ${unmapped.reference}: ${unmapped.reason}`);
    if (result.changes.length === 0) continue;
    changed += 1;
    images += result.changes.length;
    if (options.dryRun) process.stdout.write(createTwoFilesPatch(displayPath(file), displayPath(file), source, result.text));
    if (writes) writeFileSync(file, result.text);
    console.log(`${writes ? 'rewrote' : 'would rewrite'} ${displayPath(file)}:`);
    for (const change of result.changes) console.log(`  line ${change.line}: ${change.from} -> ${change.to}`);
  }

  if (left.length > 0) console.log(`left as they are:\n${left.join('\n')}`);
  const verb = writes ? 'rewritten' : 'to rewrite';
  console.log(`${images} image${images === 1 ? '' : 's'} in ${changed} file${changed === 1 ? '' : 's'} ${verb}, ${left.length} left as ${left.length === 1 ? 'it is' : 'they are'}`);
  if (failed) return 1;
  return options.check && changed > 0 ? 1 : 0;
}
