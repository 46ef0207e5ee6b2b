/**
 * Test helpers: building single layers and models without a config file.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, SparsityConfig } from '../../src/config/types.js';
import type { BuildContext, Layer, Shape } from '../../src/layers/layer.js';
import { LAYERS } from '../../src/layers/registry.js';
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

/** Builds one layer of `spec` through its registry entry (typed config first), on input `input`. */
export function buildLayer(spec: LayerSpec, input: Shape, ctx: BuildContext): Layer {
  const entry = LAYERS.get(spec.type);
  return entry.build(entry.config(spec), input, ctx);
}

/** The output shape `spec` gives on `input`, through its registry entry. */
export function outputShapeOf(spec: LayerSpec, input: Shape): Shape {
  const entry = LAYERS.get(spec.type);
  return entry.outputShape(entry.config(spec), input);
}
