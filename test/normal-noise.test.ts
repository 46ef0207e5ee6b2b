/**
 * The LRT noise generator (src/svd/normal-noise.ts) against the standard normal distribution:
 * moments, a Kolmogorov-Smirnov test, the tail beyond the ziggurat's base strip, independence of
 * neighbours, reproducibility per seed, and the wasm kernel that writes the same stream into its heap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEVICE_NORMAL_KERNEL, fillStandardNormal, standardNormal } from '../src/svd/normal-noise.js';
import { selectBackend } from '../src/backends/select.js';

/** Standard normal CDF via erfc (W. J. Cody's rational approximations are overkill; A&S 7.1.26 is 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-z * z);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

const N = 1_000_000;
const sample = fillStandardNormal(new Float32Array(N), 12345);

test('moments match N(0, 1): mean, variance, skewness, kurtosis', () => {
  let m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  for (const x of sample) {
    m1 += x; m2 += x * x; m3 += x ** 3; m4 += x ** 4;
  }
  m1 /= N; m2 /= N; m3 /= N; m4 /= N;
  // standard errors at n = 1e6: mean 0.001, variance 0.0014, skewness 0.0024, kurtosis 0.005
  assert.ok(Math.abs(m1) < 0.005, `mean ${m1}`);
  assert.ok(Math.abs(m2 - 1) < 0.007, `variance ${m2}`);
  assert.ok(Math.abs(m3) < 0.012, `third moment ${m3}`);
  assert.ok(Math.abs(m4 - 3) < 0.03, `fourth moment ${m4}`);
});

test('Kolmogorov-Smirnov distance to the normal CDF is below the 0.1% critical value', () => {
  const sorted = Float64Array.from(sample).sort();
  let d = 0;
  for (let i = 0; i < N; i++) {
    const f = normalCdf(sorted[i]);
    d = Math.max(d, Math.abs(f - i / N), Math.abs(f - (i + 1) / N));
  }
  assert.ok(d < 1.95 / Math.sqrt(N), `KS distance ${d}`);
});

test('tails: the share beyond 3 and beyond the base strip (3.4426) match the normal law', () => {
  for (const [cut, tol] of [[3, 4], [3.442619855899, 4], [4, 5]] as const) {
    const expected = 2 * (1 - normalCdf(cut)) * N;
    const count = sample.reduce((n, x) => n + (Math.abs(x) > cut ? 1 : 0), 0);
    assert.ok(Math.abs(count - expected) < tol * Math.sqrt(expected), `|x| > ${cut}: ${count} vs ${expected.toFixed(0)}`);
  }
});

test('neighbouring values are uncorrelated, and so are values and their signs two apart', () => {
  for (const lag of [1, 2, 7, 128]) {
    let c = 0;
    for (let i = 0; i + lag < N; i++) c += sample[i] * sample[i + lag];
    c /= N - lag;
    assert.ok(Math.abs(c) < 0.005, `lag ${lag} correlation ${c}`);
  }
});

test('the same seed gives the same noise; another seed other noise; the tensor has the shape asked', () => {
  const again = fillStandardNormal(new Float32Array(1000), 12345);
  assert.deepEqual(again, sample.subarray(0, 1000));
  const other = fillStandardNormal(new Float32Array(1000), 12346);
  assert.ok(other.some((x, i) => x !== again[i]));
  const t = standardNormal([3, 4, 5], 7);
  assert.deepEqual(t.shape, [3, 4, 5]);
  assert.equal(t.dtype, 'float32');
  assert.deepEqual(t.dataSync(), fillStandardNormal(new Float32Array(60), 7));
  t.dispose();
  assert.equal(tf.memory().numTensors, 0);
});

test('on wasm the noise is written into the heap by its own kernel, bit for bit the CPU stream, without leaks', async () => {
  await selectBackend('wasm');
  assert.ok(tf.getKernel(DEVICE_NORMAL_KERNEL, 'wasm'), 'wasm registers the noise kernel');
  const dataIds = tf.backend().numDataIds();
  const t = standardNormal([10, 7, 3], 99);
  assert.deepEqual(t.dataSync(), fillStandardNormal(new Float32Array(210), 99));
  t.dispose();
  assert.equal(tf.backend().numDataIds(), dataIds);
});
