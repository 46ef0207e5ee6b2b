/**
 * metrics.jsonl: one JSON line per evaluated epoch (the keys are a contract: scripts and
 * `svd diff` read them). Appended as epochs end; a resumed run first drops the lines past its
 * checkpoint and a line torn by a kill.
 */
import * as fs from 'node:fs';
import { writeFileAtomic } from './atomic.js';

/** One line of metrics.jsonl. */
export interface EpochMetrics {
  epoch: number;
  lr: number;
  klWeight: number;
  trainLoss: number;
  trainNll: number;
  trainKl: number;
  trainAccuracy: number;
  /** Error and NLL on the validation split (`data.validation`); absent without one. */
  valError?: number;
  valNll?: number;
  testError: number;
  testNll: number;
  sparsity: Record<string, number>;
  compression: number;
  seconds: number;
}

/** Appends one line to `file`. */
export function appendMetrics(file: string, metrics: EpochMetrics): void {
  fs.appendFileSync(file, JSON.stringify(metrics) + '\n');
}

/**
 * Drops metric lines past `epoch` (written after the checkpoint a resumed run starts from) and a
 * line torn by a kill in the middle of appending it; returns the last line kept, or null.
 */
export function truncateMetrics(file: string, epoch: number): EpochMetrics | null {
  if (!fs.existsSync(file)) return null;
  const epochOf = (line: string): number => {
    try {
      const e = (JSON.parse(line) as { epoch?: unknown }).epoch;
      return typeof e === 'number' ? e : Infinity;
    } catch {
      return Infinity;
    }
  };
  const kept = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() && epochOf(line) <= epoch);
  writeFileAtomic(file, kept.map((l) => l + '\n').join(''));
  return kept.length ? (JSON.parse(kept[kept.length - 1]) as EpochMetrics) : null;
}
