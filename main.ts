/**
 * The CDKTF app: one stack per environment file. Every file is validated before anything is written, so a bad
 * file fails synth with its problems listed and no Terraform for a pipeline to plan.
 */
import { App } from 'cdktf';
import { EnvironmentError, formatProblem, loadEnvironments } from './lib/environments';
import { buildStacks } from './stacks';

try {
  const { environments, warnings } = loadEnvironments();
  for (const warning of warnings) console.error(`warning: ${formatProblem(warning)}`);
  const app = new App();
  buildStacks(app, environments);
  app.synth();
} catch (error) {
  if (!(error instanceof EnvironmentError)) throw error;
  console.error(error.message);
  process.exit(1);
}
