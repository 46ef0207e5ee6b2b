/**
 * ZCA whitening: the symmetric eigen-solver, both fitting paths (covariance when N > D, Gram
 * matrix when N <= D) against an explicit float64 computation, whitened training data with unit
 * covariance, the fit cache (hit, miss on other data or epsilon, refit of a corrupt file, atomic
 * writes), CIFAR loaded with `normalize: zca`, and the fit on webgpu (asynchronous reads only).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DATASETS } from '../src/registries.js';
import { selectBackend } from '../src/backends/select.js';
import { symmetricEigen } from '../src/data/symmetric-eigen.js';
import { applyZca, fitZca } from '../src/data/zca.js';
import { cachedZcaFit } from '../src/data/zca-cache.js';
import { normalizeSplits } from '../src/data/normalize.js';
import { makeCifarSplit, writeCifar10 } from './helpers/cifar-files.js';
import { tempDir } from './helpers/cli.js';
import { webgpuUnavailable } from './helpers/webgpu.js';

before(async () => {
  await selectBackend('wasm');
});

/** `count` rows of `dim` correlated values from a fixed generator. */
function correlated(count: number, dim: number, seed = 3): Float32Array {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
  const x = new Float32Array(count * dim);
  for (let n = 0; n < count; n++) {
    const shared = rnd();
    for (let j = 0; j < dim; j++) x[n * dim + j] = 0.5 + shared * (j + 1) * 0.1 + rnd() * 0.05 * (1 + (j % 3));
  }
  return x;
}

/** W = (Sigma + eps I)^(-1/2) computed directly in float64 from the covariance. */
function referenceZca(x: Float32Array, dim: number, epsilon: number): Float64Array {
  const count = x.length / dim;
  const mean = new Float64Array(dim);
  for (let n = 0; n < count; n++) for (let j = 0; j < dim; j++) mean[j] += x[n * dim + j] / count;
  const cov = new Float64Array(dim * dim);
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) cov[i * dim + j] += (x[n * dim + i] - mean[i]) * (x[n * dim + j] - mean[j]) / count;
  }
  const { values, vectors } = symmetricEigen(cov, dim);
  const w = new Float64Array(dim * dim);
  for (let k = 0; k < dim; k++) {
    const f = 1 / Math.sqrt(Math.max(values[k], 0) + epsilon);
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) w[i * dim + j] += vectors[k * dim + i] * f * vectors[k * dim + j];
  }
  return w;
}

function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / scale;
}

test('symmetricEigen: A v = lambda v, orthonormal vectors, ascending values', () => {
  const n = 40;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = Math.sin(i * 3 + j * 7) + (i === j ? 2 : 0);
  const { values, vectors } = symmetricEigen(a, n);
  for (let k = 0; k < n; k++) {
    if (k > 0) assert.ok(values[k - 1] <= values[k]);
    for (let r = 0; r < n; r++) {
      let av = 0;
      for (let c = 0; c < n; c++) av += a[r * n + c] * vectors[k * n + c];
      assert.ok(Math.abs(av - values[k] * vectors[k * n + r]) < 1e-10);
    }
    for (let l = 0; l <= k; l++) {
      let dot = 0;
      for (let c = 0; c < n; c++) dot += vectors[k * n + c] * vectors[l * n + c];
      assert.ok(Math.abs(dot - (k === l ? 1 : 0)) < 1e-10);
    }
  }
  assert.deepEqual([...symmetricEigen(Float64Array.of(5), 1).values], [5]);
});

test('fitZca matches the explicit (Sigma + eps I)^(-1/2) with N > D and with N <= D', async () => {
  for (const [count, dim] of [[200, 12], [6, 12], [12, 12]]) {
    const x = correlated(count, dim);
    const fit = await fitZca(x, dim, 1e-3);
    const reference = referenceZca(x, dim, 1e-3);
    assert.ok(maxRelativeDifference(fit.matrix, reference) < 1e-3, `N=${count} D=${dim}: ${maxRelativeDifference(fit.matrix, reference)}`);
  }
});

test('whitened training data has (near) unit covariance and zero mean', async () => {
  const [count, dim, epsilon] = [500, 8, 1e-6];
  const x = correlated(count, dim);
  await applyZca(x, await fitZca(x, dim, epsilon));
  for (let i = 0; i < dim; i++) {
    let mean = 0;
    for (let n = 0; n < count; n++) mean += x[n * dim + i] / count;
    assert.ok(Math.abs(mean) < 1e-4, `mean ${mean}`);
    for (let j = 0; j < dim; j++) {
      let c = 0;
      for (let n = 0; n < count; n++) c += (x[n * dim + i] * x[n * dim + j]) / count;
      assert.ok(Math.abs(c - (i === j ? 1 : 0)) < 2e-2, `cov[${i}][${j}] = ${c}`);
    }
  }
});

test('the ZCA cache: a hit for the same data and epsilon, a miss otherwise, a refit of a corrupt file', async () => {
  const dir = path.join(tempDir(), 'cache');
  const x = correlated(30, 10);
  const opts = { dir, dataset: 'toy' };
  const first = await cachedZcaFit(x, 10, 1e-4, opts);
  assert.equal(first.cached, false);
  assert.match(path.basename(first.cacheFile!), /^zca-toy-n30-eps0\.0001-[0-9a-f]{16}\.bin$/);
  const second = await cachedZcaFit(x, 10, 1e-4, opts);
  assert.equal(second.cached, true);
  assert.equal(second.cacheFile, first.cacheFile);
  assert.deepEqual(second.fit.matrix, first.fit.matrix);
  assert.deepEqual(second.fit.mean, first.fit.mean);
  assert.equal((await cachedZcaFit(x, 10, 1e-3, opts)).cached, false, 'other epsilon');
  assert.equal((await cachedZcaFit(x.subarray(0, 200), 10, 1e-4, opts)).cached, false, 'other limit');
  const changed = Float32Array.from(x);
  changed[7] += 0.5;
  assert.equal((await cachedZcaFit(changed, 10, 1e-4, opts)).cached, false, 'other data');
  writeFileSync(first.cacheFile!, 'garbage');
  const refit = await cachedZcaFit(x, 10, 1e-4, opts);
  assert.equal(refit.cached, false);
  assert.deepEqual(refit.fit.matrix, first.fit.matrix);
  assert.equal((await cachedZcaFit(x, 10, 1e-4, opts)).cached, true);
  assert.deepEqual(readdirSync(dir).filter((f) => !f.endsWith('.bin')), [], 'no temporary files left');
  assert.equal((await cachedZcaFit(x, 10, 1e-4, { dir: null, dataset: 'toy' })).cacheFile, null);
});

test('normalizeSplits zca applies the training fit to both splits', async () => {
  const x = correlated(40, 6);
  const [train, test] = [x.slice(0, 30 * 6), x.slice(30 * 6)];
  const fit = await fitZca(train, 6, 1e-5);
  const expectedTest = Float32Array.from(test);
  await applyZca(expectedTest, fit);
  const stats = await normalizeSplits('zca', train, test, [1, 2, 3], 'toy', { epsilon: 1e-5, cache: { dir: null, dataset: 'toy' } });
  assert.deepEqual(stats.zca, { epsilon: 1e-5, cacheFile: null, cached: false, fitSeconds: stats.zca!.fitSeconds });
  assert.ok(maxRelativeDifference(test, expectedTest) < 1e-6);
});

test('CIFAR-10 with normalize zca: whitened, cached in <root>/.cache, identical on the cached load', async () => {
  const root = tempDir('svd-cifar10-zca-');
  writeCifar10(root, makeCifarSplit(8, 10, 1), makeCifarSplit(3, 10, 2), { format: 'python' });
  const config = { dataset: 'cifar10', root, normalize: 'zca' as const, batchSize: 2, trainLimit: null, testLimit: null, augment: null, zcaEpsilon: 1e-2 };
  const ds = await DATASETS.get('cifar10').load(config);
  const zca = ds.preprocessing?.zca as { cacheFile: string; cached: boolean; epsilon: number };
  assert.equal(zca.cached, false);
  assert.equal(zca.epsilon, 1e-2);
  assert.equal(path.dirname(zca.cacheFile), path.join(root, '.cache'));
  // whitened training images are centred
  let sum = 0;
  for (const v of ds.train.x) sum += v;
  assert.ok(Math.abs(sum / ds.train.x.length) < 1e-4);
  const again = await DATASETS.get('cifar10').load(config);
  assert.equal((again.preprocessing?.zca as { cached: boolean }).cached, true);
  assert.ok(maxRelativeDifference(again.test.x, ds.test.x) < 1e-6);
});

test('ZCA fits and applies on webgpu too, whose reads are asynchronous only (lavapipe here)', async (t) => {
  const why = await webgpuUnavailable(); // selects webgpu when it starts
  try {
    if (why) return t.skip(why);
    for (const [count, dim] of [[200, 12], [6, 12]]) {
      const x = correlated(count, dim);
      const fit = await fitZca(x, dim, 1e-3);
      assert.ok(maxRelativeDifference(fit.matrix, referenceZca(x, dim, 1e-3)) < 1e-3, `N=${count} D=${dim} on webgpu`);
      const whitened = Float32Array.from(x);
      await applyZca(whitened, fit);
      assert.ok(whitened.every(Number.isFinite));
    }
  } finally {
    await selectBackend('wasm');
  }
});
