/**
 * Test helper: `svd ...args` run in this process through the CLI's own `main` (no process start
 * per call), with its console output captured, for tests that make many calls; and the capture
 * itself, for tests that run one command's `run` directly.
 */
import { main } from '../../src/cli/main.js';
import type { CliResult } from './cli.js';

/** What `run` returned and the console lines it printed (console.log and console.error captured, restored after). */
export async function withConsoleCaptured<T>(run: () => Promise<T>): Promise<{ value: T; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    return { value: await run(), out, err };
  } finally {
    Object.assign(console, { log, error });
  }
}

/** `svd ...args` in this process: its exit code and what it printed. */
export async function svdHere(args: string[]): Promise<CliResult> {
  const { value: status, out, err } = await withConsoleCaptured(() => main(args));
  return { status, stdout: out.join('\n'), stderr: err.join('\n') };
}
