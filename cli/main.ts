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
