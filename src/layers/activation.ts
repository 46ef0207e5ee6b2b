/**
 * `activation`: a standalone activation function (e.g. relu after batchnorm); exports as itself
 * (tf.layers.activation).
 */
import * as tf from '@tensorflow/tfjs';
import type { BuildContext, LayerEntry, Shape } from './layer.js';
import { StatelessLayer } from './stateless.js';
import { activate, exactValue, ACTIVATION_NAMES } from './activations.js';

/** An activation layer's config (also its plain form). */
export interface ActivationConfig {
  activation: string;
}

/** Applies one activation function elementwise. */
export class Activation extends StatelessLayer {
  readonly type = 'activation';

  constructor(private readonly config: ActivationConfig, inputShape: Shape, ctx: BuildContext) {
    super(inputShape, inputShape, ctx);
  }

  apply(x: tf.Tensor): tf.Tensor {
    return activate(x, this.config.activation);
  }
}

/** `activation`. */
export const activation: LayerEntry<ActivationConfig, ActivationConfig> = {
  schema: {
    description: 'an activation function on its own',
    properties: { activation: { enum: ACTIVATION_NAMES, description: 'the function' } },
    required: ['activation'],
  },
  example: { spec: { activation: 'tanh' }, input: [5] },
  config: (spec) => ({ activation: (spec.activation as string | undefined) ?? 'linear' }),
  outputShape: (_c, input) => input,
  build: (c, input, ctx) => new Activation(c, input, ctx),
  export: { as: 'activation', config: (c) => ({ activation: c.activation }) },
  plain: {
    tfjs: (p, common) => tf.layers.activation({ ...common, activation: p.activation as Parameters<typeof tf.layers.activation>[0]['activation'] }),
    onnx: (p, _params, graph) => graph.activation(p.activation),
    role: { kind: 'channels', effect: (p) => (p.activation === 'softmax' ? 'mixed' : exactValue(p.activation, 0) === 0 ? 'zero' : 'value') },
  },
};
