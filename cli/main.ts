/**
 * `./bin/ecr-cache`: the project's command line. Each command requires its module only when it runs, so `--help`
 * and `check` never load the AWS SDK.
 */
import { Command } from 'commander';
import { reportError } from '../config/errors';

const program = new Command('ecr-cache')
  .description('ECR pull-through cache for EKS: check environment files, map images to the cache, validate rules')
  .version((require('../package') as { version: string }).version, '-V, --version', 'print the version and exit')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: false });

const environmentsOption = ['--environments <dir>', 'folder of environment files (default: $ECR_CACHE_ENVIRONMENTS or environments/)'] as const;

program
  .command('check')
  .description('validate environment files without synthesizing; exits 0 when all are valid')
  .argument('[files...]', 'environment files to check (default: every file in the environments folder)')
  .option(...environmentsOption)
  .action((files: string[], options: { environments?: string }) => {
    const { check } = require('./check') as typeof import('./check');
    process.exitCode = check(files, options);
  });

program
  .command('list')
  .description('list the environments (name, stack, account, region, state); --json for a pipeline matrix')
  .option(...environmentsOption)
  .option('--json', 'print JSON: one object per environment')
  .action((options: { environments?: string; json?: boolean }) => {
    const { list } = require('./list') as typeof import('./list');
    process.exitCode = list(options);
  });

program
  .command('image')
  .description('print the cache URI of each image reference, one per line, in order')
  .argument('<references...>', 'image references, e.g. nats:2.10.12-alpine or registry.k8s.io/external-dns/external-dns:v0.14.0')
  .requiredOption('--env <name>', 'the environment whose cache to use (required)')
  .option(...environmentsOption)
  .action((references: string[], options: { env: string; environments?: string }) => {
    const { image } = require('./image') as typeof import('./image');
    process.exitCode = image(references, options);
  });

program
  .command('rewrite')
  .description('rewrite image references in Kubernetes manifests and Helm values to pull through the cache')
  .argument('<paths...>', 'YAML files, or folders to search for them')
  .requiredOption('--env <name>', 'the environment whose cache to use (required)')
  .option(...environmentsOption)
  .option('--check', 'write nothing; exit 1 when something would change (for CI)')
  .option('--dry-run', 'write nothing; print a diff of what would change')
  .option('--strict', 'exit 1 when an image has no rule (for CI)')
  // One glob per --exclude, repeated: a variadic option would take the paths that follow it as globs.
  .option(
    '--exclude <glob>',
    "leave out paths that match (as shown, relative to this folder); repeat for more; a Helm chart's templates/ folder (beside its Chart.yaml) is left out",
    (glob: string, globs: string[] = []) => [...globs, glob],
  )
  .action((paths: string[], options: { env: string; environments?: string; check?: boolean; dryRun?: boolean; strict?: boolean; exclude?: string[] }) => {
    const { rewrite } = require('./rewrite') as typeof import('./rewrite');
    process.exitCode = rewrite(paths, options);
  });

program
  .command('warm')
  .description("pull images through the cache before the nodes do, every platform, and confirm the cache holds them (DescribeImages); exits 1 when one failed")
  .argument('[paths...]', 'manifests, Helm values or Kustomize files, or folders to search for them (as rewrite reads them)')
  .requiredOption('--env <name>', 'the environment whose cache to warm (required; a consumer: its hub\'s)')
  .option(...environmentsOption)
  .option('--images <file>', 'a file of image references, one a line (# starts a comment)')
  .option('--platform <list>', 'the platforms of a multi-platform image to pull, e.g. linux/amd64,linux/arm64 (default: all)')
  .option('--concurrency <n>', `images warmed at once (default: 4)`)
  .option('--json', 'print JSON for tools: every image and a summary')
  .option('--registry-url <url>', "send the registry API calls to this address (a proxy, a stand-in) with the same token (default: the cache's own)")
  .option('--endpoint <url>', "ECR endpoint to call (default: $AWS_ENDPOINT_URL_ECR, or ECR in the cache's region)")
  .option('--exclude <glob>', 'leave out paths that match, as rewrite does; repeat for more', (glob: string, globs: string[] = []) => [...globs, glob])
  .action(async (paths: string[], options: import('./warm').WarmOptions) => {
    const { warm } = require('./warm') as typeof import('./warm');
    process.exitCode = await warm(paths, options);
  });

program
  .command('validate')
  .description("ask ECR to validate each rule of an environment (secret, credentials, upstream); exits 1 when one is not working")
  .requiredOption('--env <name>', 'the environment whose rules to validate (required)')
  .option(...environmentsOption)
  .option('--endpoint <url>', 'ECR endpoint to call (default: $AWS_ENDPOINT_URL_ECR, or ECR in the environment\'s region)')
  .action(async (options: { env: string; environments?: string; endpoint?: string }) => {
    const { validate } = require('./validate') as typeof import('./validate');
    process.exitCode = await validate(options);
  });

program
  .command('status')
  .description("what the cache holds, rule by rule: repositories, images, size, last push and pull, what no one pulled lately, storage cost (a consumer's: its hub's)")
  .requiredOption('--env <name>', 'the environment whose cache to read (required)')
  .option(...environmentsOption)
  .option('--json', 'print JSON for tools: every rule and every repository not pulled lately')
  .option('--unpulled-days <days>', 'list the repositories no one pulled in this many days (default: 30)')
  .option('--price-per-gb <usd>', "storage price in USD per GB-month (default: 0.10, ECR's published price)")
  .option('--endpoint <url>', "ECR endpoint to call (default: $AWS_ENDPOINT_URL_ECR, or ECR in the cache's region)")
  .action(async (options: import('./status').StatusOptions) => {
    const { status } = require('./status') as typeof import('./status');
    process.exitCode = await status(options);
  });

program
  .command('node-config')
  .description('node configuration that pulls upstream images through the cache as registry mirrors: no manifest rewritten')
  .requiredOption('--env <name>', 'the environment whose cache the nodes pull through (required)')
  .requiredOption('--format <format>', 'containerd (hosts.toml and credential provider config), nodeadm, bottlerocket or karpenter (required)')
  .option(...environmentsOption)
  .option('--out <dir>', 'write the files into this folder (needed for containerd; the others print to standard output without it)')
  .option('--fallback', 'containerd tries the upstream when the cache fails, sending it the ECR token (Bottlerocket always does)')
  .option('--no-fallback', 'the cache is the only host containerd tries: the default where the format allows it')
  .option('--family <family>', 'karpenter: al2023 (default) or bottlerocket')
  .option('--cluster <name>', 'karpenter: the cluster, as its subnets and security groups are tagged (karpenter.sh/discovery)')
  .option(
    '--role <name>',
    "karpenter: the nodes' IAM role (default: KarpenterNodeRole-<cluster>, the role Karpenter's documented controller policy may pass; list it in nodes.existingRoles so the stack gives it the pull policy)",
  )
  .action((options: import('./node-config').NodeConfigOptions) => {
    const { nodeConfig } = require('./node-config') as typeof import('./node-config');
    process.exitCode = nodeConfig(options);
  });

program
  .command('can-pull')
  .description('may the node roles pull this image through the cache? IAM evaluation of the synthesized policies; exits 1 on any denial')
  .argument('<image>', 'an image reference, e.g. nginx:1.27 or registry.k8s.io/pause:3.10')
  .requiredOption('--env <name>', 'the environment whose nodes pull (required)')
  .option(...environmentsOption)
  .option('--role <role>', "a role name in the environment's account, or a role ARN of any account (default: the environment's node roles)")
  .addHelpText(
    'after',
    '\nNeeds @cloud-copilot/iam-simulate (AGPL-3.0-or-later, not shipped with this project): npm ci installs it in a checkout.',
  )
  .action(async (image: string, options: import('./can-pull').CanPullOptions) => {
    const { canPull } = require('./can-pull') as typeof import('./can-pull');
    process.exitCode = await canPull(image, options);
  });

program
  .command('adopt')
  .description("write Terraform import blocks for what the environment's stack would create that already exists in its account")
  .requiredOption('--env <name>', 'the environment to adopt an existing setup into (required)')
  .option(...environmentsOption)
  .option('--state <file>', "the stack's state (terraform state pull > FILE): what it manages is left alone (default: the local state file, if any; required for S3 state)")
  .option('--untaint', "clear in the --state file itself the taint of a credential secret AWS holds intact: only when FILE is the stack's own local state, not a pulled copy")
  .action(async (options: import('./adopt').AdoptOptions) => {
    const { adopt } = require('./adopt') as typeof import('./adopt');
    process.exitCode = await adopt(options);
  });

program.parseAsync().catch((error: unknown) => {
  process.exitCode = reportError(error);
});
