/**
 * Pruning masks: a weight is kept (1) while log alpha < threshold and pruned (0) once
 * log alpha >= threshold. Built with `step`, whose gradient is zero, so the mask can sit inside
 * a differentiated forward pass (train-time clipping) without blocking backpropagation.
 */
import * as tf from '@tensorflow/tfjs';

/** 1 where the weight survives, 0 where it is pruned; same shape as `logAlpha`. */
export function keepMask(logAlpha: tf.Tensor, threshold: number): tf.Tensor {
  return tf.tidy(() => tf.step(tf.sub(threshold, logAlpha)));
}
