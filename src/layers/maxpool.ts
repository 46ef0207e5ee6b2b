/**
 * `maxpool`: 2-D max pooling over NHWC images (strides default to the pool size).
 */
import * as tf from '@tensorflow/tfjs';
import { LAYERS } from '../registry/registries.js';
import type { LayerSpec } from '../config/types.js';
import { ShapeError, type BuildContext, type Layer, type Shape } from './layer.js';
import { paddingProperty, sizePairProperty } from './schema-parts.js';
import { pair, requireImage, windowOutput } from './variables.js';

const geometry = (spec: LayerSpec) => {
  const pool = pair(spec.poolSize, 2);
  return { pool, strides: spec.strides === undefined ? pool : pair(spec.strides, 1), padding: (spec.padding as 'valid' | 'same' | undefined) ?? 'valid' };
};

const outputShape = (spec: LayerSpec, input: Shape): Shape => {
  const [h, w, c] = requireImage(input, 'maxpool');
  const g = geometry(spec);
  const oh = windowOutput(h, g.pool[0], g.strides[0], g.padding);
  const ow = windowOutput(w, g.pool[1], g.strides[1], g.padding);
  if (oh < 1 || ow < 1) throw new ShapeError(`pool ${g.pool.join('x')} does not fit input ${h}x${w}`);
  return [oh, ow, c];
};

/** Max pooling. */
export class MaxPool implements Layer {
  readonly type = 'maxpool';
  readonly name: string;
  readonly outputShape: Shape;
  readonly trainable: tf.Variable[] = [];
  readonly nonTrainable: tf.Variable[] = [];
  private readonly geometry: ReturnType<typeof geometry>;

  constructor(spec: LayerSpec, readonly inputShape: Shape, ctx: BuildContext) {
    this.name = ctx.name;
    this.outputShape = outputShape(spec, inputShape);
    this.geometry = geometry(spec);
  }

  apply(x: tf.Tensor): tf.Tensor {
    const g = this.geometry;
    return tf.maxPool(x as tf.Tensor4D, g.pool, g.strides, g.padding);
  }
}

LAYERS.register('maxpool', {
  schema: {
    description: '2-D max pooling',
    properties: {
      poolSize: sizePairProperty('window height and width', 2),
      strides: sizePairProperty('stride (defaults to the pool size)'),
      padding: paddingProperty,
    },
  },
  example: { spec: { poolSize: 2 }, input: [6, 5, 3] },
  outputShape,
  build: (spec, input, ctx) => new MaxPool(spec, input, ctx),
}, 'src/layers/maxpool.ts');
