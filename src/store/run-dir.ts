/**
 * Run directories `runs/<name>/<timestamp>-<suffix>/` and the names of the files in them
 * (the contract in docs/runs.md, "What a run writes"). Creating one never reuses an existing directory, so many runs of
 * one config started at once each get their own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SvdError } from '../errors.js';
import { makeDirs, whyNoDirs } from './make-dirs.js';

/** Paths of the contract files of one run. */
export interface RunPaths {
  dir: string;
  config: string;
  resolved: string;
  env: string;
  log: string;
  metrics: string;
  summary: string;
  checkpoints: string;
  /** Which training examples `data.validation` held out (written when it holds any out). */
  validation: string;
  /** Held by the process working on the run (dir-lock.ts). */
  lock: string;
}

/** The contract paths inside `dir`. */
export function runPaths(dir: string): RunPaths {
  return {
    dir,
    config: path.join(dir, 'config.yaml'),
    resolved: path.join(dir, 'resolved.json'),
    env: path.join(dir, 'env.json'),
    log: path.join(dir, 'log.jsonl'),
    metrics: path.join(dir, 'metrics.jsonl'),
    summary: path.join(dir, 'summary.json'),
    checkpoints: path.join(dir, 'checkpoints'),
    validation: path.join(dir, 'validation.json'),
    lock: path.join(dir, 'run.lock'),
  };
}

/** `2026-11-24T19-55-12` in UTC: sortable and safe in file names. */
export function timestamp(date = new Date()): string {
  return date.toISOString().slice(0, 19).replace(/:/g, '-');
}

/** Creates a new, empty run directory for `name` under `runsDir`. */
export function createRunDir(runsDir: string, name: string): RunPaths {
  const parent = path.join(runsDir, name);
  try {
    makeDirs(parent);
  } catch (err) {
    throw new SvdError('E_RUN_DIR', `cannot create the runs directory ${parent}: ${(err as Error).message}`, {}, 1);
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const dir = path.join(parent, `${timestamp()}-${randomBytes(3).toString('hex')}`);
    try {
      fs.mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new SvdError('E_RUN_DIR', `cannot create run directory ${dir}: ${(err as Error).message}`, {}, 1);
    }
    fs.mkdirSync(path.join(dir, 'checkpoints'));
    return runPaths(dir);
  }
  throw new SvdError('E_RUN_DIR', `could not find a free run directory name under ${parent}`, {}, 1);
}

/** Checks that `dir` looks like a run directory (has resolved.json); returns its paths. */
export function openRunDir(dir: string): RunPaths {
  const paths = runPaths(dir);
  if (!fs.existsSync(paths.resolved)) {
    throw new SvdError('E_RUN_DIR', `${dir} is not a run directory (no resolved.json in it)`, { file: dir }, 2);
  }
  return paths;
}

/**
 * Fails early (E_RUN_DIR, exit 2, nothing written) when `runsDir` cannot hold run directories
 * (make-dirs.ts `whyNoDirs`: the nearest part of its path that exists is a file, a dangling link
 * or a link loop, or no directory can be made in it).
 */
export function checkRunsDirWritable(runsDir: string): void {
  const why = whyNoDirs(runsDir);
  if (why !== null) throw new SvdError('E_RUN_DIR', `cannot create runs under ${runsDir}: ${why}`, { file: runsDir }, 2);
}

/** Removes a run directory that never got going (its contract files could not be written). */
export function removeRunDir(paths: RunPaths): void {
  fs.rmSync(paths.dir, { recursive: true, force: true });
}
