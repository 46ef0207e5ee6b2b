/**
 * What `svd diff` compares: the run directories named on the command line, with each sweep
 * directory replaced by the runs of its jobs (in job order); a sweep whose records are damaged
 * is set aside with its problem, so the others are still compared. diff.ts labels the runs it
 * compares A, B, C, ...
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SvdError } from '../errors.js';
import { isSweepDir, readJobs, sweepPaths, type JobRecord } from '../store/sweep-dir.js';
import type { Overrides } from '../config/override-sets.js';
import { isRunDir } from '../store/run-info.js';

/** One run to compare. */
export interface RunRef {
  /** A, B, ..., Z, AA, AB, ... */
  label: string;
  dir: string;
  /** Set when the run came from a sweep directory. */
  job?: { sweep: string; index: number; overrides: Overrides };
}

/** The label of the `i`-th run (0-based): A..Z, AA..ZZ, ... */
export function label(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** A run to compare, before it is labelled. */
export type RunArg = Omit<RunRef, 'label'>;

/**
 * The runs named by `args` (run or sweep directories) and the problems of the sweeps that could
 * not be read; E_RUN_DIR for anything that is neither.
 */
export function expandRunArgs(args: readonly string[]): { refs: RunArg[]; damaged: SvdError[] } {
  const refs: RunArg[] = [];
  const damaged: SvdError[] = [];
  for (const arg of args) {
    if (isRunDir(arg)) {
      refs.push({ dir: arg });
    } else if (isSweepDir(arg)) {
      let jobs: JobRecord[];
      try {
        jobs = readJobs(sweepPaths(arg).jobs);
      } catch (err) {
        if (!(err instanceof SvdError)) throw err;
        damaged.push(err);
        continue;
      }
      for (const job of jobs) {
        const dir = job.runDir ? path.join(arg, job.runDir) : null;
        if (dir && isRunDir(dir)) refs.push({ dir, job: { sweep: arg, index: job.index, overrides: job.overrides } });
      }
    } else {
      const why = fs.existsSync(arg) ? 'is neither a run directory (no resolved.json) nor a sweep directory (no jobs.jsonl)' : 'does not exist';
      throw new SvdError('E_RUN_DIR', `${arg} ${why}`, { file: arg });
    }
  }
  return { refs, damaged };
}
