/**
 * A CLI failure that is not an operator error of the domain: its sentence is printed as is (no
 * detail, no stack) with its own exit code. Used by `--server` mode: an unreachable server, a
 * refused token, a command that needs a local database.
 * @module
 */

/** A failure with the exact sentence to print and the exit code to return. */
export class CliError extends Error {
  override name = "CliError";
  /** Stable code for `--json` error documents. */
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode: number, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.exitCode = exitCode;
  }
}
