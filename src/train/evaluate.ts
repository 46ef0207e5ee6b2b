/**
 * Deterministic evaluation: mean weights with the pruning mask, no noise, in large batches. The
 * loop takes any function from a batch of inputs to logits, so an exported model (`svd eval
 * EXPORT_DIR`) is counted exactly as the run's own model is.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../layers/model.js';
import type { SparsityConfig } from '../config/types.js';
import { disposeBatch, type DeviceData, type DeviceSplit } from './device-data.js';
import { correctCount, meanCrossEntropy } from './loss.js';
import { readScalars } from '../backends/read.js';

/** Test error (fraction) and mean negative log-likelihood. */
export interface EvalResult {
  error: number;
  nll: number;
}

/** Evaluation batch size: large batches amortise per-op overhead. */
export const EVAL_BATCH = 1000;

/** A model's logits for a batch of inputs. */
export type LogitsOf = (x: tf.Tensor4D) => tf.Tensor;

/** Evaluates `model` on `split` with masked mean weights (`sparsity.threshold` decides the mask); one read at the end. */
export async function evaluate(model: Model, data: DeviceData, split: DeviceSplit, sparsity: SparsityConfig): Promise<EvalResult> {
  const ctx = { training: false, sparsity, nextSeed: () => 1 };
  return evaluateLogits((x) => model.apply(x, ctx), data, split);
}

/** Test error and mean cross-entropy of the logits `logitsOf` gives for `split`, in EVAL_BATCH batches; the sums stay on the device until one read at the end. */
export async function evaluateLogits(logitsOf: LogitsOf, data: DeviceData, split: DeviceSplit): Promise<EvalResult> {
  let correct = tf.scalar(0);
  let nllSum = tf.scalar(0);
  for (let start = 0; start < split.count; start += EVAL_BATCH) {
    const end = Math.min(split.count, start + EVAL_BATCH);
    const batch = data.slice(split, start, end);
    const [c, n] = tf.tidy(() => {
      const logits = logitsOf(batch.x);
      return [tf.add(correct, correctCount(logits, batch.y)), tf.add(nllSum, tf.mul(meanCrossEntropy(logits, batch.oneHot), end - start))];
    });
    tf.dispose([correct, nllSum]);
    disposeBatch(batch);
    correct = c as tf.Scalar;
    nllSum = n as tf.Scalar;
  }
  let c: number;
  let n: number;
  try {
    [c, n] = await readScalars([correct, nllSum]);
  } finally {
    tf.dispose([correct, nllSum]);
  }
  return { error: (split.count - c) / split.count, nll: n / split.count };
}
