/**
 * `optimizer.weightDecay` for the dense baselines: an L2 penalty added to the per-example loss,
 *   loss + weightDecay / 2 * sum of w^2 over the parameters each layer entry lists as `decayed`
 *   (the `kernel` of dense and conv2d),
 * so its gradient is weightDecay * w, coupled with the optimizer as in the paper's pretraining
 * (which added 1e-5 * sum w^2 to the mean cross-entropy: weightDecay 2e-5 here). Biases,
 * batchnorm parameters and Sparse VD variables (theta, log sigma^2) are not decayed: for Sparse
 * VD layers the KL term is the regularizer. The penalty is not part of the reported trainLoss.
 */
import * as tf from '@tensorflow/tfjs';
import { paramName } from '../layers/layer.js';
import type { Model } from '../layers/model.js';
import { sumInOrder } from './sum.js';

/** The variables `weightDecay` applies to: the parameters each layer's entry names as `decayed`. */
export function decayedVariables(model: Model): tf.Variable[] {
  return model.blocks.flatMap(({ entry, layer }) => layer.trainable.filter((v) => entry.decayed?.includes(paramName(v))));
}

/** `loss` plus weightDecay / 2 * sum w^2 over `decayedVariables(model)`; `loss` itself when there is nothing to decay. */
export function withWeightDecay(loss: tf.Scalar, model: Model, weightDecay: number | undefined): tf.Scalar {
  if (!weightDecay) return loss;
  const kernels = decayedVariables(model);
  if (kernels.length === 0) return loss;
  return tf.tidy(() => tf.add(loss, tf.mul(sumInOrder(kernels.map((k) => tf.sum(tf.square(k)))), weightDecay / 2)) as tf.Scalar);
}
