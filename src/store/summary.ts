/**
 * summary.json: the run's status and final figures (a contract: docs/runs.md, "What a run writes"). Rewritten
 * atomically at start (status running), at the end (completed), at a graceful stop (interrupted)
 * and on failure (failed + error).
 */
import { writeJsonAtomic } from './atomic.js';
import { readRecord } from './records.js';
import type { BestPointer } from './checkpoint.js';

/** The summary.json object. */
export interface RunSummary {
  status: 'running' | 'completed' | 'failed' | 'interrupted';
  name: string;
  epochs: number;
  /** The last evaluation's validation figures; absent without a validation split. */
  valError?: number | null;
  valNll?: number | null;
  testError: number | null;
  testAccuracy: number | null;
  sparsity: Record<string, number>;
  compression: number | null;
  /** total: weights as deployed; sparsifiable: of the Sparse VD layers; nonzero: of those, kept. */
  params: { total: number; sparsifiable: number; nonzero: number } | null;
  seconds: number;
  backend: string;
  /** The checkpoint kept by `training.keepBest` (as checkpoints/best.json records it). */
  best?: BestPointer;
  error?: { code: string; message: string };
}

/** Writes `summary` to `file` atomically. */
export function writeSummary(file: string, summary: RunSummary): void {
  writeJsonAtomic(file, summary);
}

/** Reads and checks a summary.json (store/records.ts); null when there is none. */
export function readSummary(file: string): RunSummary | null {
  return readRecord<RunSummary>('summary', file);
}
