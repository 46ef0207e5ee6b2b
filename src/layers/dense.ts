/**
 * Fully connected layers: `dense` (plain weights) and `dense-svd` (Sparse VD weights with the
 * local reparameterisation trick). Both take a flat input [features] and export as a plain
 * `dense` layer (tf.layers.dense).
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../config/types.js';
import type { BuildContext, LayerEntry, LayerSchema, Shape } from './layer.js';
import { activationProperty, useBiasProperty, sparseVdProperties, withDefaults } from './schema-parts.js';
import { requireVector } from './geometry.js';
import { initialKernel, kernelInitializerProperties, type KernelInit } from './initializers.js';
import { LinearLayer, SparseLinearLayer, type LinearParts } from './linear.js';
import { kernelAndBias } from './onnx-facet.js';

/** A dense layer's config, defaults filled in. */
export interface DenseConfig extends KernelInit {
  type: string;
  units: number;
  activation: string;
  useBias: boolean;
  /** dense-svd only: this layer's own sparsity.trainClipNoise. */
  trainClipNoise?: boolean;
}

/** The plain `dense` layer of an export. */
export type DensePlain = Pick<DenseConfig, 'units' | 'activation' | 'useBias'>;

/** A Sparse VD kernel [in, units] of at most this many weights is kept whole in snapshots ... */
export const DENSE_WHOLE_MAX = 1_000_000;
/** ... a larger one as its first DENSE_BLOCK rows and columns. */
export const DENSE_BLOCK = 100;

const schema = (description: string, sparse: boolean): LayerSchema => ({
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

const denseSchema = schema('fully connected layer with plain weights', false);
const sparseSchema = schema('fully connected Sparse VD layer (learned per-weight dropout rate, pruned where log alpha >= threshold)', true);

const config = (schemaOf: LayerSchema) => (spec: LayerSpec): DenseConfig => ({ type: spec.type, ...withDefaults(schemaOf, spec) }) as DenseConfig;

const outputShape = (c: DenseConfig, input: Shape): Shape => {
  requireVector(input, c.type);
  return [c.units];
};

/** Kernel [in, units] (theta and log sigma^2 for Sparse VD) and bias [units]. */
const paramShapes = (kernels: number) => (c: DenseConfig, input: Shape): Shape[] =>
  [...Array.from({ length: kernels }, () => [input[0], c.units]), ...(c.useBias ? [[c.units]] : [])];

/** [in] x [in, units] once per LRT pass (`passes`: 1 plain, 2 Sparse VD). */
const macs = (passes: number) => (c: DenseConfig, input: Shape): number => passes * input[0] * c.units;

const matMul = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);

/** Initial weights [in, units] (initializers.ts) and the matMul operator. */
const parts = (c: DenseConfig, input: Shape, ctx: BuildContext): LinearParts => {
  const output = outputShape(c, input);
  const init = initialKernel(c, [input[0], output[0]], ctx.nextSeed());
  return { type: c.type, activation: c.activation, useBias: c.useBias, trainClipNoise: c.trainClipNoise, inputShape: input, outputShape: output, init, op: matMul };
};

const exportAsDense = { as: 'dense', config: (c: DenseConfig): DensePlain => ({ units: c.units, activation: c.activation, useBias: c.useBias }) };

/** `dense`: plain weights; the plain type every fully connected layer exports as. */
export const dense: LayerEntry<DenseConfig, DensePlain> = {
  schema: denseSchema,
  example: { spec: { units: 4, activation: 'relu' }, input: [6] },
  config: config(denseSchema),
  outputShape,
  build: (c, input, ctx) => new LinearLayer(parts(c, input, ctx), ctx),
  paramShapes: paramShapes(1),
  macs: macs(1),
  widthKey: 'units',
  family: 'dense',
  decayed: ['kernel'],
  export: exportAsDense,
  plain: {
    tfjs: (p, common) => tf.layers.dense({ ...common, units: p.units, activation: p.activation as Parameters<typeof tf.layers.dense>[0]['activation'], useBias: p.useBias }),
    role: { kind: 'weighted', inputs: 'features', activationKey: 'activation' },
    // Gemm: [N, in] x kernel [in, units] + bias, the kernel in tfjs layout as it is.
    onnx: (p, params, graph) => {
      graph.toFlat();
      graph.node('Gemm', kernelAndBias(params, graph, (k) => k));
      graph.activation(p.activation);
    },
  },
};

/** `dense-svd`: Sparse VD weights. */
export const denseSvd: LayerEntry<DenseConfig, DensePlain> = {
  schema: sparseSchema,
  example: { spec: { units: 4, activation: 'relu' }, input: [6] },
  config: config(sparseSchema),
  outputShape,
  build: (c, input, ctx) => new SparseLinearLayer(parts(c, input, ctx), ctx),
  paramShapes: paramShapes(2),
  macs: macs(2),
  widthKey: 'units',
  family: 'dense',
  snapshotBlock: (shape) => (shape[0] * shape[1] <= DENSE_WHOLE_MAX ? [...shape] : [Math.min(shape[0], DENSE_BLOCK), Math.min(shape[1], DENSE_BLOCK)]),
  export: exportAsDense,
};
