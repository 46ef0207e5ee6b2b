/**
 * `maxpool`: 2-D max pooling over NHWC images (strides default to the pool size); exports as
 * itself (tf.layers.maxPooling2d).
 */
import * as tf from '@tensorflow/tfjs';
import { poolEntry } from './pooling.js';

/** `maxpool`. */
export const maxpool = poolEntry({
  type: 'maxpool',
  description: '2-D max pooling',
  example: { spec: { poolSize: 2 }, input: [6, 5, 3] },
  op: (x, size, strides, padding) => tf.maxPool(x, size, strides, padding),
  // padded positions never win the max, as in tfjs
  onnx: { op: 'MaxPool' },
  tfjsLayer: (args) => tf.layers.maxPooling2d(args),
});
