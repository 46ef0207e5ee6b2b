/**
 * Fully connected layers: `dense` (plain weights) and `dense-svd` (Sparse VD weights with the
 * local reparameterisation trick). Both take a flat input [features].
 */
import * as tf from '@tensorflow/tfjs';
import { LAYERS } from '../registry/registries.js';
import type { LayerSpec } from '../config/types.js';
import type { BuildContext, ForwardContext, Layer, LayerEntry, LayerSchema, Shape, SparseLayer } from './layer.js';
import { activate } from './activations.js';
import { activationProperty, useBiasProperty } from './schema-parts.js';
import { requireVector } from './variables.js';
import { SparseVdWeights } from './sparse-vd.js';

const schema = (description: string): LayerSchema => ({
  description,
  properties: {
    units: { type: 'integer', minimum: 1, description: 'number of output units' },
    activation: activationProperty,
    useBias: useBiasProperty,
  },
  required: ['units'],
});

const outputShape = (spec: LayerSpec, input: Shape): Shape => {
  requireVector(input, spec.type);
  return [spec.units as number];
};

const glorot = (ctx: BuildContext, inUnits: number, units: number): tf.Tensor =>
  tf.initializers.glorotUniform({ seed: ctx.nextSeed() }).apply([inUnits, units]);

/** A plain fully connected layer. */
export class Dense implements Layer {
  readonly type = 'dense';
  readonly name: string;
  readonly outputShape: Shape;
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly nonTrainable: tf.Variable[] = [];

  constructor(readonly spec: LayerSpec, readonly inputShape: Shape, ctx: BuildContext) {
    this.outputShape = outputShape(spec, inputShape);
    this.kernel = ctx.variable('kernel', glorot(ctx, inputShape[0], this.outputShape[0]));
    this.bias = spec.useBias === false ? null : ctx.variable('bias', tf.zeros(this.outputShape));
    this.name = ctx.name;
  }

  get trainable(): tf.Variable[] {
    return this.bias ? [this.kernel, this.bias] : [this.kernel];
  }

  apply(x: tf.Tensor): tf.Tensor {
    const y = tf.matMul(x as tf.Tensor2D, this.kernel as tf.Tensor2D);
    return activate(this.bias ? tf.add(y, this.bias) : y, this.spec.activation);
  }
}

/** A fully connected Sparse VD layer (weights theta [in, units], log sigma^2 alike). */
export class DenseSvd implements SparseLayer {
  readonly type = 'dense-svd';
  readonly sparse = true;
  readonly name: string;
  readonly outputShape: Shape;
  readonly weights: SparseVdWeights;
  readonly nonTrainable: tf.Variable[] = [];

  constructor(readonly spec: LayerSpec, readonly inputShape: Shape, ctx: BuildContext) {
    this.name = ctx.name;
    this.outputShape = outputShape(spec, inputShape);
    this.weights = new SparseVdWeights(ctx, glorot(ctx, inputShape[0], this.outputShape[0]), spec.useBias === false ? null : this.outputShape[0]);
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
    return activate(this.weights.forward(x, ctx, (a, w) => tf.matMul(a as tf.Tensor2D, w as tf.Tensor2D)), this.spec.activation);
  }
}

const origin = 'src/layers/dense.ts';
LAYERS.register('dense', {
  schema: schema('fully connected layer with plain weights'),
  example: { spec: { units: 4, activation: 'relu' }, input: [6] },
  outputShape,
  build: (spec, input, ctx) => new Dense(spec, input, ctx),
} satisfies LayerEntry, origin);
LAYERS.register('dense-svd', {
  schema: schema('fully connected Sparse VD layer (learned per-weight dropout rate, pruned where log alpha >= threshold)'),
  example: { spec: { units: 4, activation: 'relu' }, input: [6] },
  outputShape,
  build: (spec, input, ctx) => new DenseSvd(spec, input, ctx),
} satisfies LayerEntry, origin);
