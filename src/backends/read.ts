/**
 * Reading tensors back, the one way that works on every backend: asynchronously (webgpu has no
 * synchronous read in Node: dataSync there needs OffscreenCanvas) and batched, so that a loop
 * waits on the device once for all the figures it needs, not once per figure.
 */
import * as tf from '@tensorflow/tfjs';

/** The values of scalars `values` (any dtype), read in one transfer; the caller keeps ownership. */
export async function readScalars(values: readonly tf.Tensor[]): Promise<number[]> {
  if (values.length === 0) return [];
  const stacked = tf.tidy(() => tf.stack(values.map((v) => tf.cast(tf.reshape(v, []), 'float32'))));
  try {
    return Array.from(await stacked.data());
  } finally {
    stacked.dispose();
  }
}

/** The values of `tensors`, each as its own typed array, read concurrently; the caller keeps ownership. */
export async function readAll(tensors: readonly tf.Tensor[]): Promise<Array<tf.TypedArray>> {
  return Promise.all(tensors.map((t) => t.data() as Promise<tf.TypedArray>));
}
