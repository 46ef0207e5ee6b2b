/**
 * 2-D convolutions on NHWC images: `conv2d` (plain filters) and `conv2d-svd` (Sparse VD filters
 * with the local reparameterisation trick: the variance pass is a second convolution of x^2
 * with alpha * theta^2).
 */
import * as tf from '@tensorflow/tfjs';
import { LAYERS } from '../registry/registries.js';
import type { LayerSpec } from '../config/types.js';
import { ShapeError, type BuildContext, type ForwardContext, type Layer, type LayerEntry, type LayerSchema, type Shape, type SparseLayer } from './layer.js';
import { activate } from './activations.js';
import { activationProperty, paddingProperty, sizePairProperty, useBiasProperty } from './schema-parts.js';
import { pair, requireImage, windowOutput } from './variables.js';
import { SparseVdWeights } from './sparse-vd.js';

const schema = (description: string): LayerSchema => ({
  description,
  properties: {
    filters: { type: 'integer', minimum: 1, description: 'number of output channels' },
    kernelSize: sizePairProperty('filter height and width (one number for square filters)'),
    strides: sizePairProperty('stride along height and width', 1),
    padding: paddingProperty,
    activation: activationProperty,
    useBias: useBiasProperty,
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

const glorotFilters = (ctx: BuildContext, g: ConvGeometry, inChannels: number, filters: number): tf.Tensor =>
  tf.initializers.glorotUniform({ seed: ctx.nextSeed() }).apply([g.kernel[0], g.kernel[1], inChannels, filters]);

const convOp = (g: ConvGeometry) => (x: tf.Tensor, w: tf.Tensor): tf.Tensor =>
  tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, g.strides, g.padding);

/** A plain 2-D convolution. */
export class Conv2d implements Layer {
  readonly type = 'conv2d';
  readonly name: string;
  readonly outputShape: Shape;
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly nonTrainable: tf.Variable[] = [];
  private readonly op: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

  constructor(readonly spec: LayerSpec, readonly inputShape: Shape, ctx: BuildContext) {
    const g = geometry(spec);
    this.name = ctx.name;
    this.outputShape = outputShape(spec, inputShape);
    this.kernel = ctx.variable('kernel', glorotFilters(ctx, g, inputShape[2], spec.filters as number));
    this.bias = spec.useBias === false ? null : ctx.variable('bias', tf.zeros([spec.filters as number]));
    this.op = convOp(g);
  }

  get trainable(): tf.Variable[] {
    return this.bias ? [this.kernel, this.bias] : [this.kernel];
  }

  apply(x: tf.Tensor): tf.Tensor {
    const y = this.op(x, this.kernel);
    return activate(this.bias ? tf.add(y, this.bias) : y, this.spec.activation);
  }
}

/** A Sparse VD 2-D convolution (theta [kh, kw, in, filters], log sigma^2 alike). */
export class Conv2dSvd implements SparseLayer {
  readonly type = 'conv2d-svd';
  readonly sparse = true;
  readonly name: string;
  readonly outputShape: Shape;
  readonly weights: SparseVdWeights;
  readonly nonTrainable: tf.Variable[] = [];
  private readonly op: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

  constructor(readonly spec: LayerSpec, readonly inputShape: Shape, ctx: BuildContext) {
    const g = geometry(spec);
    const filters = spec.filters as number;
    this.name = ctx.name;
    this.outputShape = outputShape(spec, inputShape);
    this.weights = new SparseVdWeights(ctx, glorotFilters(ctx, g, inputShape[2], filters), spec.useBias === false ? null : filters);
    this.op = convOp(g);
  }

  get theta(): tf.Variable {
    return this.weights.theta;
  }
  get logSigma2(): tf.Variable {
    return this.weights.logSigma2;
  }
  get trainable(): tf.Variable[] {
    return this.weights.variables;
  }

  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return activate(this.weights.forward(x, ctx, this.op), this.spec.activation);
  }
}

const origin = 'src/layers/conv2d.ts';
LAYERS.register('conv2d', {
  schema: schema('2-D convolution with plain filters (NHWC)'),
  example: { spec: { filters: 3, kernelSize: 3, padding: 'same', strides: 2 }, input: [7, 7, 2] },
  outputShape,
  build: (spec, input, ctx) => new Conv2d(spec, input, ctx),
} satisfies LayerEntry, origin);
LAYERS.register('conv2d-svd', {
  schema: schema('2-D Sparse VD convolution (learned per-weight dropout rate, pruned where log alpha >= threshold)'),
  example: { spec: { filters: 3, kernelSize: [3, 2] }, input: [7, 6, 2] },
  outputShape,
  build: (spec, input, ctx) => new Conv2dSvd(spec, input, ctx),
} satisfies LayerEntry, origin);
