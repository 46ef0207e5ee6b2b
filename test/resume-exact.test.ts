/**
 * Resuming is exact, in process, on a model with every layer type (noise, dropout, batchnorm):
 * a run stopped at an epoch boundary (as after a SIGKILL, from its last end-of-epoch checkpoint)
 * or in the middle of an epoch (a graceful stop's mid-epoch checkpoint) and resumed into a fresh
 * model and optimizer gives the same metrics, bit for bit, and the same final weights and
 * optimizer state as a run never stopped; with one training thread and with two. Also the
 * checkpoint pieces this relies on: Adam's accumulated beta powers, the random streams, the order
 * of checkpoint directories and the fallback past a broken or half-written one.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/select.js';
import type { ExperimentConfig, LayerSpec } from '../src/config/types.js';
import { Model } from '../src/layers/model.js';
import { RandomStream, RunRandom } from '../src/train/rng.js';
import { DeviceData } from '../src/train/device-data.js';
import type { EpochMetrics } from '../src/train/trainer.js';
import { checkpointDirName, loadLatestCheckpoint, readCheckpoint, removeLeftovers, type Checkpoint, type EpochPosition } from '../src/store/checkpoint.js';
import { restoreCheckpoint, saveCheckpoint } from '../src/experiment/checkpoint-state.js';
import { trainLeg } from './helpers/training.js';
import { tempDir } from './helpers/cli.js';
import { syntheticDataset } from './helpers/synthetic.js';
import { PAPER_SPARSITY } from './helpers/layers.js';

const LAYERS: LayerSpec[] = [
  { type: 'conv2d-svd', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
  { type: 'batchnorm' },
  { type: 'maxpool', poolSize: 2 },
  { type: 'dropout', rate: 0.2 },
  { type: 'flatten' },
  { type: 'dense', units: 8, activation: 'tanh' },
  { type: 'dense-svd', units: 3 },
];
const DATASET = syntheticDataset(60);

function config(workers: number): ExperimentConfig {
  return {
    name: 't', seed: 11, backend: 'wasm',
    data: { dataset: 'synthetic', normalize: 'none', batchSize: 4, trainLimit: null, testLimit: null, augment: null },
    model: { layers: LAYERS },
    sparsity: PAPER_SPARSITY,
    kl: { schedule: 'linear', start: 0, end: 2, weight: 1 },
    optimizer: { type: 'adam', lr: 0.01, schedule: { type: 'linear' } },
    training: { epochs: 3, evalEvery: 1, checkpointEvery: 1, stepsPerEpoch: null, workers },
    init: { from: null },
  };
}

/** What a (possibly resumed) training leg ends with. */
interface Leg {
  metrics: Array<Omit<EpochMetrics, 'seconds'>>;
  /** Every variable's and optimizer tensor's bytes at the end, and Adam's beta powers. */
  final: Map<string, Buffer>;
}

/**
 * Trains `cfg` from `checkpoint` (or from scratch), stopping after `stopAfter` steps in all when
 * given (test/helpers/training.ts); returns the metrics and either the final state or the stop's
 * checkpoint directory.
 */
async function leg(cfg: ExperimentConfig, checkpoint: Checkpoint | null, stopAfter: number | null, checkpoints: string): Promise<Leg & { stopped: string | null }> {
  const data = new DeviceData(DATASET);
  const { model, optimizer, metrics, stopped } = await trainLeg(cfg, data, checkpoints, checkpoint, stopAfter);
  try {
    return { metrics, final: stopped ? new Map() : await snapshot(model, optimizer), stopped };
  } finally {
    model.dispose();
    optimizer.dispose();
    data.dispose();
  }
}

async function snapshot(model: Model, optimizer: tf.Optimizer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const [name, v] of model.namedVariables()) out.set(name, Buffer.from((await v.data() as Float32Array).buffer));
  for (const [i, w] of (await optimizer.getWeights()).entries()) out.set(`optimizer:${i}`, Buffer.from(new Float32Array(await w.tensor.data() as ArrayLike<number>).buffer));
  const adam = optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
  out.set('accBeta', Buffer.from(new Float32Array([...await adam.accBeta1.data(), ...await adam.accBeta2.data()]).buffer));
  return out;
}

before(async () => {
  await selectBackend('wasm');
});

for (const workers of [1, 2]) {
  test(`stopped at an epoch boundary and mid-epoch, resumed: the same metrics and final state bit for bit (${workers} thread(s))`, async () => {
    const cfg = config(workers);
    const reference = await leg(cfg, null, null, tempDir());
    assert.equal(reference.metrics.length, 3);

    // A kill after epoch 1's checkpoint (and 2 steps into epoch 2, which are lost): resume from epoch 1.
    const killed = tempDir();
    const first = await leg(cfg, null, 17, killed);
    assert.ok(first.stopped);
    fs.rmSync(first.stopped, { recursive: true });
    const ckpt = loadLatestCheckpoint(killed)!;
    assert.deepEqual([ckpt.epoch, ckpt.within], [1, null]);
    const afterKill = await leg(cfg, ckpt, null, killed);
    assert.deepEqual([...first.metrics, ...afterKill.metrics], reference.metrics);
    assert.deepEqual(afterKill.final, reference.final);

    // Graceful stops in the middle of epochs 1 and 3, each resumed from its mid-epoch checkpoint.
    const graceful = tempDir();
    const a = await leg(cfg, null, 7, graceful);
    assert.equal(path.basename(a.stopped!), 'epoch-000000-step-000007');
    const b = await leg(cfg, loadLatestCheckpoint(graceful), 27, graceful);
    assert.equal(path.basename(b.stopped!), 'epoch-000002-step-000004');
    const c = await leg(cfg, loadLatestCheckpoint(graceful), null, graceful);
    assert.deepEqual([...a.metrics, ...b.metrics, ...c.metrics], reference.metrics);
    assert.deepEqual(c.final, reference.final);
  });
}

test('Adam: the checkpoint keeps beta1^t and beta2^t exactly (tfjs setWeights alone recomputes them with pow)', async () => {
  const v = tf.variable(tf.tensor1d([1, -2, 3]));
  const adam = tf.train.adam(0.1, 0.9, 0.999);
  for (let i = 0; i < 37; i++) adam.minimize(() => tf.sum(tf.square(tf.mul(v, i + 1))) as tf.Scalar, false, [v]);
  const dir = tempDir();
  await saveCheckpoint(dir, { epoch: 1, seconds: 0, rng: RunRandom.fromSeed(1).state(), variables: new Map([['x/v', v]]), optimizer: adam });
  const restored = tf.train.adam(0.1, 0.9, 0.999);
  await restoreCheckpoint(loadLatestCheckpoint(dir)!, new Map([['x/v', v]]), restored);
  const beta = (o: tf.AdamOptimizer) => [...(o as unknown as { accBeta1: tf.Variable }).accBeta1.dataSync(), ...(o as unknown as { accBeta2: tf.Variable }).accBeta2.dataSync()];
  assert.deepEqual(beta(restored), beta(adam));
  assert.equal(restored.iterations, 37);
});

test('random streams: a state restores the exact sequence; fromState does not consume the saved state', () => {
  const r = RunRandom.fromSeed(3);
  r.data.permutation(50);
  const state = r.state();
  const expected = [r.data.next(), r.noise.nextSeed(), r.init.next()];
  const again = RunRandom.fromState(state);
  assert.deepEqual([again.data.next(), again.noise.nextSeed(), again.init.next()], expected);
  const s1 = RandomStream.fromState(state.data).permutation(20);
  assert.deepEqual(RandomStream.fromState(state.data).permutation(20), s1);
});

test('checkpoint directories: mid-epoch ones sort between the epochs; a broken or half-written newest one is skipped', async () => {
  assert.equal(checkpointDirName(3), 'epoch-000003');
  assert.equal(checkpointDirName(3, 17), 'epoch-000003-step-000017');
  const dir = tempDir();
  const v = tf.variable(tf.tensor1d([1, 2]));
  const optimizer = tf.train.adam(0.1);
  const rng = RunRandom.fromSeed(1).state();
  const position: EpochPosition = { step: 5, dataStart: rng.data, nll: 1.5, kl: 2, correct: 3, examples: 50, seconds: 0.1 };
  await saveCheckpoint(dir, { epoch: 3, seconds: 1, rng, variables: new Map([['a/v', v]]), optimizer });
  await saveCheckpoint(dir, { epoch: 3, seconds: 2, rng, variables: new Map([['a/v', v]]), optimizer, within: position });
  const latest = loadLatestCheckpoint(dir)!;
  assert.deepEqual([path.basename(latest.dir), latest.epoch, latest.within], ['epoch-000003-step-000005', 3, position]);

  // A kill in the middle of writing epoch 4: its temporary directory is ignored, then cleaned up.
  fs.mkdirSync(path.join(dir, '.tmp-epoch-000004-12345'));
  fs.writeFileSync(path.join(dir, '.tmp-epoch-000004-12345', 'tensors.bin'), Buffer.alloc(3));
  assert.equal(path.basename(loadLatestCheckpoint(dir)!.dir), 'epoch-000003-step-000005');
  assert.deepEqual(removeLeftovers(dir), ['.tmp-epoch-000004-12345']);

  // A newest directory whose tensors.bin is damaged, with latest.json pointing at it: the one before is used.
  await saveCheckpoint(dir, { epoch: 4, seconds: 3, rng, variables: new Map([['a/v', v]]), optimizer });
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('epoch-')).sort(), ['epoch-000003-step-000005', 'epoch-000004'], 'two are kept');
  fs.truncateSync(path.join(dir, 'epoch-000004', 'tensors.bin'), 4);
  assert.throws(() => readCheckpoint(path.join(dir, 'epoch-000004')), /tensors\.bin has 4 bytes, expected 20/);
  assert.equal(path.basename(loadLatestCheckpoint(dir)!.dir), 'epoch-000003-step-000005');
  v.dispose();
  optimizer.dispose();
});
