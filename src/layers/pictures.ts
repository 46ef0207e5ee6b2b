/**
 * What the pictures of `svd report` and the run's snapshots show of each Sparse VD layer: its
 * weights theta and keep mask over the leading block of the kernel its entry names
 * (`snapshotBlock`: dense the first 100 x 100, conv the first 32 input channels and 64 filters),
 * and how many of the layer's weights are kept.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerPicture } from '../store/snapshots.js';
import { isSparse } from './layer.js';
import type { Model } from './model.js';
import { keepMaskOf, type PruneRule } from './sparsity.js';
import { readAll } from '../backends/read.js';

/** The pictures' data of every Sparse VD layer of `model` under `rule` (asynchronous reads). */
export async function layerPictures(model: Model, rule: PruneRule): Promise<LayerPicture[]> {
  const pictures: LayerPicture[] = [];
  for (const { entry, layer } of model.blocks) {
    if (!isSparse(layer)) continue;
    const shape = layer.theta.shape;
    const block = entry.snapshotBlock?.(shape) ?? [...shape];
    const [theta, keep, kept] = tf.tidy(() => {
      const keepAll = keepMaskOf(layer, rule);
      const begin = shape.map(() => 0);
      return [tf.slice(layer.theta, begin, block), tf.slice(keepAll, begin, block), tf.sum(keepAll)];
    });
    try {
      const [thetaValues, keepValues, keptValue] = await readAll([theta, keep, kept]);
      pictures.push({
        name: layer.name, type: layer.type, shape: [...shape], block,
        theta: Float32Array.from(thetaValues), keep: Uint8Array.from(keepValues),
        size: layer.theta.size, kept: keptValue[0],
      });
    } finally {
      tf.dispose([theta, keep, kept]);
    }
  }
  return pictures;
}
