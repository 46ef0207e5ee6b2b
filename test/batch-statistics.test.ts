/**
 * Training-mode batch normalization with its written-out gradient (src/layers/batch-statistics.ts)
 * against the same normalization taped through tf.moments and tf.batchNorm, on the cpu and wasm
 * backends, for a dense [batch, units] and a conv [batch, h, w, channels] input: the output, the
 * batch statistics and the gradients of x, gamma and beta agree, and nothing leaks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/select.js';
import { normalizeWithBatchStatistics } from '../src/layers/batch-statistics.js';

const EPSILON = 1e-3;

/** The taped reference: tf.moments, then tf.batchNorm. */
function reference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [...Array(x.rank - 1).keys()]);
  return tf.batchNorm(x, mean, variance, beta, gamma, EPSILON);
}

function assertClose(actual: tf.Tensor, expected: tf.Tensor, what: string, tol = 1e-4): void {
  const a = actual.dataSync();
  const e = expected.dataSync();
  const scale = Math.max(1, ...Array.from(e, Math.abs));
  assert.deepEqual(actual.shape, expected.shape, what);
  for (let i = 0; i < e.length; i++) assert.ok(Math.abs(a[i] - e[i]) <= tol * scale, `${what}[${i}]: ${a[i]} vs ${e[i]}`);
}

for (const backend of ['cpu', 'wasm']) {
  for (const shape of [[16, 5], [6, 4, 3, 7]]) {
    test(`${backend}, input ${JSON.stringify(shape)}: output, statistics and gradients equal the taped tf.batchNorm's`, async () => {
      await selectBackend(backend);
      const channels = shape[shape.length - 1];
      const x = tf.randomNormal(shape, 0.5, 2, 'float32', 1);
      const gamma = tf.randomUniform([channels], 0.5, 1.5, 'float32', 2);
      const beta = tf.randomUniform([channels], -1, 1, 'float32', 3);
      const upstream = tf.randomNormal(shape, 0, 1, 'float32', 4);
      const before = tf.memory().numTensors;
      const ours = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { y, mean, variance } = normalizeWithBatchStatistics(a, g, b, EPSILON);
        tf.dispose([mean, variance]);
        return tf.sum(tf.mul(y, upstream));
      })([x, gamma, beta]);
      const theirs = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(reference(a, g, b), upstream)))([x, gamma, beta]);
      ['x', 'gamma', 'beta'].forEach((name, i) => assertClose(ours[i], theirs[i], `d ${name}`));
      tf.dispose([...ours, ...theirs]);
      assert.equal(tf.memory().numTensors, before, 'tensors leaked by the gradient');

      const { y, mean, variance } = normalizeWithBatchStatistics(x, gamma, beta, EPSILON);
      const moments = tf.moments(x, [...Array(x.rank - 1).keys()]);
      const expected = reference(x, gamma, beta);
      assertClose(y, expected, 'output');
      assertClose(mean, moments.mean, 'mean');
      assertClose(variance, moments.variance, 'variance');
      tf.dispose([y, mean, variance, moments.mean, moments.variance, expected, x, gamma, beta, upstream]);
    });
  }
}
