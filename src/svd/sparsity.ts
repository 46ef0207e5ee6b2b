/**
 * Sparsity statistics of a model: per Sparse VD layer the fraction of pruned weights, and the
 * paper's compression = weights of the sparsified layers / those left nonzero.
 */
import * as tf from '@tensorflow/tfjs';
import { isSparse, type Layer, type SparseLayer } from '../layers/layer.js';
import { logAlpha } from './log-alpha.js';

/** Sparsity figures as written to metrics.jsonl and summary.json. */
export interface SparsityStats {
  /** layer name -> fraction of its weights pruned (0..1). */
  sparsity: Record<string, number>;
  /** sparsifiable / nonzero (Infinity-safe: nonzero 0 gives sparsifiable). */
  compression: number;
  params: { total: number; sparsifiable: number; nonzero: number };
}

/** Counts pruned weights of every Sparse VD layer at `threshold` (reads tensors synchronously). */
export function sparsityStats(layers: Layer[], threshold: number, clip: number): SparsityStats {
  const sparsity: Record<string, number> = {};
  let sparsifiable = 0;
  let nonzero = 0;
  for (const layer of layers.filter(isSparse)) {
    const kept = keptCount(layer, threshold, clip);
    const size = layer.theta.size;
    sparsity[layer.name] = (size - kept) / size;
    sparsifiable += size;
    nonzero += kept;
  }
  return {
    sparsity,
    compression: sparsifiable === 0 ? 1 : sparsifiable / Math.max(1, nonzero),
    params: { total: modelWeightCount(layers), sparsifiable, nonzero },
  };
}

/** Number of weights of a Sparse VD layer with log alpha below `threshold`. */
export function keptCount(layer: SparseLayer, threshold: number, clip: number): number {
  return tf.tidy(() => tf.sum(tf.cast(tf.less(logAlpha(layer.theta, layer.logSigma2, clip), threshold), 'int32')).dataSync()[0]);
}

/** Weights of the model as deployed: every trainable variable except the variational log sigma^2. */
export function modelWeightCount(layers: Layer[]): number {
  let total = 0;
  for (const layer of layers) {
    for (const v of layer.trainable) {
      if (isSparse(layer) && v === layer.logSigma2) continue;
      total += v.size;
    }
  }
  return total;
}
