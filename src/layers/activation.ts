/**
 * `activation`: a standalone activation function (e.g. relu after batchnorm).
 */
import type * as tf from '@tensorflow/tfjs';
import { LAYERS } from '../registry/registries.js';
import type { LayerSpec } from '../config/types.js';
import type { BuildContext, Layer, Shape } from './layer.js';
import { activate, ACTIVATION_NAMES } from './activations.js';

/** Applies one activation function elementwise. */
export class Activation implements Layer {
  readonly type = 'activation';
  readonly name: string;
  readonly outputShape: Shape;
  readonly trainable: tf.Variable[] = [];
  readonly nonTrainable: tf.Variable[] = [];

  constructor(readonly spec: LayerSpec, readonly inputShape: Shape, ctx: BuildContext) {
    this.name = ctx.name;
    this.outputShape = inputShape;
  }

  apply(x: tf.Tensor): tf.Tensor {
    return activate(x, this.spec.activation);
  }
}

LAYERS.register('activation', {
  schema: {
    description: 'an activation function on its own',
    properties: { activation: { enum: ACTIVATION_NAMES, description: 'the function' } },
    required: ['activation'],
  },
  example: { spec: { activation: 'tanh' }, input: [5] },
  outputShape: (_spec, input) => input,
  build: (spec, input, ctx) => new Activation(spec, input, ctx),
}, 'src/layers/activation.ts');
