/**
 * The charts of a run's report drawn from metrics.jsonl (over epochs) and from the threshold
 * curve: the headline ones for the first screen (test error with train error, and validation
 * error where the metrics have it; compression), the others (loss and its KL part, KL weight,
 * learning rate, sparsity per layer), and test error and compression against the threshold.
 */
import type { MetricsLine } from '../store/run-info.js';
import type { CheckpointAnalysis } from './analysis.js';
import { lineChart, type Series } from './svg.js';

function num(m: MetricsLine, key: string): number {
  const v = m[key];
  return typeof v === 'number' ? v : NaN;
}

function over(metrics: MetricsLine[], key: string, f: (m: MetricsLine) => number = (m) => num(m, key)): Array<[number, number]> {
  return metrics.map((m) => [m.epoch, f(m)]);
}

/** Whether any metrics line has a finite `key`. */
export function hasMetric(metrics: MetricsLine[], key: string): boolean {
  return metrics.some((m) => Number.isFinite(num(m, key)));
}

/** Test error (with train error, and validation error where recorded) and compression over epochs. */
export function headlineCurves(metrics: MetricsLine[]): string[] {
  const errors: Series[] = [{ name: 'test error', points: over(metrics, 'testError') }, { name: 'train error', points: over(metrics, 'trainAccuracy', (m) => 1 - num(m, 'trainAccuracy')) }];
  if (hasMetric(metrics, 'valError')) errors.push({ name: 'validation error', points: over(metrics, 'valError') });
  return [
    lineChart({ title: 'Test error', xLabel: 'epoch', xInteger: true, yFormat: 'percent', yZero: true, series: errors, width: 380, height: 240 }),
    lineChart({ title: 'Compression (log scale)', xLabel: 'epoch', xInteger: true, yFormat: 'times', logY: true, series: [{ name: 'compression', points: over(metrics, 'compression') }], width: 380, height: 240 }),
  ];
}

/** The other curves over epochs. */
export function moreCurves(metrics: MetricsLine[]): string[] {
  const layers = [...new Set(metrics.flatMap((m) => Object.keys((m.sparsity as Record<string, number> | undefined) ?? {})))];
  return [
    lineChart({ title: 'Sparsity per layer', xLabel: 'epoch', xInteger: true, yFormat: 'percent', yZero: true, series: layers.map((l): Series => ({ name: l, points: over(metrics, l, (m) => (m.sparsity as Record<string, number> | undefined)?.[l] ?? NaN) })) }),
    lineChart({ title: 'Train loss and its KL part', xLabel: 'epoch', xInteger: true, series: [
      { name: 'train loss', points: over(metrics, 'trainLoss') },
      { name: 'cross-entropy', points: over(metrics, 'trainNll') },
      { name: 'KL part (weight × KL)', points: over(metrics, 'trainKl', (m) => num(m, 'klWeight') * num(m, 'trainKl')) },
    ] }),
    lineChart({ title: 'KL weight', xLabel: 'epoch', xInteger: true, yZero: true, series: [{ name: 'KL weight', points: over(metrics, 'klWeight') }] }),
    lineChart({ title: 'Learning rate', xLabel: 'epoch', xInteger: true, yZero: true, series: [{ name: 'learning rate', points: over(metrics, 'lr') }] }),
  ];
}

/** Error (test, and validation where the points have it) and compression against the threshold. */
export function thresholdCharts(analysis: CheckpointAnalysis): string[] {
  const mark = { x: analysis.threshold, label: `run: ${analysis.threshold}` };
  const points = (key: string): Array<[number, number]> => analysis.curve.map((p) => [p.threshold, typeof p[key] === 'number' ? (p[key] as number) : NaN]);
  const errors: Series[] = [{ name: 'test error', points: points('testError') }];
  if (analysis.curve.some((p) => typeof p.valError === 'number')) errors.push({ name: 'validation error', points: points('valError') });
  return [
    lineChart({ title: 'Error vs threshold', xLabel: 'threshold on log α', yFormat: 'percent', series: errors, markX: mark }),
    lineChart({ title: 'Compression vs threshold (log scale)', xLabel: 'threshold on log α', yFormat: 'times', logY: true, series: [{ name: 'compression', points: points('compression') }], markX: mark }),
  ];
}
