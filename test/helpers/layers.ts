/**
 * Test helpers: building single layers and models without a config file.
 */
import * as tf from '@tensorflow/tfjs';
import type { SparsityConfig } from '../../src/config/types.js';
import type { BuildContext, Shape } from '../../src/layers/layer.js';
import { makeVariable, nextModelPrefix } from '../../src/layers/variables.js';

/** The paper's sparsity settings. */
export const PAPER_SPARSITY: SparsityConfig = { threshold: 3, logAlphaClip: 8, logSigma2Init: -10, trainClip: true, trainClipNoise: true, trainClipKl: false };

/** A BuildContext for one layer named `name`, with seeds counting up from `seed`. */
export function buildContext(name: string, sparsity: SparsityConfig = PAPER_SPARSITY, seed = 1): BuildContext {
  const prefix = nextModelPrefix();
  let next = seed;
  return {
    name,
    sparsity,
    nextSeed: () => next++,
    variable: (param, init, trainable = true) => makeVariable(prefix, name, param, init, trainable),
  };
}

/** A forward context; noise seeds count up from `seed`. */
export function forwardContext(training: boolean, sparsity: SparsityConfig = PAPER_SPARSITY, seed = 100) {
  let next = seed;
  return { training, sparsity, nextSeed: () => next++ };
}

/** A deterministic pseudo-random tensor of `shape` (values in [-1, 1)). */
export function fixedTensor(shape: Shape, seed = 7): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}
