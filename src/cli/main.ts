/**
 * The `svd` command line: dispatches to one command per file and is the single place that turns
 * errors into messages and exit codes (2: bad config or arguments, 1: failure during a run).
 */
import { SvdError } from '../errors.js';
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

const COMMANDS: Command[] = [runCommand, validateCommand, resumeCommand, evalCommand, exportCommand, sweepCommand, diffCommand, lsCommand, reportCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return ['usage: svd <command> [options]', '', 'commands:', ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), '', 'svd <command> --help shows its options.'].join('\n');
}

/** Runs `svd` with `argv` (without the node and script paths); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`svd: unknown command '${name}'\n\n${help()}`);
    return 2;
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
