/**
 * What the pictures of `svd report` and the run's snapshots show of each Sparse VD layer: its
 * weights theta and keep mask over the leading block of the kernel its entry names
 * (`snapshotBlock`: dense the first 100 x 100, conv the first 32 input channels and 64 filters),
 * and how many of the layer's weights are kept. The report's final pictures may ask for other
 * blocks (`blockOf`: the whole of a dense kernel).
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerPicture } from '../store/snapshots.js';
import { isSparse } from './layer.js';
import type { Model } from './model.js';
import { keepMaskOf, type PruneRule } from './sparsity.js';

/** Which leading block of a kernel of `shape` a picture holds, given the block its layer entry names. */
export type BlockChoice = (shape: number[], entryBlock: number[]) => number[];

/** The pictures' data of every Sparse VD layer of `model` under `rule` (reads tensors synchronously). */
export function layerPictures(model: Model, rule: PruneRule, blockOf: BlockChoice = (_, b) => b): LayerPicture[] {
  return model.blocks.flatMap(({ entry, layer }) => {
    if (!isSparse(layer)) return [];
    const shape = layer.theta.shape;
    const block = blockOf([...shape], entry.snapshotBlock?.(shape) ?? [...shape]);
    const [theta, keep, kept] = tf.tidy(() => {
      const keepAll = keepMaskOf(layer, rule);
      const begin = shape.map(() => 0);
      return [tf.slice(layer.theta, begin, block), tf.slice(keepAll, begin, block), tf.sum(keepAll)];
    });
    const picture: LayerPicture = {
      name: layer.name, type: layer.type, shape: [...shape], block,
      theta: Float32Array.from(theta.dataSync()), keep: Uint8Array.from(keep.dataSync()),
      size: layer.theta.size, kept: kept.dataSync()[0],
    };
    tf.dispose([theta, keep, kept]);
    return [picture];
  });
}
