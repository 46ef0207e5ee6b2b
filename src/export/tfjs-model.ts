/**
 * A PlainNet as a stock tfjs LayersModel: a tf.sequential of the standard layers each plain
 * type's entry names (`plain.tfjs`: tf.layers.dense, conv2d, maxPooling2d, ...), named like the
 * run's layers (the preprocessing layers first, when the net has them), with the PlainNet's
 * parameters as its weights. Anyone can load what this saves
 * with `tf.loadLayersModel`; no svd code is needed.
 */
import * as tf from '@tensorflow/tfjs';
import { allLayers, plainFacet, type PlainNet } from './plain-net.js';

/** Builds the tfjs model of `net` and sets its weights (the caller disposes it). */
export function buildTfjsModel(net: PlainNet): tf.Sequential {
  const model = tf.sequential();
  const layers = allLayers(net);
  layers.forEach((layer, i) => {
    model.add(plainFacet(layer).tfjs(layer.config, { name: layer.name, ...(i === 0 ? { inputShape: net.inputShape } : {}) }));
  });
  for (const layer of layers) {
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
