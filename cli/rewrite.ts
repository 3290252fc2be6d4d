import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import picomatch from 'picomatch';
import { cacheImageUri } from '../lib/images/cache-uri';
import { cacheOf } from '../config/environment';
import { displayPath, environmentsDirectory, loadEnvironment, YAML_EXTENSIONS } from '../config/environments';
import { type RewriteResult, rewriteImages, YamlRewriteError } from '../lib/images/manifest-rewrite';
import { decodeUtf8 } from '../config/text';
import { CliError } from './cli-error';

export interface RewriteOptions {
  readonly env: string;
  readonly environments?: string;
  /** Write nothing; exit 1 when something would change. */
  readonly check?: boolean;
  /** Write nothing; print a diff. */
  readonly dryRun?: boolean;
  /** Exit 1 when an image has no rule. */
  readonly strict?: boolean;
  /** Globs of paths (as displayed, relative to the working folder) to leave out. */
  readonly exclude?: readonly string[];
}

interface Found {
  files: string[];
  /** Helm chart `templates/` folders left out: Go templates are not YAML until rendered. */
  helmTemplates: string[];
  excluded: number;
}

/**
 * YAML files named, or found below named folders. Hidden folders, node_modules and the `templates/` folder of a
 * Helm chart (beside its Chart.yaml) are left out; so is every path an `--exclude` glob matches.
 */
function yamlFiles(paths: readonly string[], exclude: readonly string[]): Found {
  const isExcluded = exclude.length > 0 ? picomatch([...exclude], { dot: true }) : () => false;
  const found: Found = { files: [], helmTemplates: [], excluded: 0 };
  const visit = (path: string, named: boolean) => {
    if (isExcluded(displayPath(path))) {
      found.excluded += 1;
      return;
    }
    const stat = statSync(path);
    if (stat.isDirectory()) {
      const entries = readdirSync(path).sort();
      const chart = entries.includes('Chart.yaml');
      for (const entry of entries) {
        if (entry.startsWith('.') || entry === 'node_modules') continue;
        if (chart && entry === 'templates') {
          found.helmTemplates.push(displayPath(join(path, entry)));
          continue;
        }
        visit(join(path, entry), false);
      }
    } else if (named || YAML_EXTENSIONS.includes(extname(path))) {
      found.files.push(path);
    }
  };
  for (const path of paths) {
    if (!existsSync(path)) throw new CliError(`${path}: no such file or folder`);
    visit(path, true);
  }
  return found;
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

export function rewrite(paths: readonly string[], options: RewriteOptions): number {
  // A consumer's images come from its hub's cache.
  const environment = cacheOf(loadEnvironment(options.env, environmentsDirectory(options.environments)));
  const writes = !options.check && !options.dryRun;
  let changed = 0;
  let images = 0;
  let failed = false;
  let withoutRule = 0;
  const left: string[] = [];
  const { files, helmTemplates, excluded } = yamlFiles(paths, options.exclude ?? []);

  for (const file of files) {
    const decoded = decodeUtf8(readFileSync(file));
    if ('nonUtf8Line' in decoded) {
      console.error(`${displayPath(file)}: not UTF-8 text, so not YAML (line ${decoded.nonUtf8Line}): leave it out with --exclude, or save it as UTF-8`);
      failed = true;
      continue;
    }
    const source = decoded.text;
    let result: RewriteResult;
    try {
      result = rewriteImages(source, (reference) => cacheImageUri(environment, reference));
    } catch (error) {
      if (!(error instanceof YamlRewriteError)) throw error;
      console.error(`${displayPath(file)}: ${error.message}`);
      failed = true;
      continue;
    }
    for (const unmapped of result.unmapped) {
      left.push(`  ${displayPath(file)}:${unmapped.line}: ${unmapped.reference}: ${unmapped.reason}`);
      if (unmapped.noRule) withoutRule += 1;
    }
    if (result.changes.length === 0) continue;
    changed += 1;
    images += result.changes.length;
    if (options.dryRun) process.stdout.write(createTwoFilesPatch(displayPath(file), displayPath(file), source, result.text));
    if (writes) writeFileSync(file, result.text);
    console.log(`${writes ? 'rewrote' : 'would rewrite'} ${displayPath(file)}:`);
    for (const change of result.changes) console.log(`  line ${change.line}: ${change.from} -> ${change.to}`);
  }

  if (left.length > 0) console.log(`left as they are:\n${left.join('\n')}`);
  for (const folder of helmTemplates) {
    console.log(`skipped ${folder}: Helm templates are not YAML until rendered; rewrite the chart's values instead`);
  }
  const verb = writes ? 'rewritten' : 'to rewrite';
  const skipped = excluded > 0 ? `, ${plural(excluded, 'path')} excluded` : '';
  console.log(`${plural(images, 'image')} in ${plural(changed, 'file')} ${verb}, ${left.length} left as ${left.length === 1 ? 'it is' : 'they are'}${skipped}`);
  if (failed) return 1;
  if (options.strict && withoutRule > 0) {
    console.error(`--strict: ${plural(withoutRule, 'image')} without a rule in environment ${environment.name}`);
    return 1;
  }
  return options.check && changed > 0 ? 1 : 0;
}
