/**
 * The validation split (`data.validation`): examples held out from the training set (after
 * `trainLimit`), chosen by a permutation seeded from the run's seed, so the same config always
 * holds out the same examples. A whole number N >= 1 holds out N examples; a fraction in (0, 1)
 * holds out that share (rounded, at least 1). The rest stay the training set in their order, and
 * N of the SGVLB becomes their count. Normalization statistics were taken over the whole
 * training set before the hold-out (images only, never labels).
 */
import seedrandom from 'seedrandom';
import { SvdError } from '../errors.js';
import type { Dataset, Split, ValidationSplit } from './dataset.js';

export type { ValidationSplit } from './dataset.js';

/** How many of `trainCount` examples `spec` holds out (E_CONFIG_CHECK naming data.validation when too many). */
export function validationCount(spec: number, trainCount: number, batchSize: number): number {
  const count = Number.isInteger(spec) && spec >= 1 ? spec : Math.max(1, Math.round(spec * trainCount));
  if (!(spec > 0) || trainCount - count < batchSize) {
    throw new SvdError('E_CONFIG_CHECK', `holds out ${count} of the ${trainCount} training examples, leaving ${trainCount - count}: fewer than one batch (data.batchSize ${batchSize}); give a smaller count or fraction`, { path: 'data.validation' });
  }
  return count;
}

/** The `count` indices of 0..n-1 that `seed` selects, ascending. */
export function validationIndices(n: number, count: number, seed: number): Int32Array {
  const random = seedrandom(`svd-validation-${seed}`);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  // A partial Fisher-Yates shuffle: the first `count` places are a uniform sample.
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order.subarray(0, count).slice().sort();
}

/** `dataset` with `spec` (null: none) of its training examples moved into `validation`. */
export function holdOutValidation(dataset: Dataset, spec: number | null | undefined, seed: number, batchSize: number): Dataset {
  if (spec === null || spec === undefined) return dataset;
  const { train } = dataset;
  const count = validationCount(spec, train.count, batchSize);
  const indices = validationIndices(train.count, count, seed);
  const held = new Uint8Array(train.count);
  for (const i of indices) held[i] = 1;
  const rest = Int32Array.from({ length: train.count }, (_, i) => i).filter((i) => !held[i]);
  return { ...dataset, train: pick(train, rest), validation: { split: pick(train, indices), indices, from: train.count, seed } };
}

/** The examples of `split` at `indices`, in that order. */
function pick(split: Split, indices: Int32Array): Split {
  const size = split.x.length / Math.max(1, split.count);
  const x = new Float32Array(indices.length * size);
  const y = new Int32Array(indices.length);
  indices.forEach((from, to) => {
    x.set(split.x.subarray(from * size, (from + 1) * size), to * size);
    y[to] = split.y[from];
  });
  return { x, y, count: indices.length };
}

/** What validation.json records of a hold-out: how many of how many, the seed, and which. */
export function validationRecord(v: ValidationSplit): { count: number; from: number; seed: number; indices: number[] } {
  return { count: v.split.count, from: v.from, seed: v.seed, indices: Array.from(v.indices) };
}
