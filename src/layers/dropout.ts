/**
 * `dropout`: binary (Bernoulli) dropout for the dense baselines; inverted scaling, so
 * evaluation is the identity.
 */
import * as tf from '@tensorflow/tfjs';
import { LAYERS } from '../registry/registries.js';
import type { LayerSpec } from '../config/types.js';
import type { BuildContext, ForwardContext, Layer, Shape } from './layer.js';

/** Zeroes each activation with probability `rate` while training, scaling the rest by 1/(1-rate). */
export class Dropout implements Layer {
  readonly type = 'dropout';
  readonly name: string;
  readonly outputShape: Shape;
  readonly trainable: tf.Variable[] = [];
  readonly nonTrainable: tf.Variable[] = [];
  private readonly rate: number;

  constructor(spec: LayerSpec, readonly inputShape: Shape, ctx: BuildContext) {
    this.name = ctx.name;
    this.outputShape = inputShape;
    this.rate = spec.rate as number;
  }

  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    if (!ctx.training || this.rate === 0) return x;
    const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', ctx.nextSeed()), this.rate), 'float32');
    return tf.mul(x, tf.div(keep, 1 - this.rate));
  }
}

LAYERS.register('dropout', {
  schema: {
    description: 'binary dropout (training only)',
    properties: { rate: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'probability of dropping a unit' } },
    required: ['rate'],
  },
  example: { spec: { rate: 0.5 }, input: [8] },
  outputShape: (_spec, input) => input,
  build: (spec, input, ctx) => new Dropout(spec, input, ctx),
}, 'src/layers/dropout.ts');
