/**
 * The `svd` command line: dispatches to one command per file and is the single place that turns
 * errors into messages and exit codes (2: bad config or arguments, 1: failure during a run).
 * `svd help [COMMAND]`, `svd --version`, and "did you mean" for a mistyped command.
 */
import * as fs from 'node:fs';
import { SvdError } from '../errors.js';
import { closest } from '../text/closest.js';
import type { Command } from './command.js';
import runCommand from './run.js';
import validateCommand from './validate.js';
import resumeCommand from './resume.js';
import evalCommand from './eval.js';
import exportCommand from './export.js';
import sweepCommand from './sweep.js';
import diffCommand from './diff.js';
import lsCommand from './ls.js';
import reportCommand from './report.js';
import initCommand from './init.js';

const COMMANDS: Command[] = [runCommand, validateCommand, resumeCommand, evalCommand, exportCommand, sweepCommand, diffCommand, lsCommand, reportCommand, initCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return ['usage: svd <command> [options]', '', 'commands:', ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), '', 'svd help <command> (or svd <command> --help) shows its options; svd --version its version.'].join('\n');
}

/** This package's version (package.json beside dist/). */
export function version(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The command `name`, or an E_ARGS error that says what was perhaps meant. */
function commandNamed(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command) return command;
  const guess = closest(name, COMMANDS.map((c) => c.name));
  const hint = guess ? `did you mean 'svd ${guess}'?` : `the commands are ${COMMANDS.map((c) => c.name).join(', ')} (svd help describes them)`;
  throw new SvdError('E_ARGS', `svd: unknown command '${name}'; ${hint}`);
}

/** Runs `svd` with `argv` (without the node and script paths); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    console.log(help());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(`svd ${version()}`);
    return 0;
  }
  let command: Command;
  try {
    command = commandNamed(name === 'help' ? rest[0]! : name);
  } catch (err) {
    console.error((err as SvdError).format());
    return 2;
  }
  if (name === 'help') {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof SvdError) {
      console.error(err.format());
      return err.exitCode;
    }
    console.error(`svd ${name}: unexpected error: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}
