/**
 * `avgpool`: 2-D average pooling over NHWC images (strides default to the pool size; with
 * 'same' padding the mean leaves the padding out, as tfjs does); exports as itself
 * (tf.layers.averagePooling2d).
 */
import * as tf from '@tensorflow/tfjs';
import { poolEntry } from './pooling.js';

/** `avgpool`. */
export const avgpool = poolEntry({
  type: 'avgpool',
  description: '2-D average pooling',
  example: { spec: { poolSize: 2, strides: 1, padding: 'same' }, input: [5, 4, 3] },
  op: (x, size, strides, padding) => tf.avgPool(x, size, strides, padding),
  // with 'same' padding the mean leaves the padding out, as in tfjs
  onnx: { op: 'AveragePool', attributes: { count_include_pad: { int: 0 } } },
  tfjsLayer: (args) => tf.layers.averagePooling2d(args),
});
