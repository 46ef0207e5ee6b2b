/**
 * Steps computed in micro-batches (training.microBatch, src/train/micro-batches.ts) against the
 * same step on the whole batch at once, from the same start:
 * - plain layers (no noise) with weight decay: the same update and stats, for even and uneven
 *   splits, on one thread and with 2 worker threads (weight decay counted once);
 * - Sparse VD layers: the KL's part of the gradient (the gradient at KL weight 0.7 minus the one
 *   at 0, with the same noise) is the whole batch's, so the KL is added once;
 * - batchnorm: the running mean follows the whole batch's mean (parts of equal size);
 * - no tensor leaked per step.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/select.js';
import type { LayerSpec } from '../src/config/types.js';
import { Model } from '../src/layers/model.js';
import { disposeBatch } from '../src/train/device-data.js';
import { GradientStep, TrainStep, type TrainStepRunner } from '../src/train/step.js';
import { disposeStats } from '../src/train/step-stats.js';
import { ParallelTrainStep } from '../src/train/parallel-step.js';
import { batchOf, disposeTwins, readStats, twins } from './helpers/step-twins.js';
import { PAPER_SPARSITY } from './helpers/layers.js';

const SPARSITY = { ...PAPER_SPARSITY, logSigma2Init: -4 };
const LOSS = { sparsity: SPARSITY, trainSize: 1000, weightDecay: 0.01 };
const KL_WEIGHT = 0.7;

const PLAIN: LayerSpec[] = [
  { type: 'conv2d', filters: 3, kernelSize: 3, activation: 'relu' },
  { type: 'maxpool', poolSize: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 6, activation: 'tanh' },
  { type: 'dense', units: 3 },
];

const SPARSE: LayerSpec[] = [
  { type: 'conv2d-svd', filters: 3, kernelSize: 3, activation: 'relu' },
  { type: 'flatten' },
  { type: 'dense', units: 6, activation: 'tanh' },
  { type: 'dense-svd', units: 3 },
];

const NORMALISED: LayerSpec[] = [
  { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'linear' },
  { type: 'batchnorm', momentum: 0.9 },
  { type: 'flatten' },
  { type: 'dense', units: 3 },
];

before(async () => {
  await selectBackend('wasm');
});

function assertSameModel(actual: Model, expected: Model, tol: number, names?: (name: string) => boolean): void {
  const e = [...expected.namedVariables()];
  const a = new Map([...actual.namedVariables()]);
  for (const [name, v] of e) {
    if (names && !names(name)) continue;
    const want = v.dataSync();
    const got = a.get(name)!.dataSync();
    for (let i = 0; i < want.length; i++) {
      const err = Math.abs(got[i] - want[i]) / Math.max(1e-3, Math.abs(want[i]));
      assert.ok(err <= tol, `${name}[${i}]: ${got[i]} vs ${want[i]} (relative error ${err})`);
    }
  }
}

/** Runs the same batches through `whole` and `split`, comparing stats and every variable after each step. */
function compareSteps(pair: ReturnType<typeof twins>, whole: TrainStepRunner, split: TrainStepRunner, sizes: number[]): void {
  for (const [i, rows] of sizes.entries()) {
    const batch = batchOf(pair.data, i * 7, rows);
    const sa = readStats(whole.run(batch, KL_WEIGHT));
    const sb = readStats(split.run(batch, KL_WEIGHT));
    disposeBatch(batch);
    assert.ok(Math.abs(sa[0] - sb[0]) <= 1e-4 * Math.abs(sa[0]), `nllSum ${sb[0]} vs ${sa[0]}`);
    assert.ok(Math.abs(sa[1] - sb[1]) <= 1e-5 * Math.abs(sa[1]), `kl ${sb[1]} vs ${sa[1]}`);
    assert.equal(sb[2], sa[2]);
    assertSameModel(pair.b.model, pair.a.model, 2e-3);
  }
}

test('micro-batches of 3 on one thread: the whole batch\'s update', () => {
  const pair = twins(PLAIN, SPARSITY);
  const whole = new TrainStep(pair.a.model, pair.a.optimizer, LOSS, () => 1);
  const split = new TrainStep(pair.b.model, pair.b.optimizer, LOSS, () => 1, 3);
  compareSteps(pair, whole, split, [10, 7, 10, 3, 1]);
  disposeTwins(pair);
});

test('micro-batches of 2 in each of 2 worker threads: the whole batch\'s update', async () => {
  const pair = twins(PLAIN, SPARSITY);
  const whole = new TrainStep(pair.a.model, pair.a.optimizer, LOSS, () => 1);
  const split = await ParallelTrainStep.create(pair.b.model, pair.b.optimizer, LOSS, () => 1, { workers: 2, backend: 'wasm', maxBatch: 10, model: pair.b.model.spec, numClasses: 3, microBatch: 2 });
  try {
    compareSteps(pair, whole, split, [10, 9, 10]);
  } finally {
    split.dispose();
  }
  disposeTwins(pair);
});

test('Sparse VD in micro-batches of 4: the KL enters the gradient once, as for the whole batch', () => {
  const pair = twins(SPARSE, SPARSITY);
  const wholeStep = new GradientStep(pair.a.model, LOSS, () => 1);
  const splitStep = new GradientStep(pair.a.model, LOSS, () => 1, 4);
  const batch = batchOf(pair.data, 0, 10);
  // the same seeds at both KL weights give the same noise, so the difference is the prior's gradient alone
  const prior = (step: GradientStep): Float32Array[] => {
    const at = (klWeight: number) => {
      const { stats, grads } = step.run(batch, klWeight);
      disposeStats(stats);
      const values = grads.map((g) => g.dataSync() as Float32Array);
      tf.dispose(grads);
      return values;
    };
    const on = at(KL_WEIGHT);
    const off = at(0);
    return on.map((g, i) => g.map((v, j) => v - off[i][j]));
  };
  const whole = prior(wholeStep);
  const split = prior(splitStep);
  disposeBatch(batch);
  const names = pair.a.model.trainable.map((v) => v.name);
  // theta and log sigma^2 of both Sparse VD layers have one; biases and the plain kernel none
  const withPrior = names.filter((_, i) => whole[i].some((v) => v !== 0));
  assert.equal(withPrior.length, 4, `the prior has gradients: ${withPrior.join(', ')}`);
  for (const [i, want] of whole.entries()) {
    const scale = Math.max(1e-12, ...want.map(Math.abs));
    for (let j = 0; j < want.length; j++) assert.ok(Math.abs(split[i][j] - want[j]) <= 1e-4 * scale, `${names[i]}[${j}]: ${split[i][j]} vs ${want[j]}`);
  }
  disposeTwins(pair);
});

test('batchnorm\'s running mean follows the whole batch\'s mean; no tensor leaked per step', () => {
  const pair = twins(NORMALISED, SPARSITY);
  const whole = new TrainStep(pair.a.model, pair.a.optimizer, { ...LOSS, weightDecay: 0 }, () => 1);
  const split = new TrainStep(pair.b.model, pair.b.optimizer, { ...LOSS, weightDecay: 0 }, () => 1, 5);
  let tensors = 0;
  for (let i = 0; i < 4; i++) {
    // the same weights before each step, so only the running statistics' rule differs
    for (const [name, v] of pair.a.model.namedVariables()) pair.b.model.namedVariables().get(name)!.assign(v);
    const batch = batchOf(pair.data, i * 5, 10);
    disposeStats(whole.run(batch, 0));
    disposeStats(split.run(batch, 0));
    disposeBatch(batch);
    assertSameModel(pair.b.model, pair.a.model, 1e-4, (name) => name.endsWith('movingMean'));
    if (i === 1) tensors = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, tensors);
  disposeTwins(pair);
});
