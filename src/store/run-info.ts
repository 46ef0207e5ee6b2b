/**
 * Reading run directories for comparison and listing: resolved.json, summary.json, env.json and
 * metrics.jsonl, each checked against its schema (store/records.ts). A missing file reads as
 * null / empty (a run that died early lacks some); a damaged one too, with its problem listed in
 * `problems`, so one damaged run shows as damaged instead of breaking a listing of the others.
 * Also finding the run directories under a folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SvdError } from '../errors.js';
import { runPaths } from './run-dir.js';
import { readRecord, readRecordLines } from './records.js';
import type { RunSummary } from './summary.js';

/** One line of metrics.jsonl (the keys of store/metrics.ts's EpochMetrics; all but epoch optional here). */
export interface MetricsLine {
  epoch: number;
  [key: string]: unknown;
}

/** What a run directory holds. */
export interface RunInfo {
  dir: string;
  resolved: Record<string, unknown> | null;
  summary: Partial<RunSummary> | null;
  env: Record<string, unknown> | null;
  metrics: MetricsLine[];
  /** What is damaged in the run directory (each names its file): empty for a sound run. */
  problems: SvdError[];
}

/** True when `dir` is a run directory (it has resolved.json). */
export function isRunDir(dir: string): boolean {
  return fs.existsSync(runPaths(dir).resolved);
}

/** Reads what there is of the run in `dir` (missing or damaged files read as null / empty; see `problems`). */
export function readRunInfo(dir: string, withMetrics = true): RunInfo {
  const paths = runPaths(dir);
  const problems: SvdError[] = [];
  const attempt = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof SvdError)) throw err;
      problems.push(err);
      return fallback;
    }
  };
  return {
    dir,
    resolved: attempt(() => readRecord<Record<string, unknown>>('resolved', paths.resolved), null),
    summary: attempt(() => readRecord<Partial<RunSummary>>('summary', paths.summary), null),
    env: attempt(() => readRecord<Record<string, unknown>>('env', paths.env), null),
    metrics: withMetrics ? attempt(() => readMetrics(paths.metrics), []) : [],
    problems,
  };
}

/** The lines of a metrics.jsonl, checked (a line torn by a kill at the end is skipped); E_RUN_DIR naming a damaged line. */
export function readMetrics(file: string): MetricsLine[] {
  return readRecordLines<MetricsLine>('metrics', file, true);
}

/** Folders never searched for runs: checkpoints and hidden folders. */
const SKIP = new Set(['checkpoints', 'node_modules']);

/** Every run directory under `root` (or `root` itself), sorted by path; run directories are not searched further. */
export function findRunDirs(root: string, maxDepth = 8): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (isRunDir(dir)) {
      found.push(dir);
      return;
    }
    if (depth >= maxDepth) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.') && !SKIP.has(entry.name)) walk(path.join(dir, entry.name), depth + 1);
    }
  };
  walk(root, 0);
  return found.sort();
}
