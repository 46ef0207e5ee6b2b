/**
 * 2-D convolutions on NHWC images: `conv2d` (plain filters) and `conv2d-svd` (Sparse VD filters
 * with the local reparameterisation trick: the variance pass is a second convolution of x^2
 * with alpha * theta^2).
 */
import * as tf from '@tensorflow/tfjs';
import { LAYERS } from '../registry/registries.js';
import type { LayerSpec } from '../config/types.js';
import { ShapeError, type BuildContext, type LayerSchema, type Shape } from './layer.js';
import { activationProperty, paddingProperty, sizePairProperty, useBiasProperty, sparseVdProperties } from './schema-parts.js';
import { pair, requireImage, windowOutput } from './variables.js';
import { initialKernel, kernelInitializerProperties } from './initializers.js';
import { LinearLayer, SparseLinearLayer, type LinearParts } from './linear.js';

const schema = (description: string, sparse = false): LayerSchema => ({
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

/** The attributes of one conv layer, read once from its spec. */
interface ConvGeometry {
  kernel: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
}

const geometry = (spec: LayerSpec): ConvGeometry => ({
  kernel: pair(spec.kernelSize, 1),
  strides: pair(spec.strides, 1),
  padding: (spec.padding as 'valid' | 'same' | undefined) ?? 'valid',
});

const outputShape = (spec: LayerSpec, input: Shape): Shape => {
  const [h, w] = requireImage(input, spec.type);
  const g = geometry(spec);
  const oh = windowOutput(h, g.kernel[0], g.strides[0], g.padding);
  const ow = windowOutput(w, g.kernel[1], g.strides[1], g.padding);
  if (oh < 1 || ow < 1) {
    throw new ShapeError(`kernel ${g.kernel.join('x')} does not fit input ${h}x${w} with padding 'valid'`);
  }
  return [oh, ow, spec.filters as number];
};

/** Initial filters [kh, kw, in, filters] (initializers.ts) and the conv2d operator. */
const parts = (spec: LayerSpec, input: Shape, ctx: BuildContext): LinearParts => {
  const g = geometry(spec);
  const output = outputShape(spec, input);
  const init = initialKernel(spec, [g.kernel[0], g.kernel[1], input[2], spec.filters as number], ctx.nextSeed());
  const op = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, g.strides, g.padding);
  return { type: spec.type, spec, inputShape: input, outputShape: output, init, op };
};

const origin = 'src/layers/conv2d.ts';
LAYERS.register('conv2d', {
  schema: schema('2-D convolution with plain filters (NHWC)'),
  example: { spec: { filters: 3, kernelSize: 3, padding: 'same', strides: 2 }, input: [7, 7, 2] },
  outputShape,
  build: (spec, input, ctx) => new LinearLayer(parts(spec, input, ctx), ctx),
}, origin);
LAYERS.register('conv2d-svd', {
  schema: schema('2-D Sparse VD convolution (learned per-weight dropout rate, pruned where log alpha >= threshold)', true),
  example: { spec: { filters: 3, kernelSize: [3, 2] }, input: [7, 6, 2] },
  outputShape,
  build: (spec, input, ctx) => new SparseLinearLayer(parts(spec, input, ctx), ctx),
}, origin);
