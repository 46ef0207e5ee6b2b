/**
 * Runs one sweep job as its own `svd` process: `node bin/svd.js run BASE --set ... --runs-dir
 * JOB_DIR` (or `svd resume RUN_DIR`), with the environment that pins it (its device, its CPU
 * share), which the job's log shows on its first line. Its
 * stdout and stderr go to the job's log file; the last stdout line is the run directory (the
 * `svd run` contract) and the end of stderr is kept for the summary. When the sweep stops, the
 * process gets SIGTERM, then SIGKILL after a grace period.
 *
 * Tests replace the binary with a fake through the environment variable SVD_SWEEP_JOB_BIN (a
 * node script taking the same arguments); nothing else reads it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JobOutcome } from './executor.js';

/** bin/svd.js of this package (this module runs from dist/src/sweep/executors/). */
export const SVD_BIN = fileURLToPath(new URL('../../../../bin/svd.js', import.meta.url));
/** Environment variable naming a script to run instead of bin/svd.js (tests only). */
export const JOB_BIN_ENV = 'SVD_SWEEP_JOB_BIN';
/** Characters of stderr kept for the summary. */
export const STDERR_TAIL_CHARS = 2000;
/** Milliseconds between SIGTERM and SIGKILL when a job is stopped. */
export const KILL_GRACE_MS = 5000;

/** How to run one job process. */
export interface JobProcessOptions {
  /** Arguments after the binary (`run ...` or `resume ...`). */
  args: string[];
  /** Environment variables that pin the job (CUDA_VISIBLE_DEVICES, SVD_WASM_THREADS), on top of this process's. */
  env: Record<string, string>;
  /** Where stdout and stderr go (appended). */
  logFile: string;
  /** Aborting stops the process: SIGTERM (the run stops at a checkpoint), SIGKILL after `killGraceMs`. */
  signal: AbortSignal;
  /** Milliseconds between SIGTERM and SIGKILL; default KILL_GRACE_MS. */
  killGraceMs?: number;
}


/** Keeps the last `max` characters of a stream of text. */
class Tail {
  text = '';
  constructor(private readonly max: number) {}
  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.max);
  }
}

/** Runs one job process to its end. */
export function runJobProcess(options: JobProcessOptions): Promise<JobOutcome> {
  const bin = process.env[JOB_BIN_ENV] || SVD_BIN;
  const env = { ...process.env, ...options.env };
  const started = performance.now();
  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  const pinned = Object.entries(options.env).map(([k, v]) => `${k}=${v}`).join(' ');
  log.write(`$ svd ${options.args.join(' ')}${pinned ? `  (${pinned})` : ''}\n`);
  const stdout = new Tail(STDERR_TAIL_CHARS);
  const stderr = new Tail(STDERR_TAIL_CHARS);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...options.args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stopped = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      stopped = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? KILL_GRACE_MS);
      killTimer.unref();
    };
    if (options.signal.aborted) stop();
    else options.signal.addEventListener('abort', stop, { once: true });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout.push(chunk); log.write(chunk); });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr.push(chunk); log.write(chunk); });
    let finished = false;
    const finish = (exitCode: number | null, signal: string | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(killTimer);
      options.signal.removeEventListener('abort', stop);
      const seconds = (performance.now() - started) / 1000;
      const lastLine = stdout.text.trim().split('\n').pop()?.trim() ?? '';
      log.end(() => resolve({ exitCode, signal, lastLine, stderrTail: stderr.text, seconds, stopped }));
    };
    child.once('error', (err) => {
      stderr.push(`cannot start ${bin}: ${err.message}\n`);
      finish(null, null);
    });
    child.once('close', (code, signal) => finish(code, signal));
  });
}
