/**
 * A training step's gradient computed over micro-batches: the batch is cut into consecutive
 * parts of at most `size` examples, each part's pass runs on its own (so only one part's
 * activations are alive at a time), and the gradients are summed with each part's data term
 * weighted by its share of the batch, which is the whole batch's gradient. The KL and weight decay
 * are added once, in the first part. Layer state that a training pass updates (batchnorm's
 * running averages) starts every part from the step's value and ends as the share-weighted average
 * of the parts' updates, as the data-parallel step does with its worker parts. Batchnorm
 * normalises each part with its own statistics, and the noise is drawn per part.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../layers/model.js';
import { disposeBatch, type Batch } from './device-data.js';
import type { StepStats } from './step.js';

/** A pass's figures and gradients (in the model's trainable order); the caller disposes both. */
export interface Gradients {
  stats: StepStats;
  grads: tf.Tensor[];
}

/** One pass over `part`, which is `share` of the batch; `first`: the pass that adds the KL and weight decay. */
export type PartPass = (part: Batch, share: number, first: boolean) => Gradients;

/** Rows [begin, begin + count) of a tensor whose first axis is the example. */
function rows(t: tf.Tensor, begin: number, count: number): tf.Tensor {
  return tf.slice(t, [begin, ...t.shape.slice(1).map(() => 0)], [count, ...t.shape.slice(1).map(() => -1)]);
}

/** `a + b`, disposing both. */
function addInto(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const sum = tf.add(a, b);
  a.dispose();
  b.dispose();
  return sum;
}

/** The gradient and stats of `batch` from passes over parts of at most `size` examples. */
export function accumulateMicroBatches(batch: Batch, size: number, model: Model, pass: PartPass): Gradients {
  const total = batch.y.shape[0];
  const state = model.layers.flatMap((l) => l.nonTrainable);
  const start: tf.Tensor[] = state.map((v) => tf.clone(v));
  const drift: tf.Tensor[] = state.map((v) => tf.zerosLike(v));
  let result: Gradients | null = null;
  try {
    for (let begin = 0; begin < total; begin += size) {
      const count = Math.min(size, total - begin);
      const share = count / total;
      if (begin > 0) state.forEach((v, i) => v.assign(start[i]));
      const part: Batch = { x: rows(batch.x, begin, count) as Batch['x'], y: rows(batch.y, begin, count) as Batch['y'], oneHot: rows(batch.oneHot, begin, count) as Batch['oneHot'] };
      const r = pass(part, share, begin === 0);
      disposeBatch(part);
      state.forEach((v, i) => {
        drift[i] = addInto(drift[i], tf.tidy(() => tf.mul(tf.sub(v, start[i]), share)));
      });
      if (result === null) {
        result = r;
      } else {
        const acc: Gradients = result;
        acc.grads = acc.grads.map((g, i) => addInto(g, r.grads[i]));
        acc.stats = { nllSum: addInto(acc.stats.nllSum, r.stats.nllSum) as tf.Scalar, kl: acc.stats.kl, correct: addInto(acc.stats.correct, r.stats.correct) as tf.Scalar };
        r.stats.kl.dispose();
      }
    }
    state.forEach((v, i) => {
      const value = tf.add(start[i], drift[i]);
      v.assign(value);
      value.dispose();
    });
    return result!;
  } finally {
    tf.dispose([...start, ...drift]);
  }
}
