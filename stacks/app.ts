import { App, TerraformStack } from 'cdktf';
import { UserError } from '../config/errors';
import { FolderError } from '../config/folders';
import { type Environment, environmentsDirectory, loadEnvironments, type Problem, userPath } from '../config/environments';
import { type Finding, formatFinding, PolicyChecks } from '../lib/policy/policy-checks';
import { EcrCacheStack } from './ecr-cache-stack';
import { discardOutput, installOutput, shareLockFile, stagingFolder, underCdktfCli } from './output';

/**
 * Findings of the policy checks that no resource acknowledged: synth stops before writing anything. Each names the
 * environment file whose stack holds the resource.
 */
export class PolicyFindingsError extends UserError {
  constructor(readonly findings: readonly Finding[]) {
    super(
      findings
        .map((finding) => {
          const stack = TerraformStack.of(finding.resource);
          return `${stack instanceof EcrCacheStack ? `${stack.environment.file}: ` : ''}${formatFinding(finding)}`;
        })
        .join('\n'),
    );
  }
}

export interface SynthesizeOptions {
  /** @default - ECR_CACHE_ENVIRONMENTS, or environments/ */
  readonly environments?: string;
  /** @default - CDKTF_OUTDIR, or cdktf.out */
  readonly outdir?: string;
  /**
   * Turns the synthesized stacks in the staging folder into another form before they are installed (plain HCL).
   * @default - the JSON cdktf writes
   */
  readonly transform?: (staging: string, app: App, environments: readonly Environment[]) => void;
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
 * Validates every environment, builds their stacks, runs the policy checks on all of them, writes them into a
 * staging folder, and only then puts that folder in the output's place: the output is complete and current, or
 * absent. A bad file, an unacknowledged finding or any other failure leaves no output, old or new. Throws
 * EnvironmentError or PolicyFindingsError.
 */
export function synthesize(options: SynthesizeOptions = {}): Synthesized {
  // A folder the user names is where they typed it (npm runs scripts from the project's root); the default is the project's.
  const named = options.outdir ?? process.env.CDKTF_OUTDIR;
  const outdir = named === undefined || named === '' ? 'cdktf.out' : userPath(named);
  // What the user set, to name in a message: the option of a script (synth:hcl's --outdir), or the variable.
  const setting = options.outdir !== undefined ? 'the output folder' : 'CDKTF_OUTDIR';
  let staging: string | undefined;
  try {
    const folder = environmentsDirectory(options.environments);
    const { environments, warnings } = loadEnvironments(folder);
    try {
      staging = stagingFolder(outdir);
    } catch (error) {
      if (!(error instanceof FolderError)) throw error;
      throw new UserError(`${setting} ${named ?? outdir}: ${error.message}; set ${setting} to a folder that can be made`);
    }
    // cdktf would stop at the first stack whose validation fails; validated after synthesis instead, every stack's
    // findings are reported at once (the staging folder is discarded).
    const app = new App({ outdir: staging, skipValidation: true });
    const stacks = buildStacks(app, environments);
    app.synth();
    const unacknowledged = stacks.flatMap((stack) => PolicyChecks.findingsOf(stack) ?? []).filter((finding) => finding.acknowledged === undefined);
    if (unacknowledged.length > 0) throw new PolicyFindingsError(unacknowledged);
    for (const stack of stacks) stack.runAllValidations();
    const appErrors = app.node.validate();
    if (appErrors.length > 0) throw new Error(`App-level validation failed:\n  ${appErrors.join('\n  ')}`);
    shareLockFile(folder, staging);
    options.transform?.(staging, app, environments);
    installOutput(staging, outdir, { leaveOrphansToCdktfCli: underCdktfCli() });
    return { outdir, environments, warnings };
  } catch (error) {
    discardOutput(staging, outdir);
    throw error;
  }
}
