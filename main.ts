/**
 * The CDKTF app: one stack per environment file. Every file is validated before anything is written, so a bad
 * file fails synth with its problems listed and no Terraform for a pipeline to plan.
 */
import { App } from 'cdktf';
import { EnvironmentError, formatProblem, loadEnvironments } from './lib/environments';
import { formatFinding, policyFindings } from './lib/policy-checks';
import { buildStacks } from './stacks';

try {
  const { environments, warnings } = loadEnvironments();
  for (const warning of warnings) console.error(`warning: ${formatProblem(warning)}`);
  const app = new App();
  buildStacks(app, environments);
  // cdktf checks one stack at a time while writing; checking them all first keeps a failed synth from writing any.
  const findings = policyFindings(app).filter((finding) => finding.acknowledged === undefined);
  if (findings.length > 0) {
    for (const finding of findings) console.error(formatFinding(finding));
    process.exit(1);
  }
  app.synth();
} catch (error) {
  if (!(error instanceof EnvironmentError)) throw error;
  console.error(error.message);
  process.exit(1);
}
