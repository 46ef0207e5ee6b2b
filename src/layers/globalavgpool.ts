/**
 * `globalavgpool`: the mean of each channel over the whole image, [h, w, c] to [c] (the head of
 * ResNet-style nets, in place of flatten); exports as itself (tf.layers.globalAveragePooling2d).
 */
import * as tf from '@tensorflow/tfjs';
import type { BuildContext, LayerEntry, Shape } from './layer.js';
import { StatelessLayer } from './stateless.js';
import { requireImage } from './geometry.js';

/** Averages every channel over height and width. */
export class GlobalAvgPool extends StatelessLayer {
  readonly type = 'globalavgpool';

  constructor(inputShape: Shape, ctx: BuildContext) {
    super(inputShape, [requireImage(inputShape, 'globalavgpool')[2]], ctx);
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.mean(x, [1, 2]);
  }
}

type Empty = Record<string, never>;

/** `globalavgpool`. */
export const globalavgpool: LayerEntry<Empty, Empty> = {
  schema: { description: 'the mean of each channel over height and width: [h, w, c] to [c]', properties: {} },
  example: { spec: {}, input: [4, 3, 5] },
  config: () => ({}),
  outputShape: (_c, input) => [requireImage(input, 'globalavgpool')[2]],
  build: (_c, input, ctx) => new GlobalAvgPool(input, ctx),
  export: { as: 'globalavgpool', config: () => ({}) },
  plain: {
    tfjs: (_p, common) => tf.layers.globalAveragePooling2d({ ...common, dataFormat: 'channelsLast' }),
    // Feature c of the output is channel c of the input, and the mean of zeros is zero.
    role: { kind: 'channels', effect: () => 'zero' },
    onnx: (_p, _params, graph) => {
      graph.toImage(graph.shape);
      graph.node('GlobalAveragePool', []);
      graph.node('Flatten', [], { axis: { int: 1 } }, 'flat'); // [N, C, 1, 1] -> [N, C]
    },
  },
};
