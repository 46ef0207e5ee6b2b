/**
 * Activation functions by name, shared by every layer that takes an `activation` key.
 */
import * as tf from '@tensorflow/tfjs';

const ACTIVATIONS = {
  linear: (x: tf.Tensor) => x,
  relu: (x: tf.Tensor) => tf.relu(x),
  tanh: (x: tf.Tensor) => tf.tanh(x),
  sigmoid: (x: tf.Tensor) => tf.sigmoid(x),
  softmax: (x: tf.Tensor) => tf.softmax(x),
} as const;

/** Names accepted by `activation` keys. */
export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationName[];
export type ActivationName = keyof typeof ACTIVATIONS;

/** Applies the named activation (undefined means linear). */
export function activate(x: tf.Tensor, name: unknown): tf.Tensor {
  return ACTIVATIONS[(name ?? 'linear') as ActivationName](x);
}
