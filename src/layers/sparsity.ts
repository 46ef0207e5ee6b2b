/**
 * Sparsity of a model: per Sparse VD layer the fraction of pruned weights, and the paper's
 * compression = weights of the sparsified layers / those left nonzero. Every count goes through
 * `keepMaskOf`, the one pruning rule (svd/mask.ts) that evaluation, export and snapshots use.
 * With no weight left the compression is Infinity (`all pruned`); JSON records hold null for it
 * and their readers restore it (restoreAllPruned, src/store/records.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { SparsityConfig } from '../config/types.js';
import { isSparse, type Layer, type SparseLayer } from './layer.js';
import { logAlpha } from '../svd/log-alpha.js';
import { keepMask } from '../svd/mask.js';
import { thresholdGrid, type GridOptions } from '../svd/threshold-grid.js';
import { readAll, readScalars } from '../backends/read.js';

/** Sparsity figures as written to metrics.jsonl and summary.json. */
export interface SparsityStats {
  /** layer name -> fraction of its weights pruned (0..1). */
  sparsity: Record<string, number>;
  /** sparsifiable / nonzero (Infinity-safe: nonzero 0 gives sparsifiable). */
  compression: number;
  params: { total: number; sparsifiable: number; nonzero: number };
}

/** What pruning needs to know. */
export type PruneRule = Pick<SparsityConfig, 'threshold' | 'logAlphaClip'>;

/** 1 where a weight of `layer` is kept (log alpha < threshold), 0 where it is pruned. */
export function keepMaskOf(layer: SparseLayer, rule: PruneRule): tf.Tensor {
  return tf.tidy(() => keepMask(logAlpha(layer.theta, layer.logSigma2, rule.logAlphaClip), rule.threshold));
}

/**
 * Number of weights of a Sparse VD layer that `rule` keeps, read synchronously (for the
 * exporter's plain form, which reads the kernels synchronously too; a training loop uses
 * sparsityStats, which works on webgpu).
 */
export function keptCount(layer: SparseLayer, rule: PruneRule): number {
  return tf.tidy(() => tf.sum(keepMaskOf(layer, rule)).dataSync()[0]);
}

/** The kept-weight counts of `layers` under `rule`, read in one transfer. */
async function keptCounts(layers: readonly SparseLayer[], rule: PruneRule): Promise<number[]> {
  const counts = layers.map((layer) => tf.tidy(() => tf.sum(keepMaskOf(layer, rule))));
  try {
    return await readScalars(counts);
  } finally {
    tf.dispose(counts);
  }
}

/** Counts pruned weights of every Sparse VD layer under `rule` (one asynchronous read). */
export async function sparsityStats(layers: readonly Layer[], rule: PruneRule): Promise<SparsityStats> {
  const sparsity: Record<string, number> = {};
  let sparsifiable = 0;
  let nonzero = 0;
  const sparse = layers.filter(isSparse);
  const counts = await keptCounts(sparse, rule);
  for (const [i, layer] of sparse.entries()) {
    const kept = counts[i];
    const size = layer.theta.size;
    sparsity[layer.name] = (size - kept) / size;
    sparsifiable += size;
    nonzero += kept;
  }
  return {
    sparsity,
    compression: sparsifiable === 0 ? 1 : nonzero === 0 ? Infinity : sparsifiable / nonzero,
    params: { total: modelWeightCount(layers), sparsifiable, nonzero },
  };
}

/** Weights of the model as deployed: every trainable variable except the variational log sigma^2. */
export function modelWeightCount(layers: readonly Layer[]): number {
  let total = 0;
  for (const layer of layers) {
    for (const v of layer.trainable) {
      if (isSparse(layer) && v === layer.logSigma2) continue;
      total += v.size;
    }
  }
  return total;
}

/**
 * The thresholds worth trying on `model`: svd/threshold-grid.ts's grid over the log alphas of
 * all its Sparse VD weights (fine where the compression changes), with the run's own threshold.
 */
export async function modelThresholdGrid(model: { layers: readonly Layer[] }, rule: PruneRule, options: GridOptions = {}): Promise<number[]> {
  const logAlphas = model.layers.filter(isSparse).map((l) => tf.tidy(() => logAlpha(l.theta, l.logSigma2, rule.logAlphaClip)));
  const values = (await readAll(logAlphas)) as Float32Array[];
  tf.dispose(logAlphas);
  const all = new Float32Array(values.reduce((n, v) => n + v.length, 0));
  let at = 0;
  for (const v of values) {
    all.set(v, at);
    at += v.length;
  }
  return thresholdGrid(all, rule.logAlphaClip, rule.threshold, options);
}
