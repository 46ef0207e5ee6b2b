/**
 * A PlainNet as a stock tfjs LayersModel: a tf.sequential of standard layers (dense, conv2d,
 * maxPooling2d, flatten, batchNormalization, dropout, activation) named like the run's layers,
 * with the PlainNet's parameters as its weights. Anyone can load what this saves with
 * `tf.loadLayersModel`; no svd code is needed.
 */
import * as tf from '@tensorflow/tfjs';
import type { PlainLayer, PlainNet } from './plain-net.js';

type Activation = Parameters<typeof tf.layers.dense>[0]['activation'];

/** Builds the tfjs model of `net` and sets its weights (the caller disposes it). */
export function buildTfjsModel(net: PlainNet): tf.Sequential {
  const model = tf.sequential();
  net.layers.forEach((layer, i) => {
    model.add(tfjsLayer(layer, i === 0 ? net.inputShape : undefined));
  });
  for (const layer of net.layers) {
    if (layer.params.length === 0) continue;
    const tensors = layer.params.map((p) => tf.tensor(p.values, p.shape, 'float32'));
    try {
      model.getLayer(layer.name).setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }
  return model;
}

/** The standard tfjs layer for one plain layer; the first one gets the input shape. */
function tfjsLayer(layer: PlainLayer, inputShape: number[] | undefined): tf.layers.Layer {
  const common = { name: layer.name, ...(inputShape ? { inputShape } : {}) };
  switch (layer.type) {
    case 'dense':
      return tf.layers.dense({ ...common, units: layer.config.units, activation: layer.config.activation as Activation, useBias: layer.config.useBias });
    case 'conv2d':
      return tf.layers.conv2d({
        ...common, filters: layer.config.filters, kernelSize: layer.config.kernelSize, strides: layer.config.strides,
        padding: layer.config.padding, activation: layer.config.activation as Activation, useBias: layer.config.useBias, dataFormat: 'channelsLast',
      });
    case 'maxpool':
      return tf.layers.maxPooling2d({ ...common, poolSize: layer.config.poolSize, strides: layer.config.strides, padding: layer.config.padding, dataFormat: 'channelsLast' });
    case 'flatten':
      return tf.layers.flatten(common);
    case 'batchnorm':
      return tf.layers.batchNormalization({ ...common, axis: -1, momentum: layer.config.momentum, epsilon: layer.config.epsilon, center: true, scale: true });
    case 'dropout':
      return tf.layers.dropout({ ...common, rate: layer.config.rate });
    case 'activation':
      return tf.layers.activation({ ...common, activation: layer.config.activation as NonNullable<Activation> });
  }
}
