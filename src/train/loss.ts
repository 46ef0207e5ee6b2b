/**
 * The SGVLB objective of the paper, per training example:
 *   loss = (1/N) * [ (N/M) * sum_batch CE + klWeight * KL ] = mean_batch CE + klWeight * KL / N.
 * This is the paper's minibatch loss divided by the constant N (same optimum), so the reported
 * numbers read as nats per example. Adam is scale-invariant except for its epsilon: the paper's
 * epsilon e is e / N on this scale (optimizers.ts, docs/method.md).
 */
import * as tf from '@tensorflow/tfjs';

/** Per-example cross-entropy of `logits` against one-hot labels, averaged over the batch. */
export function meanCrossEntropy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(oneHot, logits), 1))) as tf.Scalar);
}

/** Number of rows whose arg-max equals the label. */
export function correctCount(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar);
}

/** The per-example SGVLB: nll + klWeight * kl / trainSize. */
export function sgvlb(nll: tf.Scalar, kl: tf.Scalar, klWeight: number, trainSize: number): tf.Scalar {
  return tf.tidy(() => tf.add(nll, tf.mul(kl, klWeight / trainSize)) as tf.Scalar);
}
