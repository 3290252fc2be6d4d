/**
 * `npm run synth:hcl`: every stack as plain HCL (cdk.tf), for review or for leaving CDKTF, in its own folder
 * (cdktf.out.hcl/stacks/<stack>). Never beside cdk.tf.json: Terraform would read both and declare everything twice.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { reportError, UserError } from '../lib/errors';
import { requiredTerraformVersion, synthesize } from '../stacks';

const HCL_OUTDIR = 'cdktf.out.hcl';

new Command('npm run synth:hcl --')
  .description('write every stack as HCL into its own folder, formatted with terraform fmt')
  .option('--outdir <dir>', 'where to write', HCL_OUTDIR)
  .option('--environments <dir>', 'folder of environment files (default: $ECR_CACHE_ENVIRONMENTS or environments/)')
  .action((options: { outdir: string; environments?: string }) => {
    // cdktf reads the HCL switch from the environment when each stack is constructed.
    process.env.SYNTH_HCL_OUTPUT = 'true';
    const { environments } = synthesize({ outdir: options.outdir, environments: options.environments });
    for (const environment of environments) {
      // cdktf 0.21's HCL renderer writes the terraform block's plain attributes as `0 = "required_version"`.
      const file = join(options.outdir, 'stacks', environment.stackName, 'cdk.tf');
      const hcl = readFileSync(file, 'utf8');
      const fixed = hcl
        .replace(/^(\s*)\d+ = "required_version"$/m, `$1required_version = "${requiredTerraformVersion(environment)}"`)
        // ... and a lifecycle precondition as a list attribute (`precondition = [{...},]`) instead of a block.
        .replace(/^(\s*)precondition = \[\n\s*\{\n([\s\S]*?)\n\s*\},\n\s*\]$/gm, '$1precondition {\n$2\n$1}');
      if (!fixed.includes('required_version = ')) throw new UserError(`${file}: no required_version to fix; has cdktf's HCL renderer changed?`);
      writeFileSync(file, fixed);
    }
    const fmt = spawnSync('terraform', ['fmt', '-recursive', '-list=false', options.outdir], { encoding: 'utf8' });
    if (fmt.error) console.error(`warning: terraform fmt did not run (${fmt.error.message}); the HCL is valid but unformatted`);
    else if (fmt.status !== 0) throw new UserError(`terraform fmt failed:\n${fmt.stderr}`);
    for (const environment of environments) console.log(`${options.outdir}/stacks/${environment.stackName}/cdk.tf`);
  })
  .parseAsync()
  .catch((error: unknown) => {
    process.exitCode = reportError(error);
  });
