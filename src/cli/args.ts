/**
 * Command-line parsing shared by the commands: node's util.parseArgs with errors turned into
 * E_ARGS (exit 2) that name the command and show its usage, and the one reading of every option
 * value: no value (a path, a name, a number) may be empty, numbers are decimal (`3`, `-2.5`,
 * `1e-3`; not `0x10`, `Infinity` or ` 5`), lists are comma-separated. `--help`/`-h` prints the
 * usage.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SvdError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` for `command`, or prints the usage and resolves to null when `--help` is given.
 * Unknown options, empty values and a wrong number of positionals are E_ARGS errors.
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
  for (const [name, value] of Object.entries(parsed.values)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && v.trim() === '')) throw new SvdError('E_ARGS', `svd ${command}: --${name} needs a value, got an empty one`);
  }
  const empty = parsed.positionals.findIndex((p) => p.trim() === '');
  if (empty >= 0) throw new SvdError('E_ARGS', `svd ${command}: argument ${empty + 1} is empty`);
  const count = parsed.positionals.length;
  if (count < positionals.min || (positionals.max !== undefined && count > positionals.max)) {
    const expected = positionals.max === positionals.min ? `${positionals.min}` : `at least ${positionals.min}`;
    throw new SvdError('E_ARGS', `svd ${command}: expected ${expected} argument(s), got ${count}\n${usage}`);
  }
  return parsed;
}

/** A decimal number as written by hand: optional sign, digits with an optional point, optional exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** `text` as a finite decimal number, or null (hex, binary, `Infinity`, blanks and the rest). */
export function parseDecimal(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** Parses a number option (decimal only), or throws E_ARGS naming it. */
export function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = parseDecimal(value);
  if (n === null) throw new SvdError('E_ARGS', `--${name} must be a decimal number, got '${value}'`);
  return n;
}

/** Parses a whole-number option of at least `min` (decimal digits only), or throws E_ARGS naming it. */
export function integerOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\+?\d+$/.test(value) || Number(value) < min) throw new SvdError('E_ARGS', `--${name} must be a whole number >= ${min}, got '${value}'`);
  return Number(value);
}

/** Parses a comma-separated list option with `item` (which throws for a bad entry); empty entries are E_ARGS. */
export function listOption<T>(name: string, value: string | undefined, what: string, item: (entry: string) => T | null): T[] | undefined {
  if (value === undefined) return undefined;
  const entries = value.split(',').map((s) => s.trim());
  const items = entries.map((e) => (e === '' ? null : item(e)));
  if (items.some((i) => i === null)) throw new SvdError('E_ARGS', `--${name} must be a comma-separated list of ${what}, got '${value}'`);
  return items as T[];
}
