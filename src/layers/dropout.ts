/**
 * `dropout`: binary (Bernoulli) dropout for the dense baselines; inverted scaling, so
 * evaluation is the identity. Exports as itself (tf.layers.dropout, the identity at inference).
 */
import * as tf from '@tensorflow/tfjs';
import type { BuildContext, ForwardContext, LayerEntry, Shape } from './layer.js';
import { StatelessLayer } from './stateless.js';

/** A dropout layer's config (also its plain form). */
export interface DropoutConfig {
  rate: number;
}

/** Zeroes each activation with probability `rate` while training, scaling the rest by 1/(1-rate). */
export class Dropout extends StatelessLayer {
  readonly type = 'dropout';

  constructor(private readonly config: DropoutConfig, inputShape: Shape, ctx: BuildContext) {
    super(inputShape, inputShape, ctx);
  }

  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const { rate } = this.config;
    if (!ctx.training || rate === 0) return x;
    const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', ctx.nextSeed()), rate), 'float32');
    return tf.mul(x, tf.div(keep, 1 - rate));
  }
}

/** `dropout`. */
export const dropout: LayerEntry<DropoutConfig, DropoutConfig> = {
  schema: {
    description: 'binary dropout (training only)',
    properties: { rate: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'probability of dropping a unit' } },
    required: ['rate'],
  },
  example: { spec: { rate: 0.5 }, input: [8] },
  config: (spec) => ({ rate: spec.rate as number }),
  outputShape: (_c, input) => input,
  build: (c, input, ctx) => new Dropout(c, input, ctx),
  export: { as: 'dropout', config: (c) => ({ rate: c.rate }) },
  plain: {
    tfjs: (p, common) => tf.layers.dropout({ ...common, rate: p.rate }),
    role: { kind: 'channels', effect: () => 'zero' },
    // the identity at inference: no node
    onnx: () => undefined,
  },
};
