import { mkdirSync } from 'node:fs';
import { App } from 'cdktf';
import { UserError } from '../lib/errors';
import { type Environment, environmentsDirectory, loadEnvironments, type Problem } from '../lib/environments';
import { type Finding, formatFinding, policyFindings } from '../lib/policy-checks';
import { EcrCacheStack } from './ecr-cache-stack';

/** Findings of the policy checks that no resource acknowledged: synth stops before writing anything. */
export class PolicyFindingsError extends UserError {
  constructor(readonly findings: readonly Finding[]) {
    super(findings.map(formatFinding).join('\n'));
  }
}

export interface SynthesizeOptions {
  /** @default - ECR_CACHE_ENVIRONMENTS, or environments/ */
  readonly environments?: string;
  /** @default - CDKTF_OUTDIR, or cdktf.out */
  readonly outdir?: string;
}

export interface Synthesized {
  readonly outdir: string;
  readonly environments: readonly Environment[];
  readonly warnings: readonly Problem[];
}

/** One stack per environment. */
export function buildStacks(app: App, environments: readonly Environment[]): EcrCacheStack[] {
  return environments.map((environment) => new EcrCacheStack(app, environment));
}

/**
 * Validates every environment, builds their stacks, runs the policy checks on all of them, and only then writes
 * cdktf.out: a bad file or an unacknowledged finding leaves nothing half-written. Throws EnvironmentError or
 * PolicyFindingsError.
 */
export function synthesize(options: SynthesizeOptions = {}): Synthesized {
  const { environments, warnings } = loadEnvironments(environmentsDirectory(options.environments));
  // cdktf creates only the last folder of the output path.
  const outdir = options.outdir ?? process.env.CDKTF_OUTDIR ?? 'cdktf.out';
  mkdirSync(outdir, { recursive: true });
  const app = new App({ outdir });
  buildStacks(app, environments);
  // cdktf checks one stack at a time while writing; checking them all first keeps a failed synth from writing any.
  const unacknowledged = policyFindings(app).filter((finding) => finding.acknowledged === undefined);
  if (unacknowledged.length > 0) throw new PolicyFindingsError(unacknowledged);
  app.synth();
  return { outdir: app.outdir, environments, warnings };
}
