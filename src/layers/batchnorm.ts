/**
 * `batchnorm`: batch normalization over the last axis (channels or units). Training uses the
 * batch statistics and updates running averages; evaluation uses the running averages.
 */
import * as tf from '@tensorflow/tfjs';
import { LAYERS } from '../registry/registries.js';
import type { LayerSpec } from '../config/types.js';
import type { BuildContext, ForwardContext, Layer, Shape } from './layer.js';

/** Batch normalization with learned scale (gamma) and offset (beta). */
export class BatchNorm implements Layer {
  readonly type = 'batchnorm';
  readonly name: string;
  readonly outputShape: Shape;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly movingMean: tf.Variable;
  readonly movingVariance: tf.Variable;
  private readonly momentum: number;
  private readonly epsilon: number;

  constructor(spec: LayerSpec, readonly inputShape: Shape, ctx: BuildContext) {
    const channels = inputShape[inputShape.length - 1];
    this.name = ctx.name;
    this.outputShape = inputShape;
    this.momentum = (spec.momentum as number | undefined) ?? 0.99;
    this.epsilon = (spec.epsilon as number | undefined) ?? 1e-3;
    this.gamma = ctx.variable('gamma', tf.ones([channels]));
    this.beta = ctx.variable('beta', tf.zeros([channels]));
    this.movingMean = ctx.variable('movingMean', tf.zeros([channels]), false);
    this.movingVariance = ctx.variable('movingVariance', tf.ones([channels]), false);
  }

  get trainable(): tf.Variable[] {
    return [this.gamma, this.beta];
  }
  get nonTrainable(): tf.Variable[] {
    return [this.movingMean, this.movingVariance];
  }

  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    if (!ctx.training) {
      return tf.batchNorm(x, this.movingMean, this.movingVariance, this.beta, this.gamma, this.epsilon);
    }
    const axes = [...Array(x.rank - 1).keys()];
    const { mean, variance } = tf.moments(x, axes);
    tf.tidy(() => {
      const m = this.momentum;
      this.movingMean.assign(tf.add(tf.mul(this.movingMean, m), tf.mul(mean, 1 - m)));
      this.movingVariance.assign(tf.add(tf.mul(this.movingVariance, m), tf.mul(variance, 1 - m)));
    });
    return tf.batchNorm(x, mean, variance, this.beta, this.gamma, this.epsilon);
  }
}

LAYERS.register('batchnorm', {
  schema: {
    description: 'batch normalization over the last axis',
    properties: {
      momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.99, description: 'momentum of the running averages' },
      epsilon: { type: 'number', exclusiveMinimum: 0, default: 0.001, description: 'added to the variance' },
    },
  },
  example: { spec: { momentum: 0.9 }, input: [4, 4, 3] },
  outputShape: (_spec, input) => input,
  build: (spec, input, ctx) => new BatchNorm(spec, input, ctx),
}, 'src/layers/batchnorm.ts');
