/**
 * The paper's approximation of KL(q(w|theta, alpha) || p(w)) for the log-uniform prior:
 * -KL ~= k1 * sigmoid(k2 + k3 * log alpha) - 0.5 * log1p(exp(-log alpha)) - k1  (eq. 14).
 */
import * as tf from '@tensorflow/tfjs';

/** Constants of the approximation (Molchanov et al. 2017, section 4.2). */
export const KL_K1 = 0.63576;
export const KL_K2 = 1.8732;
export const KL_K3 = 1.48695;

/** Elementwise approximate KL divergence (a non-negative tensor) for the given log alpha. */
export function klApprox(logAlpha: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const negKl = tf.sub(
      tf.sub(tf.mul(KL_K1, tf.sigmoid(tf.add(KL_K2, tf.mul(KL_K3, logAlpha)))), tf.mul(0.5, tf.log1p(tf.exp(tf.neg(logAlpha))))),
      KL_K1,
    );
    return tf.neg(negKl);
  });
}

/**
 * Sum of the approximate KL over all weights of a layer, with its gradient in closed form
 * (dKL/dlog alpha = -k1 k3 s (1 - s) - 0.5 sigmoid(-log alpha), s = sigmoid(k2 + k3 log alpha)):
 * half the elementwise passes of differentiating the formula op by op, on the training hot path.
 * KL = k1 - k1 s + 0.5 softplus(-log alpha), summed.
 */
export const klSum = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [logAlpha, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const s = tf.sigmoid(tf.add(tf.mul(logAlpha, KL_K3), KL_K2));
  // softplus(-la) = -log(sigmoid(la)): the wasm Softplus kernel is ~15x slower than Sigmoid + Log
  // (7.3 against 0.5 ms for LeNet-5's 400k-weight layer); log alpha is clipped, so no overflow.
  const perWeight = tf.sub(tf.mul(tf.log(tf.sigmoid(logAlpha)), -0.5), tf.mul(s, KL_K1));
  save([logAlpha, s]);
  return {
    value: tf.add(tf.sum(perWeight), KL_K1 * logAlpha.size) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, [la, sig]: tf.Tensor[]) =>
      tf.mul(tf.sub(tf.mul(tf.mul(sig, tf.sub(1, sig)), -KL_K1 * KL_K3), tf.mul(tf.sigmoid(tf.neg(la)), 0.5)), dy),
  };
}) as (logAlpha: tf.Tensor) => tf.Scalar;

/** The same approximation on one number (for tests and reports). */
export function klApproxScalar(logAlpha: number): number {
  const sigmoid = 1 / (1 + Math.exp(-(KL_K2 + KL_K3 * logAlpha)));
  return -(KL_K1 * sigmoid - 0.5 * Math.log1p(Math.exp(-logAlpha)) - KL_K1);
}
