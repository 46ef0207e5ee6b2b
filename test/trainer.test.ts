/**
 * The trainer on a tiny synthetic dataset with a model that uses every registered layer type:
 * the live tensor count is the same after every step and every epoch, the same seed gives the same
 * metrics, and a checkpoint restores a model that evaluates identically.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { LAYERS, OPTIMIZERS } from '../src/registries.js';
import { selectBackend } from '../src/backends/select.js';
import type { ExperimentConfig, LayerSpec } from '../src/config/types.js';
import type { Dataset } from '../src/data/dataset.js';
import { Model } from '../src/layers/model.js';
import { RunRandom } from '../src/train/rng.js';
import { DeviceData } from '../src/train/device-data.js';
import { train, type EpochMetrics } from '../src/train/trainer.js';
import { evaluate } from '../src/train/evaluate.js';
import { loadLatestCheckpoint } from '../src/store/checkpoint.js';
import { restoreCheckpoint, saveCheckpoint } from '../src/experiment/checkpoint-state.js';
import { stepFor } from './helpers/training.js';
import { tempDir } from './helpers/cli.js';
import { syntheticDataset } from './helpers/synthetic.js';
import { PAPER_SPARSITY } from './helpers/layers.js';

const LAYERS_ALL: LayerSpec[] = [
  { type: 'conv2d-svd', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
  { type: 'batchnorm' },
  { type: 'maxpool', poolSize: 2 },
  { type: 'conv2d', filters: 4, kernelSize: 3 },
  { type: 'activation', activation: 'relu' },
  { type: 'dropout', rate: 0.2 },
  { type: 'flatten' },
  { type: 'dense', units: 8, activation: 'tanh' },
  { type: 'dense-svd', units: 3 },
];

function config(epochs: number): ExperimentConfig {
  return {
    name: 't', seed: 4, backend: 'wasm',
    data: { dataset: 'synthetic', normalize: 'none', batchSize: 10, trainLimit: null, testLimit: null, augment: null },
    model: { layers: LAYERS_ALL },
    sparsity: PAPER_SPARSITY,
    kl: { schedule: 'linear', start: 0, end: 2, weight: 1 },
    optimizer: { type: 'adam', lr: 0.01, schedule: { type: 'linear' } },
    training: { epochs, evalEvery: 1, checkpointEvery: 1, stepsPerEpoch: null },
    init: { from: null },
  };
}

/** Trains `cfg` from scratch; returns the metrics and the tensor counts after each step and epoch. */
async function runOnce(cfg: ExperimentConfig, dataset: Dataset) {
  const random = RunRandom.fromSeed(cfg.seed);
  const model = Model.build({ layers: cfg.model.layers, inputShape: dataset.inputShape, sparsity: cfg.sparsity, width: 1 }, random.init);
  const optimizer = OPTIMIZERS.get('adam').create(cfg.optimizer, cfg.optimizer.lr);
  const data = new DeviceData(dataset);
  const stepCounts: number[] = [];
  const epochCounts: number[] = [];
  const metrics: EpochMetrics[] = [];
  const step = await stepFor(cfg, model, optimizer, data, () => random);
  await train({
    config: cfg, model, optimizer, data, random, step, start: { epoch: 0, seconds: 0 },
    hooks: {
      onStep: () => stepCounts.push(tf.memory().numTensors),
      onEpochEnd: async (_p, m) => {
        epochCounts.push(tf.memory().numTensors);
        if (m) metrics.push(m);
      },
    },
  });
  step.dispose();
  return { model, optimizer, data, random, metrics, stepCounts, epochCounts };
}

before(async () => {
  await selectBackend('wasm');
});

test('the test model uses every layer type of the contract (test/registries.test.ts trains every registered one)', () => {
  const contract = ['activation', 'batchnorm', 'conv2d', 'conv2d-svd', 'dense', 'dense-svd', 'dropout', 'flatten', 'maxpool'];
  assert.deepEqual(new Set(LAYERS_ALL.map((l) => l.type)), new Set(contract));
  assert.deepEqual(contract.filter((type) => !LAYERS.has(type)), []);
});

test('no tensor leaks: the live tensor count is flat across steps and epochs', async () => {
  const r = await runOnce(config(3), syntheticDataset(40));
  // Adam creates its moment variables on the first step; from the second step on the count is flat
  assert.equal(new Set(r.stepCounts.slice(1)).size, 1, `tensors per step: ${r.stepCounts.join(',')}`);
  assert.equal(new Set(r.epochCounts).size, 1, `tensors per epoch: ${r.epochCounts.join(',')}`);
  r.model.dispose();
  r.optimizer.dispose();
  r.data.dispose();
});

test('the same seed gives the same metrics, another seed different ones', async () => {
  const strip = (ms: EpochMetrics[]) => ms.map(({ seconds: _s, ...rest }) => rest);
  const runs = [];
  for (const seed of [4, 4, 5]) {
    const r = await runOnce({ ...config(2), seed }, syntheticDataset(40));
    runs.push(strip(r.metrics));
    r.model.dispose();
    r.optimizer.dispose();
    r.data.dispose();
  }
  assert.deepEqual(runs[0], runs[1]);
  assert.notDeepEqual(runs[0], runs[2]);
});

test('a checkpoint round trip restores every variable: identical evaluation', async () => {
  const cfg = config(2);
  const dataset = syntheticDataset(40);
  const r = await runOnce(cfg, dataset);
  const dir = tempDir();
  await saveCheckpoint(dir, { epoch: 2, seconds: 1, rng: r.random.state(), variables: r.model.namedVariables(), optimizer: r.optimizer });
  const before = await evaluate(r.model, r.data, r.data.test, cfg.sparsity);

  const fresh = Model.build({ layers: cfg.model.layers, inputShape: dataset.inputShape, sparsity: cfg.sparsity, width: 1 }, RunRandom.fromSeed(99).init);
  const optimizer = OPTIMIZERS.get('adam').create(cfg.optimizer, cfg.optimizer.lr);
  const ckpt = loadLatestCheckpoint(dir);
  assert.ok(ckpt);
  assert.equal(ckpt.epoch, 2);
  await restoreCheckpoint(ckpt, fresh.namedVariables(), optimizer);
  assert.deepEqual(await evaluate(fresh, r.data, r.data.test, cfg.sparsity), before);
  assert.deepEqual((await optimizer.getWeights()).map((w) => w.tensor.shape), (await r.optimizer.getWeights()).map((w) => w.tensor.shape));
  for (const m of [r.model, fresh]) m.dispose();
  r.optimizer.dispose();
  optimizer.dispose();
  r.data.dispose();
});
