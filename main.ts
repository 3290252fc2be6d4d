/**
 * The CDKTF app: one stack per environment file. Every file is validated and every stack checked before anything
 * is written, so a bad file fails synth with its problems listed and no Terraform for a pipeline to plan.
 */
import { reportError } from './lib/errors';
import { formatProblem } from './lib/environments';
import { synthesize } from './stacks';

// cdktf captures a full stack trace for every token it creates; with source maps on (tsx turns them on), each one
// costs a source-map lookup: about 100 ms for 50 environments. This entry point reports errors as messages.
process.setSourceMapsEnabled(false);

try {
  const { warnings } = synthesize();
  for (const warning of warnings) console.error(`warning: ${formatProblem(warning)}`);
} catch (error) {
  process.exit(reportError(error));
}
