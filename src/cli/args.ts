/**
 * Command-line parsing shared by the commands: node's util.parseArgs with errors turned into
 * E_ARGS (exit 2) that name the command and show its usage. `--help`/`-h` prints the usage.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SvdError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` for `command`, or prints the usage and resolves to null when `--help` is given.
 * Unknown options and a wrong number of positionals are E_ARGS errors.
 */
export function parseCommandArgs<O extends Options>(command: string, usage: string, argv: string[], options: O, positionals: { min: number; max?: number }) {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    return null;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new SvdError('E_ARGS', `svd ${command}: ${(err as Error).message}\n${usage}`);
  }
  const count = parsed.positionals.length;
  if (count < positionals.min || (positionals.max !== undefined && count > positionals.max)) {
    const expected = positionals.max === positionals.min ? `${positionals.min}` : `at least ${positionals.min}`;
    throw new SvdError('E_ARGS', `svd ${command}: expected ${expected} argument(s), got ${count}\n${usage}`);
  }
  return parsed;
}

/** Parses a number option, or throws E_ARGS naming it. */
export function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new SvdError('E_ARGS', `--${name} must be a number, got '${value}'`);
  return n;
}
