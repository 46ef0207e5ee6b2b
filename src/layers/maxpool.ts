/**
 * `maxpool`: 2-D max pooling over NHWC images (strides default to the pool size); exports as
 * itself (tf.layers.maxPooling2d).
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerEntry } from './layer.js';
import { PoolLayer, poolConfig, poolOutputShape, poolSchema, type PoolConfig } from './pooling.js';

const schema = poolSchema('2-D max pooling');

/** `maxpool`. */
export const maxpool: LayerEntry<PoolConfig, PoolConfig> = {
  schema,
  example: { spec: { poolSize: 2 }, input: [6, 5, 3] },
  config: (spec) => poolConfig(schema, spec),
  outputShape: (c, input) => poolOutputShape(c, input, 'maxpool'),
  build: (c, input, ctx) => new PoolLayer('maxpool', c, (x, size, strides, padding) => tf.maxPool(x, size, strides, padding), input, ctx),
  export: { as: 'maxpool', config: (c) => c },
  plain: {
    tfjs: (p, common) => tf.layers.maxPooling2d({ ...common, poolSize: p.poolSize, strides: p.strides, padding: p.padding, dataFormat: 'channelsLast' }),
    role: { kind: 'channels', effect: () => 'zero' },
  },
};
