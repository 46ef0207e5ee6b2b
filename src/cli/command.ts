/**
 * The shape of one CLI command (one file per command in src/cli/). A command throws SvdError for
 * anything the user got wrong; `main.ts` prints it and sets the exit code, so commands do not.
 */

/** One `svd` subcommand. */
export interface Command {
  name: string;
  /** One line for `svd --help`. */
  summary: string;
  /** Usage text for `svd <name> --help`. */
  usage: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}
