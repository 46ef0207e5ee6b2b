/**
 * `avgpool`: 2-D average pooling over NHWC images (strides default to the pool size; with
 * 'same' padding the mean leaves the padding out, as tfjs does); exports as itself
 * (tf.layers.averagePooling2d).
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerEntry } from './layer.js';
import { PoolLayer, poolConfig, poolOutputShape, poolSchema, type PoolConfig } from './pooling.js';

const schema = poolSchema('2-D average pooling');

/** `avgpool`. */
export const avgpool: LayerEntry<PoolConfig, PoolConfig> = {
  schema,
  example: { spec: { poolSize: 2, strides: 1, padding: 'same' }, input: [5, 4, 3] },
  config: (spec) => poolConfig(schema, spec),
  outputShape: (c, input) => poolOutputShape(c, input, 'avgpool'),
  build: (c, input, ctx) => new PoolLayer('avgpool', c, (x, size, strides, padding) => tf.avgPool(x, size, strides, padding), input, ctx),
  export: { as: 'avgpool', config: (c) => c },
  plain: {
    tfjs: (p, common) => tf.layers.averagePooling2d({ ...common, poolSize: p.poolSize, strides: p.strides, padding: p.padding, dataFormat: 'channelsLast' }),
    role: { kind: 'channels', effect: () => 'zero' },
  },
};
