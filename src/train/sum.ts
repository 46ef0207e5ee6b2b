/**
 * The sum of a list of tensors as a left fold of pairwise adds. tf.addN is one kernel with one
 * storage buffer per input, and WebGPU allows 8 per shader stage by default, so an addN of more
 * than 7 tensors (a VGG's 15 KL terms) fails on webgpu. The fold adds in the same order as the
 * cpu and wasm AddN kernels (x0 + x1, then + x2, ...), so their results stay bit for bit.
 */
import * as tf from '@tensorflow/tfjs';

/** x0 + x1 + ... in that order; `tensors` must not be empty. */
export function sumInOrder<T extends tf.Tensor>(tensors: readonly T[]): T {
  if (tensors.length === 0) throw new Error('sumInOrder of no tensors');
  return tf.tidy(() => tensors.slice(1).reduce<tf.Tensor>((acc, t) => tf.add(acc, t), tensors[0].clone())) as T;
}
