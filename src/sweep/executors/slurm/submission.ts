/**
 * The files a Slurm sweep keeps, shared by the submitting side (slurm.ts) and the task inside a
 * job (task.ts): `slurm/array-K.json` lists the jobs of array K by task id (and, once submitted,
 * the array's Slurm job id), `slurm/array-K.sbatch` is the script submitted for it, and each
 * job's `slurm-result.json` (in its job directory) is how its task ended, written by the task
 * itself, so a sweep knows the outcome without Slurm accounting. Both are records of the run
 * store, checked when read (src/store/records.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../../../store/atomic.js';
import { readRecord, readRequiredRecord } from '../../../store/records.js';
import type { ExecutorJob, JobOutcome } from '../executor.js';

/** One submitted array: its jobs in task-id order. */
export interface ArraySubmission {
  /** The array's Slurm job id, once sbatch gave it. */
  jobId: string | null;
  /** Task id -> job. */
  tasks: ExecutorJob[];
  /** Requeues a task may take (preemption, time limit) before it gives up. */
  maxRequeues: number;
  /** Cores each task uses (its SVD_WASM_THREADS). */
  cpusPerTask: number;
}

/** How a task ended, written by the task into its job directory. */
export interface TaskResult extends Omit<JobOutcome, 'stopped'> {
  stopped: boolean;
  /** `ARRAYID_TASK` of the task that wrote it. */
  slurmId: string;
  /** SLURM_RESTART_COUNT: how often it had been requeued. */
  restarts: number;
}

/** The folder of a sweep's Slurm files. */
export function slurmDir(sweepDir: string): string {
  return path.join(sweepDir, 'slurm');
}

/** The spec file of array `k`. */
export function arrayFile(sweepDir: string, k: number): string {
  return path.join(slurmDir(sweepDir), `array-${k}.json`);
}

/** The result file of a job directory. */
export function resultFile(jobDir: string): string {
  return path.join(jobDir, 'slurm-result.json');
}

/** Writes array `k`'s spec. */
export function writeArray(sweepDir: string, k: number, submission: ArraySubmission): void {
  writeJsonAtomic(arrayFile(sweepDir, k), submission);
}

/** Every array of the sweep, in submission order (the newest submission of a resumed sweep last). */
export function readArrays(sweepDir: string): ArraySubmission[] {
  const dir = slurmDir(sweepDir);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .map((name) => /^array-(\d+)\.json$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => readRequiredRecord<ArraySubmission>('slurm-array', path.join(dir, m[0])));
}

/** The next free array number of the sweep. */
export function nextArrayNumber(sweepDir: string): number {
  return readArrays(sweepDir).length;
}

/** The task result in `jobDir`, or null when the task has not written one (a damaged one counts as none: the task is then reported lost, with its output). */
export function readResult(jobDir: string): TaskResult | null {
  try {
    return readRecord<TaskResult>('slurm-result', resultFile(jobDir));
  } catch {
    return null;
  }
}

/** The array record `file` (read by the task inside its job). */
export function readArray(file: string): ArraySubmission {
  return readRequiredRecord<ArraySubmission>('slurm-array', file);
}
