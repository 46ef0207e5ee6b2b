/**
 * The cache of threshold evaluations of a run, `RUN_DIR/threshold-evals.json`: what evaluating
 * the latest checkpoint pruned at a threshold gave (every figure the evaluation returns, kept
 * whole), keyed by the checkpoint's identity (a digest of its files and of what the evaluation
 * depends on) and the threshold, so a second `svd report` of the same run evaluates nothing
 * again. Only the current checkpoint's points are kept. A damaged or foreign file is set aside
 * with a reason (the points are computed again and the file rewritten); it is written atomically.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { SvdError } from '../errors.js';
import { MAX_READ_BYTES, readJsonFile, readRegularFile } from '../files/read.js';
import { writeJsonAtomic } from './atomic.js';

const FORMAT = 'svd-threshold-evals';
const VERSION = 1;

/**
 * What the evaluation computes, in a word: a change to the figures a point holds (a new split, a
 * new metric) changes this, so points cached before are evaluated again.
 */
export const EVALUATION_KIND = 'test-val-2';

/** The model's figures when pruned at one threshold. */
export interface ThresholdPoint {
  threshold: number;
  testError: number;
  testNll: number;
  compression: number;
  sparsity: Record<string, number>;
  /** Figures on a validation split, when the run has one. */
  valError?: number;
  valNll?: number;
  /** Any further figure the evaluation returns. */
  [figure: string]: number | Record<string, number> | undefined;
}

/** `threshold-evals.json` of a run directory. */
export function thresholdEvalsFile(runDir: string): string {
  return path.join(runDir, 'threshold-evals.json');
}

/**
 * The identity of a checkpoint for the cache: a digest of its directory name, its files' bytes
 * and `depends` (what else the figures depend on: the data settings, EVALUATION_KIND).
 */
export function checkpointIdentity(checkpointDir: string, depends: unknown): string {
  const hash = createHash('sha256');
  hash.update(path.basename(checkpointDir));
  for (const name of ['state.json', 'tensors.bin']) {
    const file = path.join(checkpointDir, name);
    hash.update(`\0${name}\0`);
    hash.update(readRegularFile(file, (why) => new SvdError('E_CHECKPOINT', `checkpoint ${checkpointDir} is unusable: ${name}: ${why}`, { file }), MAX_READ_BYTES));
  }
  hash.update(`\0${JSON.stringify(depends)}`);
  return hash.digest('hex');
}

/** The cached points of one checkpoint, and what to say about a file that could not be used. */
export class ThresholdEvals {
  private readonly points = new Map<number, ThresholdPoint>();
  private changed = false;
  /** Why the file on disk was not used (damaged, another format); null when it was, or there was none. */
  readonly problem: string | null;

  private constructor(readonly file: string, readonly identity: string, problem: string | null) {
    this.problem = problem;
    if (problem) this.changed = true;
  }

  /** The cache of the run in `runDir` for the checkpoint `identity`; points of other checkpoints are dropped. */
  static open(runDir: string, identity: string): ThresholdEvals {
    const file = thresholdEvalsFile(runDir);
    if (!fs.existsSync(file)) return new ThresholdEvals(file, identity, null);
    let raw: unknown;
    try {
      raw = readJsonFile(file, (why) => new SvdError('E_RUN_DIR', why, { file }));
    } catch (err) {
      if (!(err instanceof SvdError)) throw err;
      return new ThresholdEvals(file, identity, `${file}: ${err.message}`);
    }
    const why = shapeProblem(raw);
    if (why) return new ThresholdEvals(file, identity, `${file}: ${why}`);
    const record = raw as { checkpoint: string; points: Array<Record<string, unknown>> };
    const cache = new ThresholdEvals(file, identity, null);
    if (record.checkpoint !== identity) {
      cache.changed = record.points.length > 0;
      return cache;
    }
    for (const p of record.points) cache.points.set(p.threshold as number, restore(p));
    return cache;
  }

  /** The cached point at `threshold`, if any. */
  get(threshold: number): ThresholdPoint | undefined {
    return this.points.get(threshold);
  }

  /** Adds (or replaces) the point at its threshold. */
  put(point: ThresholdPoint): void {
    this.points.set(point.threshold, point);
    this.changed = true;
  }

  /** Writes the file atomically when something changed; returns whether it wrote. */
  save(): boolean {
    if (!this.changed) return false;
    const points = [...this.points.values()].sort((a, b) => a.threshold - b.threshold);
    writeJsonAtomic(this.file, { format: FORMAT, version: VERSION, checkpoint: this.identity, points });
    this.changed = false;
    return true;
  }
}

/** What is wrong with a parsed cache file; null when nothing is. */
function shapeProblem(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not a JSON object';
  const r = raw as Record<string, unknown>;
  if (r.format !== FORMAT || r.version !== VERSION) return `not an ${FORMAT} file of version ${VERSION}`;
  if (typeof r.checkpoint !== 'string') return 'checkpoint is not a string';
  if (!Array.isArray(r.points)) return 'points is not a list';
  for (const [i, p] of (r.points as unknown[]).entries()) {
    const why = pointProblem(p);
    if (why) return `points.${i}: ${why}`;
  }
  return null;
}

const REQUIRED = ['threshold', 'testError', 'testNll', 'compression'];

function pointProblem(p: unknown): string | null {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return 'not an object';
  const point = p as Record<string, unknown>;
  for (const key of REQUIRED) if (!(key in point)) return `no ${key}`;
  if (typeof point.threshold !== 'number' || !Number.isFinite(point.threshold)) return 'threshold is not a number';
  for (const [key, v] of Object.entries(point)) {
    if (key === 'threshold') continue;
    if (key === 'sparsity') {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((f) => typeof f !== 'number' || f < 0 || f > 1)) return 'sparsity is not a map of fractions';
    } else if (v !== null && (typeof v !== 'number' || v < 0)) {
      return `${key} is not a number >= 0`;
    }
  }
  return 'sparsity' in point ? null : 'no sparsity';
}

/** A point read back: JSON writes Infinity (compression with nothing kept) as null. */
function restore(p: Record<string, unknown>): ThresholdPoint {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v === null ? Infinity : v])) as ThresholdPoint;
}
