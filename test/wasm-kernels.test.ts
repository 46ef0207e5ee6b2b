/**
 * The wasm kernels we add or replace (src/kernels/wasm-kernels.ts: Conv2DBackpropFilter,
 * MaxPoolGrad, Conv2DBackpropInput, BatchMatMul, Identity, Cast, GatherV2) against the cpu backend's, the full
 * gradient of a small conv net on both backends, every other gradient training uses, and
 * leaks across repeated calls, with the native path (wasm-native.ts) off.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../src/backends/select.js';
import { wasmConv2DBackpropFilter } from '../src/kernels/wasm-conv2d-backprop-filter.js';
import { nativeCalls } from '../src/kernels/wasm-native.js';
import {
  assertSameOnWasmAndCpu, convCases, describeCase, filterGradient, inputGradient, matMulCases, randomTensor,
  type ConvCase, type Shape4,
} from './helpers/kernel-cases.js';

// These are the wasm kernels; test/wasm-native.test.ts checks the native path (every activation of wasm reads this).
process.env.SVD_NATIVE = '0';

before(async () => {
  await selectBackend('wasm');
});

after(() => {
  assert.equal(nativeCalls(), 0, 'no call went native');
});

for (const c of convCases) {
  test(`Conv2DBackpropFilter on wasm equals cpu: ${describeCase(c)}`, async () => {
    await assertSameOnWasmAndCpu(() => filterGradient(c), 1e-4, describeCase(c));
  });
}

// Stride 1 takes our XNNPACK path, stride > 1 the stock kernel; both must match cpu.
for (const c of [...convCases, { x: [2, 6, 6, 2], filter: [3, 3, 2, 3], strides: 1, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] } as ConvCase]) {
  test(`Conv2DBackpropInput on wasm equals cpu: ${describeCase(c)}`, async () => {
    await assertSameOnWasmAndCpu(() => inputGradient(c), 1e-4, describeCase(c));
  });
}

// Transposed unbatched products take our XNNPACK path, the rest the stock kernel.
for (const [aShape, bShape, transposeA, transposeB] of matMulCases) {
  test(`BatchMatMul on wasm equals cpu: ${aShape}${transposeA ? '^T' : ''} x ${bShape}${transposeB ? '^T' : ''}`, async () => {
    await assertSameOnWasmAndCpu(
      () => tf.matMul(randomTensor([...aShape], 5), randomTensor([...bShape], 6), transposeA, transposeB), 1e-5, 'matMul');
  });
}

test('tf.grad of conv2d w.r.t. filter and input matches cpu (stride 2, same)', async () => {
  await assertSameOnWasmAndCpu(() => {
    const x = randomTensor([2, 9, 7, 3], 3);
    const filter = randomTensor([3, 3, 3, 4], 4);
    const weights = randomTensor([2, 5, 4, 4], 5);
    const loss = (xIn: tf.Tensor, f: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(xIn as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'), weights));
    return tf.grads(loss)([x, filter]);
  }, 1e-4, 'conv2d grads');
});

test('MaxPoolGrad on wasm equals cpu, negative inputs and overlapping windows', async () => {
  for (const [shape, size, stride, pad] of [
    [[3, 8, 8, 5], 2, 2, 'valid'],
    [[2, 7, 9, 3], 3, 1, 'same'],
    [[2, 7, 7, 4], 3, 2, 'same'],
  ] as const) {
    await assertSameOnWasmAndCpu(() => {
      const x = tf.sub(randomTensor([...shape], 6), 0.8); // mostly negative: windows of all-negative values
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, size, stride, pad), 3)))(x);
    }, 1e-6, `maxPool grad ${shape} ${size}/${stride} ${pad}`);
  }
});

/** Variables of the small conv net, as plain tensors made from fixed values. */
function smallNetParams(): tf.Tensor[] {
  return [
    randomTensor([3, 3, 3, 6], 11), // conv filter
    randomTensor([6], 12), // conv bias
    tf.mul(randomTensor([150, 10], 13), 0.2), // dense weights
    randomTensor([10], 14), // dense bias
  ];
}

/** conv2d -> relu -> maxPool -> dense -> softmax cross-entropy, on a fixed batch. */
function smallNetLoss(poolBeforeRelu: boolean): (...params: tf.Tensor[]) => tf.Scalar {
  return (filter, convBias, dense, denseBias) => {
    const x = randomTensor([4, 10, 10, 3], 15) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 3, 7, 9], 'int32'), 10);
    const conv = tf.add(tf.conv2d(x, filter as tf.Tensor4D, 1, 'same'), convBias) as tf.Tensor4D;
    const pooled = poolBeforeRelu ? tf.relu(tf.maxPool(conv, 2, 2, 'valid')) : tf.maxPool(tf.relu(conv), 2, 2, 'valid');
    const logits = tf.add(tf.matMul(tf.reshape(pooled, [4, 150]), dense as tf.Tensor2D), denseBias);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  };
}

for (const poolBeforeRelu of [false, true]) {
  const order = poolBeforeRelu ? 'conv -> maxPool -> relu' : 'conv -> relu -> maxPool';
  test(`full gradient of a small conv net matches cpu (${order})`, async () => {
    await assertSameOnWasmAndCpu(() => {
      const { grads, value } = tf.valueAndGrads(smallNetLoss(poolBeforeRelu))(smallNetParams());
      return [value, ...grads];
    }, 1e-4, order);
  });
}

/** Every other differentiable op that training uses, as f(x) for x: [8,12]. */
const otherOps: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  conv2dInput: (x) => tf.conv2d(tf.reshape(x, [2, 4, 4, 3]) as tf.Tensor4D, tf.ones([3, 3, 3, 2]) as tf.Tensor4D, 2, 'same'),
  relu: (x) => tf.relu(x),
  matMul: (x) => tf.matMul(tf.reshape(x, [8, 12]), tf.reshape(x, [12, 8])),
  matMulTransposed: (x) => tf.matMul(x, x, true, false),
  softmaxCrossEntropy: (x) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([1, 0, 3, 2, 1, 0, 11, 2], 'int32'), 12), x),
  logSoftmax: (x) => tf.logSoftmax(x),
  sigmoid: (x) => tf.sigmoid(x),
  log1p: (x) => tf.log1p(tf.abs(x)),
  exp: (x) => tf.exp(x),
  log: (x) => tf.log(tf.add(tf.abs(x), 0.1)),
  sqrt: (x) => tf.sqrt(tf.add(tf.abs(x), 0.1)),
  rsqrt: (x) => tf.rsqrt(tf.add(tf.abs(x), 0.1)),
  square: (x) => tf.square(x),
  clipByValue: (x) => tf.clipByValue(x, -0.5, 0.5),
  whereGreaterEqual: (x) => tf.where(tf.greaterEqual(x, 0), x, tf.mul(x, 2)),
  moments: (x) => {
    const { mean, variance } = tf.moments(x, [0]);
    return tf.add(mean, variance);
  },
  batchNorm: (x) => {
    const { mean, variance } = tf.moments(x, [0]);
    return tf.batchNorm(x, mean, variance, tf.zeros([12]), tf.ones([12]), 1e-3);
  },
  mean: (x) => tf.mean(x, 0),
  sum: (x) => tf.sum(x, 1),
  divPow: (x) => tf.div(tf.pow(tf.add(tf.abs(x), 0.1), 2.5), tf.add(tf.abs(x), 1)),
  softplusTanh: (x) => tf.add(tf.softplus(x), tf.tanh(x)),
  broadcastMulAdd: (x) => tf.add(tf.mul(x, tf.slice(x, [0, 0], [1, 12])), tf.slice(x, [1, 0], [1, 12])),
  maximumMinimum: (x) => tf.add(tf.maximum(x, 0.1), tf.minimum(x, -0.1)),
};

for (const [name, op] of Object.entries(otherOps)) {
  test(`gradient of ${name} runs on wasm and matches cpu`, async () => {
    await assertSameOnWasmAndCpu(() => tf.grad((x: tf.Tensor) => tf.sum(op(x)))(randomTensor([8, 12], 21)), 1e-4, name);
  });
}

/** Live tensors and wasm data ids, which must not grow across repeated calls. */
function liveCounts(): { tensors: number; dataIds: number } {
  return { tensors: tf.memory().numTensors, dataIds: tf.backend().numDataIds() };
}

test('no tensors or wasm buffers leak across repeated calls', async () => {
  await selectBackend('wasm');
  const runOnce = () =>
    tf.tidy(() => {
      for (const c of [convCases[3]!, convCases[7]!, convCases[10]!]) {
        filterGradient(c).dispose();
        inputGradient(c).dispose();
      }
      tf.matMul(randomTensor([5, 7], 5), randomTensor([3, 5], 6), true, true).dispose();
      const { value, grads } = tf.valueAndGrads(smallNetLoss(false))(smallNetParams());
      tf.dispose([value, ...grads]);
    });
  runOnce();
  const before = liveCounts();
  for (let i = 0; i < 5; i++) runOnce();
  assert.deepEqual(liveCounts(), before);
});

test('unsupported attributes are refused with a clear error', async () => {
  await selectBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const x = tf.zeros([1, 4, 4, 2]);
  const dy = tf.zeros([1, 2, 2, 3]);
  const base = { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] as Shape4 } as const;
  try {
    assert.throws(() => wasmConv2DBackpropFilter({ inputs: { x, dy }, backend, attrs: { ...base, dataFormat: 'NCHW' } }), /NHWC/);
    assert.throws(() => wasmConv2DBackpropFilter({ inputs: { x, dy }, backend, attrs: { ...base, dilations: 2 } }), /dilations must be 1/);
  } finally {
    tf.dispose([x, dy]);
  }
});

test('Identity and same-dtype Cast share memory on wasm: no new buffer, values outlive the source', async () => {
  await selectBackend('wasm');
  const x = randomTensor([4, 5], 3);
  const expected = x.dataSync().slice();
  const dataIds = tf.backend().numDataIds();
  const copies = [tf.clone(x), tf.cast(x, 'float32')];
  assert.equal(tf.backend().numDataIds(), dataIds, 'no new wasm buffers');
  x.dispose();
  for (const c of copies) assert.deepEqual(c.dataSync(), expected);
  const asInt = tf.cast(copies[0], 'int32');
  assert.deepEqual([...asInt.dataSync()], [...expected].map((v) => Math.trunc(v) || 0), 'a real cast still converts');
  tf.dispose([...copies, asInt]);
  assert.equal(tf.backend().numDataIds(), dataIds - 1, 'the shared buffer is freed with its last reference');
});

test('GatherV2 along axis 0 on wasm equals cpu: float32 and int32 rows, repeated and 2-D indices; a bad index is refused', async () => {
  const x = () => randomTensor([6, 3, 2, 2], 11);
  const rowsOf = (idx: number[], shape = [idx.length]) => tf.tensor(idx, shape, 'int32');
  await assertSameOnWasmAndCpu(() => [
    tf.gather(x(), rowsOf([5, 0, 0, 3])),
    tf.gather(x(), rowsOf([1, 4, 2, 2], [2, 2])),
    tf.gather(x(), rowsOf([])),
    tf.gather(tf.cast(tf.mul(x(), 100), 'int32'), rowsOf([2, 1])),
    tf.gather(x(), rowsOf([1, 0]), 2), // another axis: the stock kernel
  ], 0, 'gather');
  await selectBackend('wasm');
  const dataIds = tf.backend().numDataIds();
  assert.throws(() => tf.tidy(() => tf.gather(x(), rowsOf([0, 6]))), /GatherV2: index 6 at position 1 is outside \[0, 5\]/);
  assert.equal(tf.backend().numDataIds(), dataIds, 'nothing left behind by the refused gather');
});

// Last in this file: it grows the wasm heap to its 4 GiB maximum (address space only, the
// allocations are never written, so this takes ~50 ms and no resident memory).
test('an exhausted wasm heap throws a clear error instead of corrupting the heap, which stays usable', async () => {
  // tfjs 4.22 took malloc's NULL as address 0: the tensor was registered there and its kernel
  // wrote over malloc's state, and the process died later in _malloc / registerTensor (the
  // full-width VGG-like net at batch 100 in bench/bench.ts, which did not apply model.width).
  await selectBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const dataIds = backend.numDataIds();
  const held: tf.TensorInfo[] = [];
  let error: unknown;
  try {
    for (let i = 0; i < 16 && error === undefined; i++) { // 16 x 512 MiB: twice the heap's maximum
      try {
        held.push(backend.makeOutput([128 * 2 ** 20], 'float32'));
      } catch (e) {
        error = e;
      }
    }
  } finally {
    for (const t of held) backend.disposeData(t.dataId);
  }
  assert.match(String(error), /wasm heap exhausted: could not allocate 536870912 bytes/);
  assert.ok(held.length >= 1, 'the first 512 MiB fit');
  assert.equal(backend.numDataIds(), dataIds, 'nothing registered for the failed allocation');
  // The heap still works: large allocations reuse the freed space, and kernels match cpu.
  const tail = tf.tidy(() => tf.sum(tf.slice(tf.fill([16 * 2 ** 20], 2), [16 * 2 ** 20 - 8], [8])));
  assert.equal((await tail.data())[0], 16);
  tail.dispose();
  const c = convCases[5]!;
  await assertSameOnWasmAndCpu(() => [filterGradient(c), inputGradient(c)], 1e-4, `after exhaustion: ${describeCase(c)}`);
  await assertSameOnWasmAndCpu(() => {
    const { grads, value } = tf.valueAndGrads(smallNetLoss(false))(smallNetParams());
    return [value, ...grads];
  }, 1e-4, 'after exhaustion: small conv net');
});
