/**
 * The LRT noise drawn on the GPU (src/kernels/webgpu-normal.ts, on lavapipe here): its values
 * are Philox4x32-10 and Box-Muller as a plain JavaScript reference computes them, the same seed
 * gives the same noise and another seed other noise, and a million draws have mean 0, variance
 * 1, no correlation between neighbours, between the two Box-Muller branches of a pair or between
 * seeds, and normal tails. Skips where no Vulkan driver is found, except under CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEVICE_NORMAL_KERNEL, standardNormal } from '../src/svd/normal-noise.js';
import { webgpuUnavailable } from './helpers/webgpu.js';

const why = await webgpuUnavailable();
const skip = why ?? false;
const KEY_HIGH = 0x853c49e6;
const N = 1 << 20;

/** Philox4x32-10 of `counter` under `key` (BigInt products: an independent reference). */
function philox(counter: number[], key: [number, number]): number[] {
  let [c0, c1, c2, c3] = counter.map((x) => BigInt(x >>> 0));
  let [k0, k1] = key.map((x) => BigInt(x >>> 0));
  const mask = 0xffffffffn;
  for (let round = 0; round < 10; round++) {
    const p0 = 0xd2511f53n * c0;
    const p1 = 0xcd9e8d57n * c2;
    [c0, c1, c2, c3] = [(p1 >> 32n) ^ c1 ^ k0, p1 & mask, (p0 >> 32n) ^ c3 ^ k1, p0 & mask];
    k0 = (k0 + 0x9e3779b9n) & mask;
    k1 = (k1 + 0xbb67ae85n) & mask;
  }
  return [c0, c1, c2, c3].map(Number);
}

/** Value i of the device stream of `seed`, computed in double precision. */
function reference(i: number, seed: number): number {
  const [x, y] = philox([i >>> 1, 0, 0, 0], [seed, KEY_HIGH]);
  const u1 = (Math.floor(x / 256) + 0.5) / 16777216;
  const u2 = (Math.floor(y / 256) + 0.5) / 16777216;
  const r = Math.sqrt(-2 * Math.log(u1));
  return i % 2 === 0 ? r * Math.cos(2 * Math.PI * u2) : r * Math.sin(2 * Math.PI * u2);
}

async function draw(shape: number[], seed: number): Promise<Float32Array> {
  const t = standardNormal(shape, seed);
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    sa += a[i]; sb += b[i]; sab += a[i] * b[i]; saa += a[i] * a[i]; sbb += b[i] * b[i];
  }
  const cov = sab / n - (sa / n) * (sb / n);
  return cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
}

test('on webgpu the noise is drawn by the device kernel and its values are Philox4x32-10 with Box-Muller', { skip }, async () => {
  assert.equal(tf.getBackend(), 'webgpu');
  assert.ok(tf.getKernel(DEVICE_NORMAL_KERNEL, 'webgpu'), 'the kernel is registered for webgpu');
  for (const seed of [1, 12345, 2 ** 31 - 1]) {
    const values = await draw([7, 11, 13], seed);
    assert.equal(values.length, 7 * 11 * 13);
    for (let i = 0; i < values.length; i++) {
      const want = reference(i, seed);
      assert.ok(Math.abs(values[i] - want) <= 2e-5 * Math.max(1, Math.abs(want)), `seed ${seed}, value ${i}: ${values[i]} against ${want}`);
    }
  }
});

test('the same seed gives the same noise, another seed other noise, with no tensor left behind', { skip }, async () => {
  const before = tf.memory().numTensors;
  const a = await draw([1000], 99);
  const b = await draw([1000], 99);
  const c = await draw([1000], 100);
  assert.deepEqual(a, b);
  assert.ok(a.some((v, i) => v !== c[i]));
  assert.equal(tf.memory().numTensors, before);
});

test('a million draws: mean 0, variance 1, normal tails, no correlation between neighbours, branches or seeds', { skip }, async () => {
  const x = await draw([N], 7);
  const y = await draw([N], 8);
  let sum = 0, sq = 0, beyond2 = 0, beyond3 = 0;
  for (const v of x) {
    sum += v; sq += v * v;
    if (Math.abs(v) > 2) beyond2++;
    if (Math.abs(v) > 3) beyond3++;
  }
  const mean = sum / N;
  const variance = sq / N - mean * mean;
  // Five standard errors: mean 1/sqrt(N) = 0.001, variance sqrt(2/N) = 0.0014, a correlation 1/sqrt(N).
  assert.ok(Math.abs(mean) < 5e-3, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 7e-3, `variance ${variance}`);
  assert.ok(Math.abs(beyond2 / N - 0.0455) < 1.1e-3, `P(|x| > 2) = ${beyond2 / N}`);
  assert.ok(Math.abs(beyond3 / N - 0.0027) < 2.6e-4, `P(|x| > 3) = ${beyond3 / N}`);
  const even = x.filter((_, i) => i % 2 === 0);
  const odd = x.filter((_, i) => i % 2 === 1);
  const checks: Array<[string, number]> = [
    ['neighbours', correlation(x.subarray(0, N - 1), x.subarray(1))],
    ['Box-Muller branches', correlation(even, odd)],
    ['squares of the branches', correlation(even.map((v) => v * v), odd.map((v) => v * v))],
    ['pairs two apart', correlation(x.subarray(0, N - 2), x.subarray(2))],
    ['seeds 7 and 8', correlation(x, y)],
  ];
  for (const [what, r] of checks) assert.ok(Math.abs(r) < 5 / Math.sqrt(N / 2), `correlation of ${what}: ${r}`);
});
