/**
 * log alpha of a Sparse VD weight under the additive reparameterisation:
 * alpha = sigma^2 / theta^2, so log alpha = log sigma^2 - log(theta^2 + 1e-8), clipped to
 * [-clip, clip] as in the paper's code.
 */
import * as tf from '@tensorflow/tfjs';

/** Added to theta^2 before the log, so a zero weight has a finite log alpha. */
export const THETA_EPS = 1e-8;

/**
 * Clipped log alpha, elementwise, with a fused gradient: inside the clip range
 * d/dlogSigma2 = 1 and d/dtheta = -2 theta / (theta^2 + 1e-8); outside it both are 0. (Op-by-op
 * differentiation spends five passes on the clip alone; this is on the training hot path.)
 */
export function logAlpha(theta: tf.Tensor, logSigma2: tf.Tensor, clip: number): tf.Tensor {
  const fused = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [t, ls2, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const t2 = tf.add(tf.square(t), THETA_EPS);
    const raw = tf.sub(ls2, tf.log(t2));
    save([t, t2, raw]);
    return {
      value: tf.clipByValue(raw, -clip, clip),
      gradFunc: (dy: tf.Tensor, [tt, tt2, r]: tf.Tensor[]) => {
        const inside = tf.mul(dy, tf.step(tf.sub(clip, tf.abs(r))));
        return [tf.mul(inside, tf.div(tf.mul(tt, -2), tt2)), inside];
      },
    };
  }) as (t: tf.Tensor, ls2: tf.Tensor) => tf.Tensor;
  return fused(theta, logSigma2);
}
