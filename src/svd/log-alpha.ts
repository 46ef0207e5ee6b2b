/**
 * log alpha of a Sparse VD weight under the additive reparameterisation:
 * alpha = sigma^2 / theta^2, so log alpha = log sigma^2 - log(theta^2 + 1e-8), clipped to
 * [-clip, clip] as in the paper's code.
 */
import * as tf from '@tensorflow/tfjs';

/** Added to theta^2 before the log, so a zero weight has a finite log alpha. */
export const THETA_EPS = 1e-8;

/** Clipped log alpha, elementwise. */
export function logAlpha(theta: tf.Tensor, logSigma2: tf.Tensor, clip: number): tf.Tensor {
  return tf.tidy(() => tf.clipByValue(tf.sub(logSigma2, tf.log(tf.add(tf.square(theta), THETA_EPS))), -clip, clip));
}
