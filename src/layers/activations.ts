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

/** The ONNX op of each activation (null: none); softmax is taken over axis 1, the channels or features. */
export const ONNX_ACTIVATIONS: Record<ActivationName, string | null> = { linear: null, relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid', softmax: 'Softmax' };

/** Names accepted by `activation` keys. */
export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationName[];
export type ActivationName = keyof typeof ACTIVATIONS;

/** Applies the named activation (undefined means linear). */
export function activate(x: tf.Tensor, name: unknown): tf.Tensor {
  return ACTIVATIONS[(name ?? 'linear') as ActivationName](x);
}

/**
 * act(z) where it is known exactly as tfjs computes it (linear, relu, and tanh at 0), else NaN:
 * the structured view of an export treats a unit as exactly zero only on these.
 */
export function exactValue(name: string, z: number): number {
  if (name === 'linear') return z;
  if (name === 'relu') return z > 0 ? z : 0;
  if (name === 'tanh' && z === 0) return 0;
  return Number.NaN;
}
