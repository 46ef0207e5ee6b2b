/**
 * Training-time augmentation (`data.augment: {crop: P, flip: true}`), applied to each training
 * minibatch on the backend: pad every image by P zero pixels on each side and crop a random
 * H x W window back out (offsets 0..2P, uniform), and mirror it left-right with probability 1/2
 * (one gather of precomputed pixel indices).
 * Offsets and flips are drawn from the run's seeded data stream, so a run (and a resumed run) is
 * reproducible. Evaluation batches are never augmented.
 */
import * as tf from '@tensorflow/tfjs';
import type { DataConfig } from '../config/types.js';

/** Draws uniform floats in [0, 1): the run's data stream. */
export interface UniformSource {
  next(): number;
}

/** Maps a training batch [n, h, w, c] to its augmented version (inside the caller's tidy). */
export type Augmenter = (x: tf.Tensor4D) => tf.Tensor4D;

/** What one batch's draws decided, per image: crop offsets and whether it is mirrored. */
export interface AugmentDraws {
  dy: Int32Array;
  dx: Int32Array;
  flip: Uint8Array;
}

/**
 * The augmenter `augment` asks for, or null when it asks for nothing (null, crop 0 and no flip).
 * @param random called at each batch for the stream to draw from (it may be replaced on resume).
 */
export function makeAugmenter(augment: DataConfig['augment'], random: () => UniformSource): Augmenter | null {
  const crop = augment?.crop ?? 0;
  const flip = augment?.flip ?? false;
  if (crop === 0 && !flip) return null;
  return (x) => augmentBatch(x, drawAugment(x.shape[0], crop, flip, random()), crop);
}

/** Crop offsets (0..2*crop) and flips for `n` images, image by image from `random`. */
export function drawAugment(n: number, crop: number, flip: boolean, random: UniformSource): AugmentDraws {
  const draws = { dy: new Int32Array(n), dx: new Int32Array(n), flip: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    if (crop > 0) {
      draws.dy[i] = Math.floor(random.next() * (2 * crop + 1));
      draws.dx[i] = Math.floor(random.next() * (2 * crop + 1));
    }
    if (flip) draws.flip[i] = random.next() < 0.5 ? 1 : 0;
  }
  return draws;
}

/**
 * Applies `draws` to `x`: zero-pads by `crop`, then gathers every output pixel from its source
 * position in the padded images (mirrored columns for flipped images), so pixels are copied
 * exactly on every backend. (tf.image.cropAndResize is not used: the wasm backend of tfjs 4.22
 * ignores the box's left edge in 'nearest' mode.)
 */
export function augmentBatch(x: tf.Tensor4D, draws: AugmentDraws, crop: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [ph, pw] = [h + 2 * crop, w + 2 * crop];
  const index = new Int32Array(n * h * w);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < h; r++) {
      const rowBase = (i * ph + r + draws.dy[i]) * pw + draws.dx[i];
      const out = (i * h + r) * w;
      for (let col = 0; col < w; col++) index[out + col] = rowBase + (draws.flip[i] ? w - 1 - col : col);
    }
  }
  return tf.tidy(() => {
    const padded = crop > 0 ? tf.pad(x, [[0, 0], [crop, crop], [crop, crop], [0, 0]]) : x;
    const pixels = tf.reshape(padded, [n * ph * pw, c]);
    return tf.reshape(tf.gather(pixels, tf.tensor1d(index, 'int32')), [n, h, w, c]) as tf.Tensor4D;
  });
}
