/**
 * What the pictures of `svd report` and the run's snapshots show of each Sparse VD layer: its
 * weights theta and keep mask over the leading block of the kernel its entry names
 * (`snapshotBlock`: a dense kernel whole up to a million weights, else its first 100 x 100; conv
 * the first 32 input channels and 64 filters), and how many of the layer's weights are kept. A
 * snapshot leaves theta out where the report draws the block from its mask alone: a dense block
 * with a side of more than PICTURE_MAX_CELLS weights, drawn as blocks shaded by kept fraction.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerPicture } from '../store/snapshots.js';
import { isSparse } from './layer.js';
import type { Model } from './model.js';
import { keepMaskOf, type PruneRule } from './sparsity.js';
import { readAll } from '../backends/read.js';

/** Most cells along a side of a dense picture: a longer side is drawn in blocks of weights, from the mask alone. */
export const PICTURE_MAX_CELLS = 300;

/** Whether a picture of `block` is drawn from the mask alone (no theta needed). */
export function maskOnly(block: readonly number[]): boolean {
  return block.length === 2 && Math.max(...block) > PICTURE_MAX_CELLS;
}

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

/** The pictures a snapshot stores: `layerPictures` without theta where the picture needs only the mask. */
export async function snapshotPictures(model: Model, rule: PruneRule): Promise<LayerPicture[]> {
  return (await layerPictures(model, rule)).map((p) => (maskOnly(p.block) ? { ...p, theta: null } : p));
}
