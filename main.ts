/**
 * The CDKTF app: one stack per environment file. Every file is validated and every stack checked before anything
 * is written, so a bad file fails synth with its problems listed and no Terraform for a pipeline to plan.
 */
import { join } from 'node:path';
import { reportError } from './config/errors';
import { displayPath, formatProblem } from './config/environments';
import { synthesize } from './stacks';
import { underCdktfCli } from './stacks/output';

// cdktf captures a full stack trace for every token it creates; with source maps on (tsx turns them on), each one
// costs a source-map lookup: about 100 ms for 50 environments. This entry point reports errors as messages.
process.setSourceMapsEnabled(false);

try {
  const { outdir, environments, warnings } = synthesize();
  for (const warning of warnings) console.error(`warning: ${formatProblem(warning)}`);
  // cdktf-cli says which stacks it synthesized; run directly (npm run synth), the app says it.
  if (!underCdktfCli()) for (const { stackName } of environments) console.log(`wrote ${join(displayPath(outdir), 'stacks', stackName)}`);
} catch (error) {
  process.exit(reportError(error));
}
