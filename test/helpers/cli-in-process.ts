/**
 * Test helper: `svd ...args` run in this process through the CLI's own `main` (no process start
 * per call), with its console output captured, for tests that make many calls.
 */
import { main } from '../../src/cli/main.js';
import type { CliResult } from './cli.js';

/** `svd ...args` in this process: its exit code and what it printed. */
export async function svdHere(args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const status = await main(args);
    return { status, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    Object.assign(console, { log, error });
  }
}
