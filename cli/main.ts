/**
 * `./bin/ecr-cache`: the project's command line. Each command loads its module only when it runs, so `--help`
 * and `check` never load the AWS SDK or cdktf.
 */
import { Command } from 'commander';
import { EnvironmentError } from '../lib/environments';
import { CliError } from './cli-error';

const program = new Command('ecr-cache')
  .description('ECR pull-through cache for EKS: check environment files, map images to the cache, validate rules')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: false });

const environmentsOption = ['--environments <dir>', 'folder of environment files (default: $ECR_CACHE_ENVIRONMENTS or environments/)'] as const;

program
  .command('check')
  .description('validate environment files without synthesizing; exits 0 when all are valid')
  .argument('[files...]', 'environment files to check (default: every file in the environments folder)')
  .option(...environmentsOption)
  .action(async (files: string[], options: { environments?: string }) => {
    const { check } = await import('./check');
    process.exitCode = check(files, options);
  });

program
  .command('image')
  .description('print the cache URI of each image reference, one per line, in order')
  .argument('<references...>', 'image references, e.g. nats:2.10.12-alpine or registry.k8s.io/external-dns/external-dns:v0.14.0')
  .requiredOption('--env <name>', 'the environment whose cache to use')
  .option(...environmentsOption)
  .action(async (references: string[], options: { env: string; environments?: string }) => {
    const { image } = await import('./image');
    process.exitCode = image(references, options);
  });

program
  .command('rewrite')
  .description('rewrite image references in Kubernetes manifests and Helm values to pull through the cache')
  .argument('<paths...>', 'YAML files, or folders to search for them')
  .requiredOption('--env <name>', 'the environment whose cache to use')
  .option(...environmentsOption)
  .option('--check', 'write nothing; exit 1 when something would change (for CI)')
  .option('--dry-run', 'write nothing; print a diff of what would change')
  .action(async (paths: string[], options: { env: string; environments?: string; check?: boolean; dryRun?: boolean }) => {
    const { rewrite } = await import('./rewrite');
    process.exitCode = rewrite(paths, options);
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof EnvironmentError) {
    console.error(error.message);
    process.exitCode = 1;
  } else if (error instanceof CliError) {
    console.error(`ecr-cache: ${error.message}`);
    process.exitCode = error.exitCode;
  } else {
    throw error;
  }
}
