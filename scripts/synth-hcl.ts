/**
 * `npm run synth:hcl`: every stack as plain HCL (cdk.tf), for review or for leaving CDKTF, in its own folder
 * (cdktf.out.hcl/stacks/<stack>). Never beside cdk.tf.json: Terraform would read both and declare everything twice.
 * Like `npm run synth`, it writes a complete new output or nothing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { displayPath } from '../config/environments';
import { reportError, UserError } from '../config/errors';
import { synthesize } from '../stacks';
import { blockSchema, elementOrder, renderHcl, stacksOf } from '../stacks/hcl';

const HCL_OUTDIR = 'cdktf.out.hcl';

interface Manifest {
  readonly stacks: Record<string, { synthesizedStackPath: string }>;
}

new Command('npm run synth:hcl --')
  .description('write every stack as HCL into its own folder, formatted with terraform fmt')
  .option('--outdir <dir>', 'where to write', HCL_OUTDIR)
  .option('--environments <dir>', 'folder of environment files (default: $ECR_CACHE_ENVIRONMENTS or environments/)')
  .action((options: { outdir: string; environments?: string }) => {
    const { outdir, environments } = synthesize({
      outdir: options.outdir,
      environments: options.environments,
      transform: (staging, app) => {
        const manifestFile = join(staging, 'manifest.json');
        const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
        for (const [name, stack] of stacksOf(app)) {
          const jsonFile = join(staging, manifest.stacks[name].synthesizedStackPath);
          const config = JSON.parse(readFileSync(jsonFile, 'utf8')) as Record<string, never>;
          const stackDir = join(staging, 'stacks', name);
          writeFileSync(join(stackDir, 'cdk.tf'), renderHcl(config, blockSchema(stack), elementOrder(stack)));
          // cdktf's own HCL output keeps the JSON's comment blocks (construct paths, acknowledgements) beside it.
          writeFileSync(join(stackDir, 'metadata.json'), `${JSON.stringify(commentBlocks(config), null, 2)}\n`);
          rmSync(jsonFile);
          manifest.stacks[name].synthesizedStackPath = `stacks/${name}/cdk.tf`;
        }
        writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
        const fmt = spawnSync('terraform', ['fmt', '-recursive', '-list=false', staging], { encoding: 'utf8' });
        if (fmt.error) console.error(`warning: terraform fmt did not run (${fmt.error.message}); the HCL is valid but unaligned`);
        else if (fmt.status !== 0) throw new UserError(`terraform fmt refused the HCL (a bug in its rendering):\n${fmt.stderr}`);
      },
    });
    for (const { stackName } of environments) console.log(`wrote ${join(displayPath(outdir), 'stacks', stackName, 'cdk.tf')}`);
  })
  .parseAsync()
  .catch((error: unknown) => {
    process.exitCode = reportError(error);
  });

/** The `//` blocks of a configuration (the stack's and each element's), without the configuration itself. */
function commentBlocks(config: Record<string, unknown>): Record<string, unknown> {
  const comments: Record<string, unknown> = {};
  for (const [kind, value] of Object.entries(config)) {
    if (kind === '//') comments[kind] = value;
    else if (kind === 'resource' || kind === 'data') {
      for (const [type, byName] of Object.entries(value as Record<string, Record<string, { '//'?: unknown }>>)) {
        for (const [name, body] of Object.entries(byName)) {
          if (body['//'] !== undefined) ((comments[kind] ??= {}) as Record<string, Record<string, unknown>>)[type] = { ...((comments[kind] as Record<string, Record<string, unknown>>)[type] ?? {}), [name]: { '//': body['//'] } };
        }
      }
    }
  }
  return comments;
}
