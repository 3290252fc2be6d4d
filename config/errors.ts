/** An error whose message tells the user all they need: printed as it is, without a stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Prints any error for a person at a terminal and returns the exit code: a UserError as its message, anything else
 * (a bug, or a construct refusing its props) as one line, with the stack trace only when ECR_CACHE_DEBUG is set.
 */
export function reportError(error: unknown): number {
  if (error instanceof UserError) {
    console.error(error.message);
    return error.exitCode;
  }
  if (process.env.ECR_CACHE_DEBUG) console.error(error);
  else console.error(`error: ${error instanceof Error ? error.message : String(error)} (set ECR_CACHE_DEBUG=1 for where)`);
  return 1;
}
