/**
 * Batch normalization in training mode (the batch's own statistics) over every axis but the
 * last, with its gradient written out (tf.customGrad) instead of taped through tf.moments and
 * tf.batchNorm. The taped gradient of tf.batchNorm tiles gamma, the mean and the variance to the
 * input's full shape, and the wasm backend's Tile is a slow loop: a fifth of a VGG-like training
 * step went there. Here every per-channel value is broadcast instead, with the standard result
 * (x^ = (x - mean) / sqrt(var + eps), n values per channel):
 *   d beta = sum dy,  d gamma = sum dy * x^,  dx = gamma / sqrt(var + eps) / n * (n dy - d beta - x^ d gamma).
 */
import * as tf from '@tensorflow/tfjs';

/** The normalised batch and the batch's statistics (for the running averages; no gradient flows through these). */
export interface BatchNormalized {
  y: tf.Tensor;
  mean: tf.Tensor;
  variance: tf.Tensor;
}

/** gamma * (x - mean) / sqrt(variance + epsilon) + beta with the batch's mean and (biased) variance; the caller disposes `mean` and `variance`. */
export function normalizeWithBatchStatistics(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): BatchNormalized {
  const axes = [...Array(x.rank - 1).keys()];
  let statistics: { mean: tf.Tensor; variance: tf.Tensor } | null = null;
  const normalize = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const { mean, variance } = tf.moments(xs, axes);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const xHat = tf.mul(tf.sub(xs, mean), invStd);
    statistics = { mean: tf.keep(mean), variance: tf.keep(variance) };
    save([xHat, invStd, g]);
    return {
      value: tf.add(tf.mul(xHat, g), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedXHat, savedInvStd, savedGamma] = saved;
        const n = dy.size / dy.shape[dy.rank - 1];
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, savedXHat), axes);
        const centred = tf.sub(tf.sub(tf.mul(dy, n), dBeta), tf.mul(savedXHat, dGamma));
        const dx = tf.mul(centred, tf.div(tf.mul(savedGamma, savedInvStd), n));
        return [dx, dGamma, dBeta];
      },
    };
  });
  const y = normalize(x, gamma, beta) as tf.Tensor;
  return { y, ...statistics! };
}
