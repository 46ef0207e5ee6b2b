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

  constructor(config: ReshapeConfig, inputShape: Shape, ctx: BuildContext) {
    super(inputShape, reshapeOutput(config, inputShape), ctx);
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0], ...this.outputShape]);
  }
}

/** `targetShape` with its -1 (if any) resolved, when it holds as many values as `input`. */
export function reshapeOutput(c: ReshapeConfig, input: Shape): Shape {
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const given = c.targetShape.filter((d) => d !== -1);
  const free = c.targetShape.length - given.length;
  const total = size(input);
  const fill = free === 1 && total % size(given) === 0 ? total / size(given) : -1;
  const shape = c.targetShape.map((d) => (d === -1 ? fill : d));
  if (free > 1 || size(shape) !== total || shape.some((d) => d < 1)) {
    throw new ShapeError(`reshape to [${c.targetShape.join(', ')}] cannot hold the ${total} values per example of the input [${input.join(', ')}]${free > 1 ? ' (at most one -1)' : ''}`);
  }
  return shape;
}

/** `reshape`. */
export const reshape: LayerEntry<ReshapeConfig, ReshapeConfig> = {
  schema: {
    description: 'gives each example another shape, values in the same order: a vector [n] or an image [height, width, channels]',
    properties: {
      targetShape: {
        anyOf: [
          { type: 'array', items: { type: 'integer', minimum: -1, not: { const: 0 } }, minItems: 1, maxItems: 1 },
          { type: 'array', items: { type: 'integer', minimum: -1, not: { const: 0 } }, minItems: 3, maxItems: 3 },
        ],
        description: 'the new per-example shape: [n] or [height, width, channels]; one size may be -1 (whatever the input\'s values make it)',
      },
    },
    required: ['targetShape'],
  },
  example: { spec: { targetShape: [2, 6, -1] }, input: [3, 4, 1] },
  config: (spec) => ({ targetShape: (spec.targetShape as number[]).map(Number) }),
  outputShape: reshapeOutput,
  build: (c, input, ctx) => new Reshape(c, input, ctx),
  // the plain form has its -1 resolved: stock tfjs reshape leaves a -1 undefined for the layers after it
  export: { as: 'reshape', config: (_c, layer) => ({ targetShape: [...layer.outputShape] }) },
  plain: {
    tfjs: (p, common) => tf.layers.reshape({ ...common, targetShape: p.targetShape }),
    // An image channel becomes other positions: nothing before it may be removed.
    role: { kind: 'channels', effect: () => 'mixed' },
    onnx: (p, _params, graph) => {
      const target = reshapeOutput(p, graph.shape);
      graph.toFlat();
      if (target.length === 3) graph.toImage(target);
    },
  },
};
