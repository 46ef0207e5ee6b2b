/**
 * `flatten`: reshapes each example to a vector (images [h, w, c] to [h*w*c], channel fastest);
 * exports as itself (tf.layers.flatten).
 */
import * as tf from '@tensorflow/tfjs';
import type { BuildContext, LayerEntry, Shape } from './layer.js';
import { StatelessLayer } from './stateless.js';

/** Flattens every example to one dimension. */
export class Flatten extends StatelessLayer {
  readonly type = 'flatten';

  constructor(inputShape: Shape, ctx: BuildContext) {
    super(inputShape, [inputShape.reduce((a, b) => a * b, 1)], ctx);
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0], this.outputShape[0]]);
  }
}

type Empty = Record<string, never>;

/** `flatten`. */
export const flatten: LayerEntry<Empty, Empty> = {
  schema: { description: 'flattens each example to a vector', properties: {} },
  example: { spec: {}, input: [3, 2, 2] },
  config: () => ({}),
  outputShape: (_c, input) => [input.reduce((a, b) => a * b, 1)],
  build: (_c, input, ctx) => new Flatten(input, ctx),
  export: { as: 'flatten', config: () => ({}) },
  plain: {
    tfjs: (_p, common) => tf.layers.flatten(common),
    // Feature i of the output is channel i % c of the input: units stay apart.
    role: { kind: 'channels', effect: () => 'zero' },
    onnx: (_p, _params, graph) => graph.toFlat(),
  },
};
