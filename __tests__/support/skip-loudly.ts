const ci = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());

/**
 * For tests that need something this machine may lack: under CI a missing prerequisite fails the run, so a pipeline
 * never passes without having run them; elsewhere they say loudly that they skipped. Returns true to skip.
 */
export function skipLoudly(what: string, reason: string | undefined): boolean {
  if (reason === undefined) return false;
  if (ci) throw new Error(`${what} cannot run under CI: ${reason}`);
  console.warn(`\n${'!'.repeat(100)}\n!! SKIPPING ${what}: ${reason}\n${'!'.repeat(100)}\n`);
  return true;
}
