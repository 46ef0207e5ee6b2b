/**
 * Command-line parsing shared by the commands: node's util.parseArgs with errors turned into
 * E_ARGS (exit 2) that name the command and show its usage, and the one reading of every option
 * value: no value (a path, a name, a number) may be empty, numbers are decimal (`3`, `-2.5`,
 * `1e-3`; not `0x10`, `Infinity` or ` 5`), lists are comma-separated. `--help`/`-h` prints the
 * usage. An unknown option is named with what was perhaps meant: a known option, or for commands
 * that take `--set`, the config key of that name (`--epochs 2`: `--set training.epochs=2`).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SvdError } from '../errors.js';
import { closest } from '../text/closest.js';
import { composeSchema } from '../experiment/config-schema.js';
import type { JsonSchema } from '../config/json-schema.js';

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
    throw new SvdError('E_ARGS', `svd ${command}: ${parseProblem(err as NodeJS.ErrnoException, argv, options)}\n${synopsis(command, usage)}`);
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && v.trim() === '')) throw new SvdError('E_ARGS', `svd ${command}: --${name} needs a value, got an empty one`);
  }
  const sets = (parsed.values as Record<string, unknown>).set;
  for (const set of Array.isArray(sets) ? (sets as string[]) : []) {
    if (set.includes('=')) continue;
    const next = argv[argv.indexOf(set) + 1];
    const fix = next !== undefined && !next.startsWith('-') ? `: write --set ${set}=${next}` : '';
    throw new SvdError('E_ARGS', `svd ${command}: --set takes path=value, got '${set}'${fix}`);
  }
  const empty = parsed.positionals.findIndex((p) => p.trim() === '');
  if (empty >= 0) throw new SvdError('E_ARGS', `svd ${command}: argument ${empty + 1} is empty`);
  const count = parsed.positionals.length;
  if (count < positionals.min || (positionals.max !== undefined && count > positionals.max)) {
    const expected = positionals.max === positionals.min ? `${positionals.min}` : `at least ${positionals.min}`;
    throw new SvdError('E_ARGS', `svd ${command}: expected ${expected} argument(s), got ${count}\n${synopsis(command, usage)}`);
  }
  return parsed;
}

/**
 * The command line as the user typed it, for the records (env.json, sweep.json, locks): `svd`
 * and its arguments, not node's path to the script (under npx a cache path).
 */
export function typedCommand(): string[] {
  return ['svd', ...process.argv.slice(2)];
}

/**
 * What an argument error shows of a command's usage: its synopsis (the lines before the first
 * indented one) and where the rest is, so that the message stays short.
 */
export function synopsis(command: string, usage: string): string {
  const lines = usage.split('\n');
  const end = lines.findIndex((l, i) => i > 0 && /^ {2}\S/.test(l));
  return [...lines.slice(0, end < 0 ? lines.length : end), `(svd help ${command} describes the options)`].join('\n');
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

/** Most values one `a:b:step` range may expand to. */
const MAX_RANGE = 1000;

/**
 * Parses a `--thresholds` style option: a comma-separated list whose entries are decimal
 * numbers or ranges `a:b:step` (a, a+step, ... up to b inclusive, step > 0, rounded to the
 * decimals written); sorted, duplicates dropped. A bad entry is E_ARGS naming it.
 */
export function numberListOption(name: string, value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const bad = (entry: string, why: string) => new SvdError('E_ARGS', `--${name}: '${entry}' ${why}; give numbers and ranges a:b:step separated by commas, e.g. --${name} 2,3:4:0.1`);
  const out: number[] = [];
  for (const entry of value.split(',').map((e) => e.trim())) {
    if (entry === '') throw bad(entry, 'is empty');
    const parts = entry.split(':');
    if (parts.length === 1) {
      const n = parseDecimal(entry);
      if (n === null) throw bad(entry, 'is not a decimal number');
      out.push(n);
      continue;
    }
    if (parts.length !== 3) throw bad(entry, 'is not a range a:b:step');
    const [a, b, step] = parts.map(parseDecimal);
    if (a === null || b === null || step === null) throw bad(entry, 'is not a range of decimal numbers a:b:step');
    if (!(step > 0)) throw bad(entry, 'has a step that is not greater than 0');
    if (b < a) throw bad(entry, `ends (${b}) below where it starts (${a})`);
    const count = Math.floor((b - a) / step + 1e-9) + 1;
    if (count > MAX_RANGE) throw bad(entry, `expands to ${count} values, more than ${MAX_RANGE}`);
    const decimals = Math.max(...parts.map((p) => (/\.(\d+)/.exec(p)?.[1].length ?? 0)));
    for (let i = 0; i < count; i++) out.push(Number((a + i * step).toFixed(Math.min(decimals + 2, 12))));
  }
  return [...new Set(out)].sort((x, y) => x - y);
}

/** What parseArgs objected to, in svd's words. */
function parseProblem(err: NodeJS.ErrnoException, argv: readonly string[], options: Options): string {
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /--([\w-]+)/.exec(err.message)?.[1];
    if (name) return options[name]?.type === 'boolean' ? `--${name} takes no value` : `--${name} needs a value`;
  }
  if (err.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return err.message;
  const given = /'(-[^']*)'/.exec(err.message)?.[1] ?? '';
  const name = given.replace(/^-+/, '').split('=')[0]!;
  const known = Object.keys(options).filter((o) => o !== 'help');
  const option = closest(name, known);
  if (option) return `unknown option ${given}; did you mean --${option}?`;
  const key = 'set' in options ? configKeyNamed(name) : null;
  if (key) {
    const at = argv.findIndex((a) => a === given || a.startsWith(`${given}=`));
    const token = argv[at] ?? given;
    const inline = token.includes('=') ? token.slice(token.indexOf('=') + 1) : undefined;
    const next = at >= 0 ? argv[at + 1] : undefined;
    const value = inline ?? (next !== undefined && !next.startsWith('-') ? next : 'VALUE');
    return `unknown option ${given}; config keys are set with --set: --set ${key}=${value}`;
  }
  return `unknown option ${given}; the options are ${known.map((o) => `--${o}`).join(', ')}`;
}

/** The dotted config path whose last key is `name` (kebab-case read as camelCase), the shortest if several; null when none. */
export function configKeyNamed(name: string): string | null {
  const wanted = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()).toLowerCase();
  const found: string[] = [];
  const walk = (schema: JsonSchema, at: string[]) => {
    const branches = [schema, ...((schema.allOf as JsonSchema[] | undefined) ?? []).map((b) => (b.then as JsonSchema | undefined) ?? {})];
    for (const branch of branches) {
      for (const [key, sub] of Object.entries((branch.properties as Record<string, JsonSchema> | undefined) ?? {})) {
        if (typeof sub !== 'object') continue;
        if (key.toLowerCase() === wanted) found.push([...at, key].join('.'));
        if (at.length < 3) walk(sub, [...at, key]);
      }
    }
  };
  walk(composeSchema(), []);
  return [...new Set(found)].sort((a, b) => a.length - b.length)[0] ?? null;
}
