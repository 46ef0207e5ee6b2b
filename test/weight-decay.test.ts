/**
 * `optimizer.weightDecay`: an L2 penalty weightDecay/2 * sum w^2 on plain kernels only (not
 * biases, batchnorm or Sparse VD variables), whose gradient is weightDecay * w; the training
 * step adds it to the loss.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/select.js';
import { Model } from '../src/layers/model.js';
import { RunRandom } from '../src/train/rng.js';
import { decayedVariables, withWeightDecay } from '../src/train/weight-decay.js';
import { TrainStep } from '../src/train/step.js';
import { disposeStats } from '../src/train/step-stats.js';
import { PAPER_SPARSITY } from './helpers/layers.js';

before(async () => {
  await selectBackend('wasm');
});

function model(): Model {
  return Model.build({ layers: [
    { type: 'conv2d', name: 'c', filters: 2, kernelSize: 3 },
    { type: 'batchnorm', name: 'bn' },
    { type: 'flatten' },
    { type: 'dense', name: 'd', units: 4 },
    { type: 'dense-svd', name: 's', units: 3 },
  ], inputShape: [4, 4, 1], sparsity: PAPER_SPARSITY, width: 1 }, RunRandom.fromSeed(2).init);
}

test('the penalty is weightDecay/2 * sum of squares of the plain kernels only', () => {
  const m = model();
  try {
    assert.deepEqual(decayedVariables(m).map((v) => v.name.slice(v.name.indexOf('/') + 1)), ['c/kernel', 'd/kernel']);
    const squares = decayedVariables(m).reduce((sum, v) => sum + (tf.sum(tf.square(v)).dataSync()[0]), 0);
    const loss = tf.scalar(1.5);
    const total = withWeightDecay(loss, m, 0.01);
    assert.ok(Math.abs(total.dataSync()[0] - (1.5 + 0.005 * squares)) < 1e-5);
    assert.equal(withWeightDecay(loss, m, 0), loss);
    assert.equal(withWeightDecay(loss, m, undefined), loss);
    tf.dispose([loss, total]);
  } finally {
    m.dispose();
  }
});

test('its gradient is weightDecay * w on kernels and nothing elsewhere', () => {
  const m = model();
  try {
    const kernel = m.namedVariables().get('d/kernel')!;
    const theta = m.namedVariables().get('s/theta')!;
    // theta enters the loss with weight 0, so it has a gradient (of zeros) to compare
    const { grads } = tf.variableGrads(() => tf.add(withWeightDecay(tf.scalar(0), m, 0.1), tf.mul(tf.sum(theta), 0)) as tf.Scalar, [kernel, theta]);
    const expected = tf.mul(kernel, 0.1);
    assert.ok(tf.max(tf.abs(tf.sub(grads[kernel.name], expected))).dataSync()[0] < 1e-6);
    assert.equal(tf.max(tf.abs(grads[theta.name])).dataSync()[0], 0);
    tf.dispose([...Object.values(grads), expected]);
  } finally {
    m.dispose();
  }
});

test('a training step with weight decay shrinks kernels more than one without', () => {
  const norms = [0, 0.5].map((decay) => {
    const m = model();
    const optimizer = tf.train.sgd(0.1);
    const step = new TrainStep(m, optimizer, { sparsity: PAPER_SPARSITY, trainSize: 8, weightDecay: decay }, () => 3);
    const x = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1], 'int32');
    const batch = { x, y, oneHot: tf.oneHot(y, 3) as tf.Tensor2D };
    disposeStats(step.run(batch, 0));
    const norm = tf.sum(tf.square(m.namedVariables().get('c/kernel')!)).dataSync()[0];
    tf.dispose([x, y, batch.oneHot]);
    optimizer.dispose();
    m.dispose();
    return norm;
  });
  // zero inputs: the data term gives conv kernels no gradient, so only the decay moves them
  assert.ok(Math.abs(norms[1] - norms[0] * (1 - 0.1 * 0.5) ** 2) < 1e-4 * norms[0], `${norms}`);
});
