/**
 * Test helpers: running the real `svd` binary and reading run directories.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/...). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SVD_BIN = path.join(ROOT, 'bin', 'svd.js');

/** Result of one CLI invocation. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `svd ...args` to completion from the repository root, with `env` added to this process's environment. */
export function svd(args: string[], timeoutMs = 300_000, env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [SVD_BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `svd ...args` in the background. */
export function svdAsync(args: string[]): ChildProcess {
  return spawn(process.execPath, [SVD_BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The last non-empty line of `text`. */
export function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

const createdDirs: string[] = [];
process.once('exit', () => {
  for (const dir of createdDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // A folder a test left unremovable (e.g. a still-mounted tmpfs) stays; the rest go.
    }
  }
});

/** A fresh temporary directory, removed with everything in it when the test process exits. */
export function tempDir(prefix = 'svd-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  createdDirs.push(dir);
  return dir;
}

/** Parses a JSON-lines file. */
export function readJsonl<T = Record<string, unknown>>(file: string): T[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
}

/** Parses a JSON file. */
export function readJsonFile<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Polls `probe` every 50 ms until it returns something truthy; fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | null, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
