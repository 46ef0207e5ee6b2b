/**
 * A dataset moved onto the tfjs backend once, and minibatches gathered from it by index,
 * so a training step does no host-to-device copy of the whole batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset, Split } from '../data/dataset.js';
import type { Augmenter } from '../data/augment.js';

/** One split as tensors: images [n, h, w, c] and int32 labels [n]. */
export interface DeviceSplit {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  count: number;
}

/** A minibatch: images, int32 labels and one-hot labels. */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  oneHot: tf.Tensor2D;
}

/** Train, test and (when held out) validation splits on the backend. */
export class DeviceData {
  readonly train: DeviceSplit;
  readonly test: DeviceSplit;
  /** The validation split (`data.validation`), or null when the dataset has none. */
  readonly validation: DeviceSplit | null;

  /** @param augment applied to every training batch from `batch()` (data/augment.ts); null: none. */
  constructor(readonly dataset: Dataset, private readonly augment: Augmenter | null = null) {
    this.train = toDevice(dataset.train, dataset.inputShape);
    this.test = toDevice(dataset.test, dataset.inputShape);
    this.validation = dataset.validation ? toDevice(dataset.validation.split, dataset.inputShape) : null;
  }

  /** Gathers the examples at `indices` of `split`, augmented when it is the training split (caller disposes the batch). */
  batch(split: DeviceSplit, indices: Int32Array): Batch {
    return tf.tidy(() => {
      const idx = tf.tensor1d(indices, 'int32');
      const y = tf.gather(split.y, idx) as tf.Tensor1D;
      const x = tf.gather(split.x, idx) as tf.Tensor4D;
      return { x: this.augment && split === this.train ? this.augment(x) : x, y, oneHot: tf.oneHot(y, this.dataset.numClasses) as tf.Tensor2D };
    });
  }

  /** Contiguous batch [start, end) of `split`, for evaluation. */
  slice(split: DeviceSplit, start: number, end: number): Batch {
    return tf.tidy(() => {
      const y = tf.slice(split.y, [start], [end - start]) as tf.Tensor1D;
      return { x: tf.slice(split.x, [start, 0, 0, 0], [end - start, -1, -1, -1]) as tf.Tensor4D, y, oneHot: tf.oneHot(y, this.dataset.numClasses) as tf.Tensor2D };
    });
  }

  dispose(): void {
    tf.dispose([this.train.x, this.train.y, this.test.x, this.test.y, ...(this.validation ? [this.validation.x, this.validation.y] : [])]);
  }
}

/** Disposes every tensor of a batch. */
export function disposeBatch(b: Batch): void {
  tf.dispose([b.x, b.y, b.oneHot]);
}

function toDevice(split: Split, shape: [number, number, number]): DeviceSplit {
  return {
    x: tf.tensor4d(split.x, [split.count, ...shape]),
    y: tf.tensor1d(split.y, 'int32'),
    count: split.count,
  };
}
