/**
 * `reshape`: gives each example another shape with the same values in the same (tfjs, NHWC)
 * order: a vector to an image [h, w, c] or an image to a vector. svd's exports start with it
 * when they carry the run's input normalization (src/export/preprocess.ts). Exports as itself
 * (tf.layers.reshape).
 */
import * as tf from '@tensorflow/tfjs';
import type { BuildContext, LayerEntry, Shape } from './layer.js';
import { ShapeError } from './layer.js';
import { StatelessLayer } from './stateless.js';

/** A reshape layer's config (also its plain form). */
export interface ReshapeConfig {
  targetShape: number[];
}

/** Reshapes every example to `targetShape`. */
export class Reshape extends StatelessLayer {
  readonly type = 'reshape';

  constructor(private readonly config: ReshapeConfig, inputShape: Shape, ctx: BuildContext) {
    super(inputShape, reshapeOutput(config, inputShape), ctx);
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0], ...this.config.targetShape]);
  }
}

/** `targetShape`, when it holds as many values as `input`. */
function reshapeOutput(c: ReshapeConfig, input: Shape): Shape {
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  if (size(c.targetShape) !== size(input)) throw new ShapeError(`reshape to [${c.targetShape.join(', ')}] needs ${size(c.targetShape)} values per example, the input [${input.join(', ')}] has ${size(input)}`);
  return [...c.targetShape];
}

/** `reshape`. */
export const reshape: LayerEntry<ReshapeConfig, ReshapeConfig> = {
  schema: {
    description: 'gives each example another shape, values in the same order: a vector [n] or an image [height, width, channels]',
    properties: {
      targetShape: {
        anyOf: [
          { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 1 },
          { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 3, maxItems: 3 },
        ],
        description: 'the new per-example shape: [n] or [height, width, channels]',
      },
    },
    required: ['targetShape'],
  },
  example: { spec: { targetShape: [2, 6, 1] }, input: [3, 4, 1] },
  config: (spec) => ({ targetShape: (spec.targetShape as number[]).map(Number) }),
  outputShape: reshapeOutput,
  build: (c, input, ctx) => new Reshape(c, input, ctx),
  export: { as: 'reshape', config: (c) => ({ targetShape: [...c.targetShape] }) },
  plain: {
    tfjs: (p, common) => tf.layers.reshape({ ...common, targetShape: p.targetShape }),
    // An image channel becomes other positions: nothing before it may be removed.
    role: { kind: 'channels', effect: () => 'mixed' },
    onnx: (p, _params, graph) => {
      graph.toFlat();
      if (p.targetShape.length === 3) graph.toImage(p.targetShape);
    },
  },
};
