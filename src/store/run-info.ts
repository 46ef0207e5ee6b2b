/**
 * Reading run directories for comparison and listing: resolved.json, summary.json, env.json and
 * metrics.jsonl, each optional (a run that died early lacks some), and finding the run
 * directories under a folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runPaths } from './run-dir.js';
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
}

/** True when `dir` is a run directory (it has resolved.json). */
export function isRunDir(dir: string): boolean {
  return fs.existsSync(runPaths(dir).resolved);
}

/** Reads what there is of the run in `dir` (missing or broken files read as null / empty). */
export function readRunInfo(dir: string, withMetrics = true): RunInfo {
  const paths = runPaths(dir);
  return {
    dir,
    resolved: readJsonOrNull(paths.resolved),
    summary: readJsonOrNull(paths.summary),
    env: readJsonOrNull(paths.env),
    metrics: withMetrics ? readMetrics(paths.metrics) : [],
  };
}

/** The lines of a metrics.jsonl (a torn last line is skipped). */
export function readMetrics(file: string): MetricsLine[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const lines: MetricsLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as MetricsLine;
      if (typeof value.epoch === 'number') lines.push(value);
    } catch {
      // a line cut short by a crash
    }
  }
  return lines;
}

/** Parses a JSON file, or null when it is missing or not JSON. */
export function readJsonOrNull<T = Record<string, unknown>>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
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
