/**
 * The command line a run records in env.json, as the report shows it: as the user typed it,
 * `svd ...`. A program path that is svd's own launcher (an npx cache path such as
 * `/root/.npm/_npx/<hash>/node_modules/.bin/svd`, an installed `.../bin/svd`, the repository's
 * `bin/svd.js`) becomes `svd`; arguments with spaces or shell characters are quoted. A recorded
 * string is shown as it is, its first word treated the same way.
 */

/** A path to svd's launcher. */
const LAUNCHER = /^\S*(^|[\\/])svd(\.js)?$/;

/** The command line of a run's env.json `command` (a list of arguments or a string); null when there is none. */
export function shownCommand(command: unknown): string | null {
  if (typeof command === 'string') {
    const [first, ...rest] = command.trim().split(/(?<=^\S+)\s+/);
    return first ? [LAUNCHER.test(first) ? 'svd' : first, ...rest].join(' ') : null;
  }
  if (!Array.isArray(command) || command.length === 0) return null;
  const [program, ...args] = command.map(String);
  return [LAUNCHER.test(program) ? 'svd' : quote(program), ...args.map(quote)].join(' ');
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
