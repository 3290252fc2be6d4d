import { UserError } from '../config/errors';

/** A failure of a command, printed as `ecr-cache: <message>`. */
export class CliError extends UserError {
  constructor(message: string, exitCode = 1) {
    super(`ecr-cache: ${message}`, exitCode);
  }
}
