/**
 * Where synthesis writes: a complete new output or nothing. Stacks are written into a staging folder beside the
 * output; only when all of them are written does the staging folder take the output's place. A pipeline that plans
 * every folder it finds therefore never plans a stack that no environment defines any more, nor a stack written by
 * an earlier, now failing, synthesis.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FolderError, makeFolder } from '../config/folders';

const STACKS = 'stacks';
/** Terraform's dependency lock file. */
export const LOCK_FILE = '.terraform.lock.hcl';
/** Terraform's working files in a stack folder, kept across syntheses: the providers it installed, and its lock file. */
const TERRAFORM_WORKING_FILES = ['.terraform', LOCK_FILE];

/**
 * The environments' dependency lock file (`.terraform.lock.hcl` beside the environment files, committed with them),
 * copied into every staged stack folder: every stack, and every pipeline job that plans or applies one, installs the
 * provider release it names, checked against its checksums. Without one, each `terraform init` picks the newest
 * release the stack's constraint admits.
 */
export function shareLockFile(environmentsFolder: string, staging: string): void {
  const shared = join(environmentsFolder, LOCK_FILE);
  const stacks = join(staging, STACKS);
  if (!existsSync(shared) || !existsSync(stacks)) return;
  for (const stack of readdirSync(stacks)) copyFileSync(shared, join(stacks, stack, LOCK_FILE));
}

/**
 * A staging folder on the output's file system (renames within one file system are atomic), made by a plain mkdir:
 * it becomes the output, so it has the modes every other folder gets (mkdtemp's are 0700). Its parent is made first,
 * and one that cannot be made fails at once (FolderError).
 */
export function stagingFolder(outdir: string): string {
  const parent = dirname(resolve(outdir));
  makeFolder(parent);
  for (;;) {
    const staging = join(parent, `.${basename(outdir)}.staging-${randomBytes(4).toString('hex')}`);
    try {
      mkdirSync(staging);
      return staging;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new FolderError(staging, (error as Error).message);
    }
  }
}

export interface InstallOptions {
  /**
   * Leave the stack folders of the previous output that the new one lacks: cdktf-cli (`cdktf synth`, `cdktf deploy`)
   * removes them itself after the app returns, and fails if they are already gone.
   * @default false - the whole output is replaced
   */
  readonly leaveOrphansToCdktfCli?: boolean;
}

/**
 * Puts a staged output in the place of `outdir`. Terraform's working files (.terraform, the lock file) of stacks
 * that still exist move into the new output; plan files do not, because they are plans of the old code.
 */
export function installOutput(staging: string, outdir: string, options: InstallOptions = {}): void {
  const previousStacks = join(outdir, STACKS);
  const stagedStacks = join(staging, STACKS);
  const staged = existsSync(stagedStacks) ? readdirSync(stagedStacks) : [];
  if (existsSync(previousStacks)) {
    for (const stack of staged) {
      for (const file of TERRAFORM_WORKING_FILES) {
        const kept = join(previousStacks, stack, file);
        // A lock file shared from the environments folder wins over the one an earlier init wrote.
        const target = join(stagedStacks, stack, file);
        if (existsSync(kept) && !existsSync(target)) renameSync(kept, target);
      }
    }
  }
  if (options.leaveOrphansToCdktfCli && existsSync(outdir)) {
    mkdirSync(previousStacks, { recursive: true });
    for (const stack of staged) {
      rmSync(join(previousStacks, stack), { recursive: true, force: true });
      renameSync(join(stagedStacks, stack), join(previousStacks, stack));
    }
    for (const entry of readdirSync(staging).filter((entry) => entry !== STACKS)) {
      rmSync(join(outdir, entry), { recursive: true, force: true });
      renameSync(join(staging, entry), join(outdir, entry));
    }
    rmSync(staging, { recursive: true, force: true });
    return;
  }
  const previous = existsSync(outdir) ? `${staging}.previous` : undefined;
  if (previous) renameSync(outdir, previous);
  renameSync(staging, outdir);
  if (previous) rmSync(previous, { recursive: true, force: true });
}

/** After a failed synthesis: no staged files, and no earlier output left to be mistaken for this code's. */
export function discardOutput(staging: string | undefined, outdir: string): void {
  if (staging) rmSync(staging, { recursive: true, force: true });
  rmSync(outdir, { recursive: true, force: true });
}

/** True when cdktf-cli runs the app (`cdktf synth`, `cdktf deploy`): it sets this for the app it starts. */
export function underCdktfCli(): boolean {
  return process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS === 'true';
}
