/**
 * summary.json: the run's status and final figures (the contract in DESIGN.md). Rewritten
 * atomically at start (status running), at the end (completed) and on failure (failed + error).
 */
import { writeJsonAtomic, readJson } from './atomic.js';
import type { SparsityStats } from '../layers/sparsity.js';

/** The summary.json object. */
export interface RunSummary {
  status: 'running' | 'completed' | 'failed' | 'interrupted';
  name: string;
  epochs: number;
  testError: number | null;
  testAccuracy: number | null;
  sparsity: Record<string, number>;
  compression: number | null;
  params: SparsityStats['params'] | null;
  seconds: number;
  backend: string;
  error?: { code: string; message: string };
}

/** Writes `summary` to `file` atomically. */
export function writeSummary(file: string, summary: RunSummary): void {
  writeJsonAtomic(file, summary);
}

/** Reads a summary.json. */
export function readSummary(file: string): RunSummary {
  return readJson<RunSummary>(file);
}
