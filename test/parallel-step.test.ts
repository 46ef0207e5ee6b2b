/**
 * The data-parallel training step (src/train/parallel-step.ts) against the one-thread TrainStep:
 * - a model without noise or batchnorm: the same updates (within float rounding) from the same
 *   start, for even and odd batch splits;
 * - a Sparse VD model with dropout and batchnorm: the same updates as a one-thread reference
 *   that computes each part's gradient with that part's seeds, weights them by part size,
 *   averages the parts' batchnorm running statistics and applies one Adam step;
 * - the trainer with training.workers 2: the same seed gives the same metrics, no tensor leaks.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { OPTIMIZERS } from '../src/registries.js';
import { selectBackend } from '../src/backends/select.js';
import type { ExperimentConfig, LayerSpec } from '../src/config/types.js';
import { Model } from '../src/layers/model.js';
import { RunRandom } from '../src/train/rng.js';
import { DeviceData, disposeBatch, type Batch } from '../src/train/device-data.js';
import { GradientStep, TrainStep } from '../src/train/step.js';
import { disposeStats } from '../src/train/step-stats.js';
import { ParallelTrainStep } from '../src/train/parallel-step.js';
import { buildTrainStep } from '../src/experiment/build.js';
import { stepFor } from './helpers/training.js';
import { seedSequence, splitRows } from '../src/train/parallel-shared.js';
import { train, type EpochMetrics } from '../src/train/trainer.js';
import { syntheticDataset } from './helpers/synthetic.js';
import { batchOf, disposeTwins, readStats, twins } from './helpers/step-twins.js';
import { PAPER_SPARSITY } from './helpers/layers.js';

const PLAIN: LayerSpec[] = [
  { type: 'conv2d', filters: 3, kernelSize: 3, activation: 'relu' },
  { type: 'maxpool', poolSize: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 6, activation: 'tanh' },
  { type: 'dense', units: 3 },
];

const NOISY: LayerSpec[] = [
  { type: 'conv2d-svd', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' },
  { type: 'batchnorm', momentum: 0.9 },
  { type: 'maxpool', poolSize: 2 },
  { type: 'dropout', rate: 0.3 },
  { type: 'flatten' },
  { type: 'dense-svd', units: 5, activation: 'relu' },
  { type: 'dense-svd', units: 3 },
];

const SPARSITY = { ...PAPER_SPARSITY, logSigma2Init: -4 };
const TRAIN_SIZE = 1000;
const KL_WEIGHT = 0.7;
const LOSS = { sparsity: SPARSITY, trainSize: TRAIN_SIZE, weightDecay: 0 };

function config(layers: LayerSpec[], workers: number | null, epochs = 2): ExperimentConfig {
  return {
    name: 't', seed: 4, backend: 'wasm',
    data: { dataset: 'synthetic', normalize: 'none', batchSize: 10, trainLimit: null, testLimit: null, augment: null },
    model: { layers },
    sparsity: SPARSITY,
    kl: { schedule: 'linear', start: 0, end: 2, weight: 1 },
    optimizer: { type: 'adam', lr: 0.01, schedule: { type: 'linear' } },
    training: { epochs, evalEvery: 1, checkpointEvery: 1, stepsPerEpoch: null, workers },
    init: { from: null },
  };
}

/** Every variable of `model` by logical name, as plain arrays. */
function snapshot(model: Model): Map<string, Float32Array> {
  return new Map([...model.namedVariables()].map(([name, v]) => [name, v.dataSync() as Float32Array]));
}

function assertClose(actual: Map<string, Float32Array>, expected: Map<string, Float32Array>, tol: number): void {
  assert.deepEqual([...actual.keys()], [...expected.keys()]);
  for (const [name, e] of expected) {
    const a = actual.get(name)!;
    for (let i = 0; i < e.length; i++) {
      const err = Math.abs(a[i] - e[i]) / Math.max(1e-3, Math.abs(e[i]));
      assert.ok(err <= tol, `${name}[${i}]: ${a[i]} vs ${e[i]} (relative error ${err})`);
    }
  }
}

async function parallel(model: Model, optimizer: tf.Optimizer, nextSeed: () => number, maxBatch = 10): Promise<ParallelTrainStep> {
  return ParallelTrainStep.create(model, optimizer, LOSS, nextSeed, { workers: 2, backend: 'wasm', maxBatch, model: model.spec, numClasses: 3, microBatch: null });
}

before(async () => {
  await selectBackend('wasm');
});

test('splitRows: contiguous parts, as equal as possible', () => {
  assert.deepEqual(splitRows(10, 2), [{ start: 0, count: 5 }, { start: 5, count: 5 }]);
  assert.deepEqual(splitRows(7, 2), [{ start: 0, count: 4 }, { start: 4, count: 3 }]);
  assert.deepEqual(splitRows(1, 2), [{ start: 0, count: 1 }, { start: 1, count: 0 }]);
});

test('without noise or batchnorm, 2 workers give the one-thread updates', async () => {
  const pair = twins(PLAIN, SPARSITY);
  const { data, a, b } = pair;
  const single = new TrainStep(a.model, a.optimizer, LOSS, () => 1);
  const par = await parallel(b.model, b.optimizer, () => 1);
  try {
    for (const [i, rows] of [10, 7, 10, 1].entries()) {
      const batch = batchOf(data, i * 5, rows);
      const sa = readStats(single.run(batch, KL_WEIGHT));
      const sb = readStats(par.run(batch, KL_WEIGHT));
      disposeBatch(batch);
      assert.ok(Math.abs(sa[0] - sb[0]) <= 1e-4 * Math.abs(sa[0]), `nllSum ${sb[0]} vs ${sa[0]}`);
      assert.equal(sb[1], sa[1]);
      assert.equal(sb[2], sa[2]);
      assertClose(snapshot(b.model), snapshot(a.model), 1e-4);
      // The benchmark's breakdown of the step: every part timed (the worker had rows unless the batch was 1).
      const { mainPart, wait, apply, worker } = par.timings;
      assert.ok(mainPart > 0 && wait >= 0 && apply > 0 && (rows === 1 ? worker === 0 : worker > 0), JSON.stringify(par.timings));
    }
  } finally {
    par.dispose();
  }
  disposeTwins(pair);
});

test('with noise, dropout and batchnorm, 2 workers equal the per-part one-thread reference', async () => {
  const pair = twins(NOISY, SPARSITY);
  const { data, a, b } = pair;
  const seedsA = RunRandom.fromSeed(11).noise;
  const seedsB = RunRandom.fromSeed(11).noise;
  const par = await parallel(b.model, b.optimizer, () => seedsB.nextSeed());

  // The reference: each part on the one model, from the same variables, with the part's seeds.
  let partSeeds: () => number = () => 1;
  const partStep = new GradientStep(a.model, LOSS, () => partSeeds());
  const trainable = new Set(a.model.trainable);
  const others = [...a.model.namedVariables().values()].filter((v) => !trainable.has(v));
  const reference = (batch: Batch): number[] => {
    const n = batch.x.shape[0];
    const parts = splitRows(n, 2);
    const seeds = parts.map(() => seedsA.nextSeed());
    const start = others.map((v) => tf.clone(v));
    const sum: tf.Tensor[] = a.model.trainable.map((v) => tf.zerosLike(v));
    const runningSum: tf.Tensor[] = others.map((v) => tf.zerosLike(v));
    const stats = [0, 0, 0];
    for (const [p, part] of parts.entries()) {
      if (part.count === 0) continue;
      others.forEach((v, i) => v.assign(start[i]));
      partSeeds = seedSequence(seeds[p]);
      const pb = tf.tidy(() => ({
        x: tf.slice(batch.x, part.start, part.count) as tf.Tensor4D,
        y: tf.slice(batch.y, part.start, part.count) as tf.Tensor1D,
        oneHot: tf.slice(batch.oneHot, part.start, part.count) as tf.Tensor2D,
      }));
      const { stats: partStats, grads } = partStep.run(pb, KL_WEIGHT);
      const s = readStats(partStats);
      disposeBatch(pb);
      stats[0] += s[0];
      stats[1] = p === 0 ? s[1] : stats[1];
      stats[2] += s[2];
      const w = part.count / n;
      grads.forEach((g, i) => {
        const next = tf.tidy(() => tf.add(sum[i], tf.mul(g, w)));
        sum[i].dispose();
        sum[i] = next;
      });
      tf.dispose(grads);
      others.forEach((v, i) => {
        const next = tf.tidy(() => tf.add(runningSum[i], tf.mul(v, w)));
        runningSum[i].dispose();
        runningSum[i] = next;
      });
    }
    others.forEach((v, i) => v.assign(runningSum[i]));
    a.optimizer.applyGradients(Object.fromEntries(a.model.trainable.map((v, i) => [v.name, sum[i]])));
    tf.dispose([...start, ...sum, ...runningSum]);
    return stats;
  };

  try {
    for (const [i, rows] of [10, 7, 10].entries()) {
      const batch = batchOf(data, i * 4, rows);
      const expected = reference(batch);
      const actual = readStats(par.run(batch, KL_WEIGHT));
      disposeBatch(batch);
      assert.ok(Math.abs(actual[0] - expected[0]) <= 1e-4 * Math.abs(expected[0]), `nllSum ${actual[0]} vs ${expected[0]}`);
      assert.ok(Math.abs(actual[1] - expected[1]) <= 1e-4 * Math.abs(expected[1]), `kl ${actual[1]} vs ${expected[1]}`);
      assert.equal(actual[2], expected[2]);
      assertClose(snapshot(b.model), snapshot(a.model), 1e-3);
    }
  } finally {
    par.dispose();
  }
  disposeTwins(pair);
});

test('the step refuses a batch larger than it was set up for', async () => {
  const { data, a } = twins(PLAIN, SPARSITY);
  const par = await parallel(a.model, a.optimizer, () => 1, 4);
  const batch = batchOf(data, 0, 10);
  assert.throws(() => par.run(batch, 1), /larger than/);
  disposeBatch(batch);
  par.dispose();
  a.model.dispose();
  a.optimizer.dispose();
  data.dispose();
});

test('a worker thread that is gone makes the step fail with E_TRAIN instead of waiting', async () => {
  const { data, a } = twins(PLAIN, SPARSITY);
  const par = await parallel(a.model, a.optimizer, () => 1);
  const { worker } = (par as unknown as { handles: Array<{ worker: import('node:worker_threads').Worker }> }).handles[0];
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  await worker.terminate();
  await exited;
  const batch = batchOf(data, 0, 10);
  const live = tf.memory().numTensors;
  assert.throws(() => par.run(batch, 1), (err: unknown) => (err as { code?: string }).code === 'E_TRAIN');
  assert.equal(tf.memory().numTensors, live);
  disposeBatch(batch);
  par.dispose();
  a.model.dispose();
  a.optimizer.dispose();
  data.dispose();
});

/** Trains `cfg` on 40 synthetic examples; returns the metrics and the tensor counts after each step. */
async function runTrainer(cfg: ExperimentConfig) {
  const dataset = syntheticDataset(40);
  const random = RunRandom.fromSeed(cfg.seed);
  const model = Model.build({ layers: cfg.model.layers, inputShape: dataset.inputShape, sparsity: cfg.sparsity, width: 1 }, random.init);
  const optimizer = OPTIMIZERS.get('adam').create(cfg.optimizer, cfg.optimizer.lr);
  const data = new DeviceData(dataset);
  const metrics: EpochMetrics[] = [];
  const counts: number[] = [];
  const step = await stepFor(cfg, model, optimizer, data, () => random);
  await train({
    config: cfg, model, optimizer, data, random, step, start: { epoch: 0, seconds: 0 },
    hooks: { onStep: () => counts.push(tf.memory().numTensors), onEpochEnd: async (_p, m) => void (m && metrics.push(m)) },
  });
  step.dispose();
  model.dispose();
  optimizer.dispose();
  data.dispose();
  return { metrics: metrics.map(({ seconds: _s, ...rest }) => rest), counts };
}

test('trainer with training.workers 2: same seed, same metrics; no tensor leaks', async () => {
  const before = tf.memory().numTensors;
  const r1 = await runTrainer(config(NOISY, 2, 3));
  const r2 = await runTrainer(config(NOISY, 2, 3));
  assert.deepEqual(r1.metrics, r2.metrics);
  assert.equal(new Set(r1.counts.slice(1)).size, 1, `tensors per step: ${r1.counts.join(',')}`);
  assert.equal(tf.memory().numTensors, before);
  const single = await runTrainer(config(NOISY, 1, 3));
  assert.notDeepEqual(single.metrics, r1.metrics); // another noise draw (documented)
});

test('buildTrainStep: training.workers 1 is the one-thread TrainStep', async () => {
  const { data, a } = twins(PLAIN, SPARSITY);
  const step = await buildTrainStep(config(PLAIN, 1), {
    model: a.model, optimizer: a.optimizer, workers: 1, backend: 'wasm', trainSize: TRAIN_SIZE, numClasses: 3, nextSeed: () => 1,
  });
  assert.ok(step instanceof TrainStep);
  assert.equal(step.workers, 1);
  const batch = batchOf(data, 0, 10);
  disposeStats(step.run(batch, 1));
  disposeBatch(batch);
  step.dispose();
  a.model.dispose();
  a.optimizer.dispose();
  data.dispose();
});
