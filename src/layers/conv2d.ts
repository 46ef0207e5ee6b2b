/**
 * 2-D convolutions on NHWC images: `conv2d` (plain filters) and `conv2d-svd` (Sparse VD filters
 * with the local reparameterisation trick: the variance pass is a second convolution of x^2
 * with alpha * theta^2). Both export as a plain `conv2d` layer (tf.layers.conv2d).
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../config/types.js';
import type { BuildContext, LayerEntry, LayerSchema, Shape } from './layer.js';
import { activationProperty, paddingProperty, sizePairProperty, useBiasProperty, sparseVdProperties, withDefaults } from './schema-parts.js';
import { onnxPads, pair, windowShape, type Padding, type Window } from './geometry.js';
import { kernelAndBias, type OnnxParam } from './onnx-facet.js';
import { initialKernel, kernelInitializerProperties, type KernelInit } from './initializers.js';
import { LinearLayer, SparseLinearLayer, type LinearParts } from './linear.js';

/** A conv layer's config, defaults filled in. */
export interface Conv2dConfig extends KernelInit {
  type: string;
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  padding: Padding;
  activation: string;
  useBias: boolean;
  /** conv2d-svd only: this layer's own sparsity.trainClipNoise. */
  trainClipNoise?: boolean;
}

/** The plain `conv2d` layer of an export. */
export type Conv2dPlain = Pick<Conv2dConfig, 'filters' | 'kernelSize' | 'strides' | 'padding' | 'activation' | 'useBias'>;

/** Input channels and filters of a Sparse VD kernel [kh, kw, in, filters] kept in snapshots. */
export const CONV_MAX_IN = 32;
export const CONV_MAX_FILTERS = 64;

const schema = (description: string, sparse: boolean): LayerSchema => ({
  description,
  properties: {
    filters: { type: 'integer', minimum: 1, description: 'number of output channels' },
    kernelSize: sizePairProperty('filter height and width (one number for square filters)'),
    strides: sizePairProperty('stride along height and width', 1),
    padding: paddingProperty,
    activation: activationProperty,
    useBias: useBiasProperty,
    ...kernelInitializerProperties,
    ...(sparse ? sparseVdProperties : {}),
  },
  required: ['filters', 'kernelSize'],
});

const convSchema = schema('2-D convolution with plain filters (NHWC)', false);
const sparseSchema = schema('2-D Sparse VD convolution (learned per-weight dropout rate, pruned where log alpha >= threshold)', true);

const config = (schemaOf: LayerSchema) => (spec: LayerSpec): Conv2dConfig => {
  const c = withDefaults(schemaOf, spec);
  return { type: spec.type, ...c, kernelSize: pair(c.kernelSize, 1), strides: pair(c.strides, 1) } as Conv2dConfig;
};

const window = (c: Conv2dConfig): Window => ({ size: c.kernelSize, strides: c.strides, padding: c.padding });

const outputShape = (c: Conv2dConfig, input: Shape): Shape => [...windowShape(input, window(c), 'kernel', c.type), c.filters];

/** Filters [kh, kw, in, filters] (theta and log sigma^2 for Sparse VD) and bias [filters]. */
const paramShapes = (kernels: number) => (c: Conv2dConfig, input: Shape): Shape[] =>
  [...Array.from({ length: kernels }, () => [c.kernelSize[0], c.kernelSize[1], input[2], c.filters]), ...(c.useBias ? [[c.filters]] : [])];

/** Every output pixel and filter reads a kh x kw x in window, once per LRT pass (`passes`: 1 plain, 2 Sparse VD). */
const macs = (passes: number) => (c: Conv2dConfig, input: Shape): number => {
  const [h, w] = outputShape(c, input);
  return passes * h * w * c.filters * c.kernelSize[0] * c.kernelSize[1] * input[2];
};

/** Initial filters [kh, kw, in, filters] (initializers.ts) and the conv2d operator. */
const parts = (c: Conv2dConfig, input: Shape, ctx: BuildContext): LinearParts => {
  const output = outputShape(c, input);
  const init = initialKernel(c, [c.kernelSize[0], c.kernelSize[1], input[2], c.filters], ctx.nextSeed());
  const op = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.padding);
  return { type: c.type, activation: c.activation, useBias: c.useBias, trainClipNoise: c.trainClipNoise, inputShape: input, outputShape: output, init, op };
};

const exportAsConv = {
  as: 'conv2d',
  config: (c: Conv2dConfig): Conv2dPlain => ({ filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, activation: c.activation, useBias: c.useBias }),
};

/** A tfjs conv kernel [kh, kw, in, out] in ONNX's layout [out, in, kh, kw]. */
export function hwioToOihw(k: OnnxParam): OnnxParam {
  const [kh, kw, cin, cout] = k.shape;
  const values = new Float32Array(k.values.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) {
    values[((o * cin + i) * kh + y) * kw + x] = k.values[((y * kw + x) * cin + i) * cout + o];
  }
  return { name: k.name, shape: [cout, cin, kh, kw], values };
}

/** `conv2d`: plain filters; the plain type every convolution exports as. */
export const conv2d: LayerEntry<Conv2dConfig, Conv2dPlain> = {
  schema: convSchema,
  example: { spec: { filters: 3, kernelSize: 3, padding: 'same', strides: 2 }, input: [7, 7, 2] },
  config: config(convSchema),
  outputShape,
  build: (c, input, ctx) => new LinearLayer(parts(c, input, ctx), ctx),
  paramShapes: paramShapes(1),
  macs: macs(1),
  widthKey: 'filters',
  family: 'conv',
  decayed: ['kernel'],
  export: exportAsConv,
  plain: {
    tfjs: (p, common) => tf.layers.conv2d({
      ...common, filters: p.filters, kernelSize: p.kernelSize, strides: p.strides, padding: p.padding,
      activation: p.activation as Parameters<typeof tf.layers.conv2d>[0]['activation'], useBias: p.useBias, dataFormat: 'channelsLast',
    }),
    role: { kind: 'weighted', inputs: 'channels', activationKey: 'activation' },
    // Conv on NCHW with the kernel as ONNX lays it out, [filters, in, kh, kw]; tfjs's padding as explicit pads.
    onnx: (p, params, graph) => {
      graph.toImage(graph.shape);
      const window = { size: p.kernelSize, strides: p.strides, padding: p.padding };
      graph.node('Conv', kernelAndBias(params, graph, hwioToOihw), {
        kernel_shape: { ints: p.kernelSize }, strides: { ints: p.strides }, pads: { ints: onnxPads(graph.shape, window) }, dilations: { ints: [1, 1] },
      });
      graph.activation(p.activation);
    },
  },
};

/** `conv2d-svd`: Sparse VD filters. */
export const conv2dSvd: LayerEntry<Conv2dConfig, Conv2dPlain> = {
  schema: sparseSchema,
  example: { spec: { filters: 3, kernelSize: [3, 2] }, input: [7, 6, 2] },
  config: config(sparseSchema),
  outputShape,
  build: (c, input, ctx) => new SparseLinearLayer(parts(c, input, ctx), ctx),
  paramShapes: paramShapes(2),
  macs: macs(2),
  widthKey: 'filters',
  family: 'conv',
  snapshotBlock: (shape) => [shape[0], shape[1], Math.min(shape[2], CONV_MAX_IN), Math.min(shape[3], CONV_MAX_FILTERS)],
  export: exportAsConv,
};
