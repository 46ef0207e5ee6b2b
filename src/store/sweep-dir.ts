/**
 * Sweep directories `runs/<name>/<timestamp>/` (as `svd run` places runs; `--runs-dir X`: `X/<name>/...`): the sweep file as given (`sweep.yaml`),
 * what is needed to resume it (`sweep.json`), one line per job (`jobs.jsonl`, rewritten
 * atomically on every change, so it always holds exactly one line per job), one folder per job
 * (`jobs/NNN/`: `job.json`, `stderr.log` and the job's run directory), and at the end
 * `summary.md` and `summary.json`. A lock file keeps two sweeps from running in one directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SvdError } from '../errors.js';
import { makeDirs } from './make-dirs.js';
import { writeFileAtomic, writeJsonAtomic } from './atomic.js';
import { readRecord, readRecordLines, readRequiredRecord } from './records.js';
import { timestamp } from './run-dir.js';
import { acquireLock } from './dir-lock.js';
import type { Overrides } from '../config/override-sets.js';

/** An executor and its keys, as a sweep file's `executor:` section gives them. */
export interface ExecutorOptions {
  type: string;
  [key: string]: unknown;
}

/** Where a job stands. */
export type JobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'interrupted';

/** One line of jobs.jsonl. */
export interface JobRecord {
  index: number;
  overrides: Overrides;
  /** The device the job held (CUDA_VISIBLE_DEVICES), null without devices. */
  device: string | null;
  /** The job's run directory, once known. */
  runDir: string | null;
  status: JobStatus;
  exitCode: number | null;
  /** The signal that ended the job, if one did. */
  signal?: string | null;
  /** Wall-clock seconds of the job's process. */
  seconds: number | null;
  started?: string;
  ended?: string;
  /** The scheduler's id of the job's latest start, where it has one (Slurm: `ARRAYID_TASK`). */
  executorId?: string;
  /** How many times the job was started (resumes count). */
  attempts: number;
  /** The end of the job's stderr, when it did not complete. */
  stderrTail?: string;
}

/** sweep.json: what a resume needs besides the jobs. */
export interface SweepMeta {
  name: string;
  /** The sweep file as named when the sweep started. */
  file: string;
  /** The base config, absolute. */
  base: string;
  /** `--set` arguments given to `svd sweep`, applied to every job. */
  cliSets: string[];
  /** `--jobs`, `--devices` and `--executor` as given (a resume uses them unless given others). */
  jobs?: number;
  devices?: string[];
  executor?: ExecutorOptions;
  created: string;
  command: string[];
}

/** The files of one sweep directory. */
export interface SweepPaths {
  dir: string;
  sweepFile: string;
  meta: string;
  jobs: string;
  summaryMd: string;
  summaryJson: string;
  lock: string;
}

/** The paths inside sweep directory `dir`. */
export function sweepPaths(dir: string): SweepPaths {
  const at = (name: string) => path.join(dir, name);
  return { dir, sweepFile: at('sweep.yaml'), meta: at('sweep.json'), jobs: at('jobs.jsonl'), summaryMd: at('summary.md'), summaryJson: at('summary.json'), lock: at('sweep.lock') };
}

/** `jobs/003`: the folder of job `index` inside a sweep directory (its `--runs-dir`). */
export function jobDir(sweepDir: string, index: number): string {
  return path.join(sweepDir, 'jobs', String(index).padStart(3, '0'));
}

/** Creates `<runsDir>/<name>/<timestamp>/` (with a suffix if that exists), where `svd run` puts a run of that name. */
export function createSweepDir(runsDir: string, name: string): SweepPaths {
  const parent = path.join(runsDir, name);
  try {
    makeDirs(parent);
  } catch (err) {
    throw new SvdError('E_SWEEP_DIR', `cannot create ${parent}: ${(err as Error).message}`, {}, 1);
  }
  const stamp = timestamp();
  for (let attempt = 0; attempt < 20; attempt++) {
    const dir = path.join(parent, attempt === 0 ? stamp : `${stamp}-${randomBytes(3).toString('hex')}`);
    try {
      fs.mkdirSync(dir);
      return sweepPaths(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new SvdError('E_SWEEP_DIR', `cannot create ${dir}: ${(err as Error).message}`, {}, 1);
    }
  }
  throw new SvdError('E_SWEEP_DIR', `could not find a free sweep directory name under ${parent}`, {}, 1);
}

/** Opens an existing sweep directory for `--resume`; E_SWEEP_DIR when it is not one or its records are damaged. */
export function openSweepDir(dir: string): { paths: SweepPaths; meta: SweepMeta; records: JobRecord[] } {
  const paths = sweepPaths(dir);
  for (const file of [paths.meta, paths.jobs, paths.sweepFile]) {
    if (!fs.existsSync(file)) throw new SvdError('E_SWEEP_DIR', `${dir} is not a sweep directory (no ${path.basename(file)} in it)`, { file: dir });
  }
  return { paths, meta: readRequiredRecord<SweepMeta>('sweep', paths.meta), records: readJobs(paths.jobs) };
}

/** True when `dir` holds a sweep (sweep.json and jobs.jsonl). */
export function isSweepDir(dir: string): boolean {
  const paths = sweepPaths(dir);
  return fs.existsSync(paths.meta) && fs.existsSync(paths.jobs);
}

/** Reads and checks jobs.jsonl (store/records.ts); E_SWEEP_DIR naming a damaged line. */
export function readJobs(file: string): JobRecord[] {
  return readRecordLines<JobRecord>('job', file);
}

/** Reads and checks sweep.json; null when there is none, E_SWEEP_DIR when it is damaged. */
export function readMeta(paths: SweepPaths): SweepMeta | null {
  return readRecord<SweepMeta>('sweep', paths.meta);
}

/** Rewrites jobs.jsonl atomically: one line per job, in job order. */
export function writeJobs(file: string, records: readonly JobRecord[]): void {
  writeFileAtomic(file, [...records].sort((a, b) => a.index - b.index).map((r) => JSON.stringify(r) + '\n').join(''));
}

/** Writes sweep.json. */
export function writeMeta(paths: SweepPaths, meta: SweepMeta): void {
  writeJsonAtomic(paths.meta, meta);
}

/**
 * Takes the sweep directory's lock for this process (dir-lock.ts); E_SWEEP_DIR when a live
 * process holds it. Returns the function that releases it.
 */
export function lockSweepDir(paths: SweepPaths, argv: string[]): () => void {
  return acquireLock(paths.lock, { what: `sweep ${paths.dir}`, code: 'E_SWEEP_DIR', argv });
}

/**
 * The overrides of the sweep job whose run is `runDir` (a run inside `jobs/NNN/` of a sweep
 * directory, as its job.json records them); null for a run that is not a sweep job's, or whose
 * job.json cannot be read.
 */
export function jobOverridesOf(runDir: string): Record<string, unknown> | null {
  const job = path.dirname(path.dirname(runDir));
  if (path.basename(path.dirname(job)) !== 'jobs') return null;
  try {
    return readRecord<{ overrides: Record<string, unknown> }>('job-file', path.join(job, 'job.json'))?.overrides ?? null;
  } catch {
    return null;
  }
}
