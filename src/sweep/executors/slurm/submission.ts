/**
 * The files a Slurm sweep keeps, shared by the submitting side (slurm.ts) and the task inside a
 * job (task.ts): `slurm/array-K.json` lists the jobs of array K by task id (and, once submitted,
 * the array's Slurm job id), `slurm/array-K.sbatch` is the script submitted for it, and each
 * job's `slurm-result.json` (in its job directory) is how its task ended, written by the task
 * itself, so a sweep knows the outcome without Slurm accounting.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJson, writeJsonAtomic } from '../../../store/atomic.js';
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
    .map((m) => readJson<ArraySubmission>(path.join(dir, m[0])));
}

/** The next free array number of the sweep. */
export function nextArrayNumber(sweepDir: string): number {
  return readArrays(sweepDir).length;
}

/** The task result in `jobDir`, or null when the task has not written one (or it is unreadable). */
export function readResult(jobDir: string): TaskResult | null {
  try {
    return readJson<TaskResult>(resultFile(jobDir));
  } catch {
    return null;
  }
}
