/**
 * Model.apply in inference (training false, nothing recording): each layer's output is freed once
 * the next layer has read it, so a pass holds about two layers' outputs at a time; the logits are
 * the ones a pass that keeps everything gives, and under a gradient tape everything is kept.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/select.js';
import type { LayerSpec } from '../src/config/types.js';
import { Model } from '../src/layers/model.js';
import { RunRandom } from '../src/train/rng.js';
import { PAPER_SPARSITY } from './helpers/layers.js';

const SPECS: LayerSpec[] = [
  { type: 'conv2d-svd', filters: 4, kernelSize: 3, padding: 'same' },
  { type: 'batchnorm' },
  { type: 'activation', activation: 'relu' },
  { type: 'maxpool' },
  { type: 'dropout', rate: 0.5 },
  { type: 'flatten' },
  { type: 'dense-svd', units: 6, activation: 'relu' },
  { type: 'dense', units: 3 },
];

before(async () => {
  await selectBackend('wasm');
});

test('an inference pass leaves only its output behind and gives the logits of a pass that keeps every layer output', async () => {
  const model = Model.build({ layers: SPECS, inputShape: [6, 6, 2], sparsity: PAPER_SPARSITY, width: 1 }, RunRandom.fromSeed(4).init);
  const ctx = { training: false, sparsity: PAPER_SPARSITY, nextSeed: () => 1 };
  const x = tf.randomUniform([5, 6, 6, 2], 0, 1, 'float32', 7);
  const before = tf.memory().numTensors;
  const logits = model.apply(x, ctx);
  assert.equal(tf.memory().numTensors - before, 1, 'only the logits are new');
  // a pass that keeps everything: the same model under a gradient tape
  const taped = tf.grad((input: tf.Tensor) => {
    const kept = model.apply(input, ctx);
    assert.deepEqual(Array.from(kept.dataSync()), Array.from(logits.dataSync()));
    return tf.sum(kept);
  })(x);
  assert.ok(taped.shape.length === 4, 'the gradient goes through every layer');
  tf.dispose([logits, taped, x]);
  model.dispose();
});
