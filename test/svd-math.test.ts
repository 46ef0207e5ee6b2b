/**
 * The Sparse VD math checked against independent estimates: the KL approximation against a Monte
 * Carlo estimate, the local reparameterisation output against explicitly sampled weights, masks
 * and sparsity counts against hand-computed cases.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { klApprox, klApproxScalar, klSum, KL_K1 } from '../src/svd/kl.js';
import { logAlpha } from '../src/svd/log-alpha.js';
import { keepMask } from '../src/svd/mask.js';
import { keptCount, sparsityStats } from '../src/layers/sparsity.js';
import type { SparseLayer } from '../src/layers/layer.js';
import { buildContext, buildLayer, forwardContext, PAPER_SPARSITY } from './helpers/layers.js';

before(async () => {
  await tf.setBackend('cpu');
});

/** Standard normal samples from a seeded generator (Box-Muller over a small LCG), independent of tfjs. */
function gaussians(n: number, seed: number): Float64Array {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const t = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

test('KL approximation matches a Monte Carlo estimate of -KL(q || log-uniform) up to the constant -k1', () => {
  // -KL = 0.5 log alpha - E_{e ~ N(1, alpha)} log|e| + C; the approximation fixes C = -k1 (so that
  // -KL -> 0 as alpha -> infinity). The paper reports the approximation's error below 0.01.
  const z = gaussians(400_000, 12345);
  for (const la of [-4, -2, -1, 0, 1, 2, 3, 4]) {
    const sd = Math.sqrt(Math.exp(la));
    let sum = 0;
    for (const zi of z) sum += Math.log(Math.abs(1 + sd * zi));
    const negKlMc = 0.5 * la - sum / z.length - KL_K1;
    const negKlApprox = -klApproxScalar(la);
    assert.ok(Math.abs(negKlMc - negKlApprox) < 0.015, `log alpha ${la}: Monte Carlo ${negKlMc.toFixed(4)} vs approximation ${negKlApprox.toFixed(4)}`);
  }
});

test('klApprox (tensor) equals the scalar formula and is non-negative and decreasing in log alpha', () => {
  const las = [-8, -3, -1, 0, 0.5, 2, 5, 8];
  const values = klApprox(tf.tensor1d(las)).arraySync() as number[];
  values.forEach((v, i) => assert.ok(Math.abs(v - klApproxScalar(las[i])) < 1e-5));
  for (let i = 1; i < values.length; i++) assert.ok(values[i] < values[i - 1], 'KL must decrease as alpha grows');
  assert.ok(values.every((v) => v > -1e-4));
});

test('log alpha = log sigma^2 - log(theta^2 + 1e-8), clipped', () => {
  const theta = tf.tensor1d([1, 0.1, 0, 2, 1e-3]);
  const logSigma2 = tf.tensor1d([0, -10, -10, 100, -20]);
  const got = logAlpha(theta, logSigma2, 8).arraySync() as number[];
  const want = [0, -10 - Math.log(0.01), -10 - Math.log(1e-8), 100 - Math.log(4), -20 - Math.log(1e-6 + 1e-8)].map((v) => Math.max(-8, Math.min(8, v)));
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-4, `${i}: ${g} vs ${want[i]}`));
});

test('keep mask: 1 below the threshold, 0 at and above it', () => {
  assert.deepEqual(keepMask(tf.tensor1d([-8, 2.99, 3, 3.01, 8]), 3).arraySync(), [1, 1, 0, 0, 0]);
});

/** A Sparse VD layer `name` of `type` with theta and log sigma^2 set to the given values. */
function sparseLayerWith(name: string, type: string, spec: Record<string, unknown>, input: number[], theta: tf.Tensor, logSigma2: tf.Tensor): SparseLayer {
  const layer = buildLayer({ type, ...spec }, input, buildContext(name)) as SparseLayer;
  layer.theta.assign(theta);
  layer.logSigma2.assign(logSigma2);
  return layer;
}

test('sparsity counts and compression match a hand-computed case', async () => {
  // theta = 1, so log alpha = log sigma^2 (clipped): per row [-5, 2, 3, 4, 8, -1]: 3 of 6 pruned.
  const la = [-5, 2, 3, 4, 8, -1];
  const a = sparseLayerWith('fc1', 'dense-svd', { units: 6 }, [2], tf.ones([2, 6]), tf.tensor2d([la, la]));
  // 4 weights, one pruned (3.5 >= 3)
  const b = sparseLayerWith('fc2', 'dense-svd', { units: 2 }, [2], tf.ones([2, 2]), tf.tensor2d([[0, 0], [0, 3.5]]));
  assert.equal(keptCount(a, { threshold: 3, logAlphaClip: 8 }), 6);
  assert.equal(keptCount(b, { threshold: 3, logAlphaClip: 8 }), 3);
  const stats = await sparsityStats([a, b], { threshold: 3, logAlphaClip: 8 });
  assert.deepEqual(stats.sparsity, { fc1: 0.5, fc2: 0.25 });
  assert.equal(stats.params.sparsifiable, 16);
  assert.equal(stats.params.nonzero, 9);
  assert.equal(stats.compression, 16 / 9);
  // total = thetas and biases, not log sigma^2
  assert.equal(stats.params.total, 12 + 6 + 4 + 2);
  // at threshold 5 only log alpha 8 is pruned in fc1 (5 of 6 per row kept) and nothing in fc2
  assert.equal((await sparsityStats([a, b], { threshold: 5, logAlphaClip: 8 })).params.nonzero, 10 + 4);
});

/**
 * Mean and variance over `samples` rows of a [samples, ...] tensor, per remaining element.
 */
function momentsOverSamples(t: tf.Tensor): { mean: Float32Array; variance: Float32Array } {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(t, 0);
    return { mean: mean.dataSync() as Float32Array, variance: variance.dataSync() as Float32Array };
  });
}

/**
 * The LRT layer's noisy training output, drawn `samples` times for one input x (by tiling x into a
 * batch), must have the mean and variance of op(x, W) with W sampled explicitly from N(theta, sigma^2).
 */
function checkLrtAgainstSampledWeights(type: string, spec: Record<string, unknown>, inputShape: number[], samples: number): void {
  const sparsity = { ...PAPER_SPARSITY, trainClip: false, logAlphaClip: 20 };
  const layer = buildLayer({ type, ...spec, useBias: false }, inputShape, buildContext(`${type}_lrt`, sparsity, 3)) as SparseLayer;
  // sizeable, varied sigma^2 so the variance term matters
  layer.logSigma2.assign(tf.tidy(() => tf.add(tf.log(tf.square(layer.theta)), tf.randomUniform(layer.theta.shape, -2, 0.5, 'float32', 11))));
  const x = tf.randomUniform([1, ...inputShape], -1, 1, 'float32', 5);
  const tiled = tf.tile(x, [samples, ...inputShape.map(() => 1)]);
  const lrt = momentsOverSamples(layer.apply(tiled, forwardContext(true, sparsity)));

  const sigma = tf.exp(tf.mul(layer.logSigma2, 0.5));
  const outputs: tf.Tensor[] = [];
  const chunk = 200;
  for (let s = 0; s < samples; s += chunk) {
    outputs.push(tf.tidy(() => tf.stack(Array.from({ length: chunk }, (_, k) => {
      const w = tf.add(layer.theta, tf.mul(sigma, tf.randomNormal(layer.theta.shape, 0, 1, 'float32', 1000 + s + k)));
      return type === 'dense-svd' ? tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D).squeeze([0]) : tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid').squeeze([0]);
    }))));
  }
  const explicit = momentsOverSamples(tf.concat(outputs, 0));
  for (let i = 0; i < lrt.mean.length; i++) {
    const sd = Math.sqrt(explicit.variance[i]);
    // means agree within a few standard errors; variances within 10%
    assert.ok(Math.abs(lrt.mean[i] - explicit.mean[i]) < 5 * sd * Math.sqrt(2 / samples) + 1e-4, `${type} mean ${i}: ${lrt.mean[i]} vs ${explicit.mean[i]}`);
    assert.ok(Math.abs(lrt.variance[i] / explicit.variance[i] - 1) < 0.1, `${type} variance ${i}: ${lrt.variance[i]} vs ${explicit.variance[i]}`);
  }
}

test('dense-svd LRT output has the mean and variance of x·W with W sampled explicitly', () => {
  checkLrtAgainstSampledWeights('dense-svd', { units: 5 }, [7], 4000);
});

test('conv2d-svd LRT output has the mean and variance of conv(x, W) with W sampled explicitly', () => {
  checkLrtAgainstSampledWeights('conv2d-svd', { filters: 2, kernelSize: 2 }, [3, 3, 2], 4000);
});

test('evaluation is deterministic: masked mean weights, no noise', () => {
  // log alpha = log sigma^2 - log theta^2 = [[-5, 6 - log 4], [-log 9, 3]]: column 1 is pruned
  const logSigma2 = [[-5, 6], [0, 3 + Math.log(16)]];
  const layer = sparseLayerWith('det', 'dense-svd', { units: 2, useBias: false }, [2], tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d(logSigma2));
  const x = tf.tensor2d([[1, 1]]);
  const out1 = layer.apply(x, forwardContext(false)).arraySync();
  const out2 = layer.apply(x, forwardContext(false, PAPER_SPARSITY, 999)).arraySync();
  assert.deepEqual(out1, out2);
  const [[a, b]] = out1 as number[][];
  assert.ok(Math.abs(a - 4) < 1e-6, `kept column: ${a}`);
  assert.equal(b, 0);
});

test('the closed-form gradients of klSum and logAlpha equal op-by-op differentiation', () => {
  const la = tf.tensor1d([-7.5, -3, -0.2, 0, 0.4, 2.5, 6]);
  const closed = tf.grad((x: tf.Tensor) => klSum(x))(la).arraySync() as number[];
  const opByOp = tf.grad((x: tf.Tensor) => tf.sum(klApprox(x)))(la).arraySync() as number[];
  closed.forEach((g, i) => assert.ok(Math.abs(g - opByOp[i]) < 1e-5, `dKL/dla at ${i}: ${g} vs ${opByOp[i]}`));
  assert.ok(Math.abs((klSum(la).arraySync() as number) - (tf.sum(klApprox(la)).arraySync() as number)) < 1e-4);

  // theta/log sigma^2 pairs inside and outside the clip range
  const theta = tf.tensor1d([0.5, -0.2, 1e-3, 2, 0.05]);
  const logSigma2 = tf.tensor1d([-3, -1, -10, 30, -40]);
  const reference = (t: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(tf.clipByValue(tf.sub(s, tf.log(tf.add(tf.square(t), 1e-8))), -8, 8), tf.range(1, 6)));
  const fused = (t: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(logAlpha(t, s, 8), tf.range(1, 6)));
  const [gt, gs] = tf.grads(fused)([theta, logSigma2]).map((g) => g.arraySync() as number[]);
  const [rt, rs] = tf.grads(reference)([theta, logSigma2]).map((g) => g.arraySync() as number[]);
  gt.forEach((g, i) => assert.ok(Math.abs(g - rt[i]) <= 1e-4 * Math.max(1, Math.abs(rt[i])), `dla/dtheta at ${i}: ${g} vs ${rt[i]}`));
  gs.forEach((g, i) => assert.ok(Math.abs(g - rs[i]) < 1e-6, `dla/dlogSigma2 at ${i}: ${g} vs ${rs[i]}`));
});

test('train clip masks pruned weights out of the mean; trainClipNoise (global, or the layer\'s own) decides whether they leave the noise too', () => {
  // x = [1, 1], theta = [1, 1]: log alpha = log sigma^2 = [-5, 5]; the second weight is pruned (5 >= 3)
  const x = tf.ones([4000, 2]);
  // [sparsity.trainClipNoise, the layer's own trainClipNoise] -> whether the pruned weight's noise is masked
  for (const [global, own, masked] of [[true, undefined, true], [false, undefined, false], [true, false, false], [false, true, true]] as const) {
    const trainClipNoise = masked;
    const sparsity = { ...PAPER_SPARSITY, trainClip: true, trainClipNoise: global };
    const spec = { type: 'dense-svd', units: 1, useBias: false, ...(own === undefined ? {} : { trainClipNoise: own }) };
    const layer = buildLayer(spec, [2], buildContext(`noise_${global}_${own}`, sparsity)) as SparseLayer;
    layer.theta.assign(tf.ones([2, 1]));
    layer.logSigma2.assign(tf.tensor2d([[-5], [5]]));
    const { mean, variance } = momentsOverSamples(layer.apply(x, forwardContext(true, sparsity)));
    const expected = trainClipNoise ? Math.exp(-5) : Math.exp(-5) + Math.exp(5);
    assert.ok(Math.abs(mean[0] - 1) < 5 * Math.sqrt(expected / 4000), `mean without the pruned weight: ${mean[0]}`);
    assert.ok(Math.abs(variance[0] / expected - 1) < 0.1, `trainClipNoise ${trainClipNoise}: variance ${variance[0]} vs ${expected}`);
  }
});

test('trainClipKl: a pruned weight\'s KL is its value at the clip and has no gradient; kept weights are unchanged', () => {
  const x = tf.ones([3, 2]);
  const grads: Record<string, Float32Array> = {};
  const values: Record<string, number> = {};
  for (const trainClipKl of [false, true]) {
    const sparsity = { ...PAPER_SPARSITY, trainClip: true, trainClipKl };
    const layer = buildLayer({ type: 'dense-svd', units: 1, useBias: false }, [2], buildContext(`kl_${trainClipKl}`, sparsity)) as SparseLayer;
    layer.theta.assign(tf.ones([2, 1]));
    layer.logSigma2.assign(tf.tensor2d([[-5], [5]])); // log alpha -5 (kept) and 5 (pruned)
    const { value, grads: g } = tf.variableGrads(() => {
      const klTerms: tf.Scalar[] = [];
      layer.apply(x, { ...forwardContext(true, sparsity), klTerms });
      return tf.addN(klTerms) as tf.Scalar;
    }, [layer.logSigma2]);
    grads[String(trainClipKl)] = g[layer.logSigma2.name].dataSync() as Float32Array;
    values[String(trainClipKl)] = value.dataSync()[0];
  }
  assert.ok(Math.abs(grads.true[0] - grads.false[0]) < 1e-7, 'the kept weight\'s KL gradient is unchanged');
  assert.notEqual(grads.false[1], 0, 'without trainClipKl the pruned weight is pushed by its KL');
  assert.equal(Math.abs(grads.true[1]), 0, 'with trainClipKl it is not');
  const expected = klApproxScalar(-5) + klApproxScalar(PAPER_SPARSITY.logAlphaClip);
  assert.ok(Math.abs(values.true - expected) < 1e-4, `KL ${values.true} vs ${expected}`);
});
