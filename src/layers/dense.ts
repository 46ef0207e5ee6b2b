/**
 * Fully connected layers: `dense` (plain weights) and `dense-svd` (Sparse VD weights with the
 * local reparameterisation trick). Both take a flat input [features].
 */
import * as tf from '@tensorflow/tfjs';
import { LAYERS } from '../registry/registries.js';
import type { LayerSpec } from '../config/types.js';
import type { BuildContext, LayerSchema, Shape } from './layer.js';
import { activationProperty, useBiasProperty, sparseVdProperties } from './schema-parts.js';
import { requireVector } from './variables.js';
import { initialKernel, kernelInitializerProperties } from './initializers.js';
import { LinearLayer, SparseLinearLayer, type LinearParts } from './linear.js';

const schema = (description: string, sparse = false): LayerSchema => ({
  description,
  properties: {
    units: { type: 'integer', minimum: 1, description: 'number of output units' },
    activation: activationProperty,
    useBias: useBiasProperty,
    ...kernelInitializerProperties,
    ...(sparse ? sparseVdProperties : {}),
  },
  required: ['units'],
});

const outputShape = (spec: LayerSpec, input: Shape): Shape => {
  requireVector(input, spec.type);
  return [spec.units as number];
};

const matMul = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);

/** Initial weights [in, units] (initializers.ts) and the matMul operator. */
const parts = (spec: LayerSpec, input: Shape, ctx: BuildContext): LinearParts => {
  const output = outputShape(spec, input);
  const init = initialKernel(spec, [input[0], output[0]], ctx.nextSeed());
  return { type: spec.type, spec, inputShape: input, outputShape: output, init, op: matMul };
};

const origin = 'src/layers/dense.ts';
LAYERS.register('dense', {
  schema: schema('fully connected layer with plain weights'),
  example: { spec: { units: 4, activation: 'relu' }, input: [6] },
  outputShape,
  build: (spec, input, ctx) => new LinearLayer(parts(spec, input, ctx), ctx),
}, origin);
LAYERS.register('dense-svd', {
  schema: schema('fully connected Sparse VD layer (learned per-weight dropout rate, pruned where log alpha >= threshold)', true),
  example: { spec: { units: 4, activation: 'relu' }, input: [6] },
  outputShape,
  build: (spec, input, ctx) => new SparseLinearLayer(parts(spec, input, ctx), ctx),
}, origin);
