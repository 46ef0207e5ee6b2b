/**
 * `flatten`: reshapes each example to a vector (images to [h*w*c]).
 */
import * as tf from '@tensorflow/tfjs';
import { LAYERS } from '../registry/registries.js';
import type { BuildContext, Layer, Shape } from './layer.js';

/** Flattens every example to one dimension. */
export class Flatten implements Layer {
  readonly type = 'flatten';
  readonly name: string;
  readonly outputShape: Shape;
  readonly trainable: tf.Variable[] = [];
  readonly nonTrainable: tf.Variable[] = [];

  constructor(readonly inputShape: Shape, ctx: BuildContext) {
    this.name = ctx.name;
    this.outputShape = [inputShape.reduce((a, b) => a * b, 1)];
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0], this.outputShape[0]]);
  }
}

LAYERS.register('flatten', {
  schema: { description: 'flattens each example to a vector', properties: {} },
  example: { spec: {}, input: [3, 2, 2] },
  outputShape: (_spec, input) => [input.reduce((a, b) => a * b, 1)],
  build: (_spec, input, ctx) => new Flatten(input, ctx),
}, 'src/layers/flatten.ts');
