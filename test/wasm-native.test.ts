/**
 * The native path of the wasm backend (src/kernels/wasm-native.ts: convolutions, their gradients
 * and matrix products on onnxruntime-node) against the cpu backend, on the cases the wasm kernels
 * are checked on (test/helpers/kernel-cases.ts) and on LeNet- and VGG-sized calls; that each call
 * did go native; that small calls, other dtypes and a turned-off path fall back; that the wasm
 * backend records what runs its native kernels; and leaks.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/select.js';
import { runtimeFromEnv } from '../src/backends/backend.js';
import { DEFAULT_MIN_MACS, nativeCalls, setNativeKernels } from '../src/kernels/wasm-native.js';
import {
  assertClose, convCases, describeCase, filterGradient, inputGradient, matMulCases, randomTensor, valuesOf, valuesOn, type ConvCase,
} from './helpers/kernel-cases.js';

/** Every wasm activation turns the path on with the default size limit; these tests take every size. */
async function nativeOnWasm(): Promise<void> {
  await selectBackend('wasm');
  setNativeKernels(true, 0);
}

/** Asserts `compute` on the native path equals the cpu backend's and ran `calls` native calls. */
async function assertNative(compute: () => tf.Tensor | tf.Tensor[], calls: number, rel: number, what: string): Promise<void> {
  const expected = await valuesOn('cpu', compute);
  await nativeOnWasm(); // not valuesOn('wasm'): activating wasm again would restore the default size limit
  const before = nativeCalls();
  const actual = await valuesOf(compute);
  assert.equal(nativeCalls() - before, calls, `${what}: native calls`);
  assert.equal(actual.length, expected.length, `${what}: outputs`);
  actual.forEach((values, i) => assertClose(values, expected[i]!, rel, `${what} [output ${i}]`));
}

before(async () => {
  const info = await selectBackend('wasm');
  assert.match(info.native ?? '', /^onnxruntime-node \d+\.\d+\.\d+, 1 thread$/, `the wasm backend runs its native kernels: ${info.native}`);
});

const forward = (c: ConvCase) => () => tf.conv2d(randomTensor(c.x, 1) as tf.Tensor4D, randomTensor(c.filter, 2) as tf.Tensor4D, c.strides as [number, number], c.pad as 'same', 'NHWC', 1, c.dimRoundingMode);
// LeNet-5-Caffe's and the VGG-like's own shapes (batch cut to keep the cpu reference quick)
const large: ConvCase[] = [
  { x: [8, 12, 12, 20], filter: [5, 5, 20, 50], strides: 1, pad: 'valid' },
  { x: [8, 16, 16, 16], filter: [3, 3, 16, 32], strides: 1, pad: 'same' },
];

for (const c of [...convCases, ...large]) {
  test(`native Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter equal cpu: ${describeCase(c)}`, async () => {
    await assertNative(forward(c), 1, 1e-4, `conv ${describeCase(c)}`);
    await assertNative(() => inputGradient(c), 1, 1e-4, `dx ${describeCase(c)}`);
    await assertNative(() => filterGradient(c), 1, 1e-4, `dW ${describeCase(c)}`);
  });
}

for (const [aShape, bShape, transposeA, transposeB] of [...matMulCases, [[100, 800], [800, 500], false, false] as const]) {
  const batched = aShape.length === 3 && aShape[0]! > 1;
  test(`native BatchMatMul equals cpu (batched products stay on wasm): ${aShape}${transposeA ? '^T' : ''} x ${bShape}${transposeB ? '^T' : ''}`, async () => {
    await assertNative(() => tf.matMul(randomTensor([...aShape], 5), randomTensor([...bShape], 6), transposeA, transposeB), batched ? 0 : 1, 1e-5, 'matMul');
  });
}

test('the gradient of a conv net goes native and equals cpu', async () => {
  const loss = (x: tf.Tensor, f: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.matMul(tf.reshape(tf.relu(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')), [4, -1]), w), 0.5));
  // conv forward, its two gradients, the product forward and its two gradients
  await assertNative(() => tf.grads(loss)([randomTensor([4, 6, 6, 3], 7), randomTensor([3, 3, 3, 5], 8), randomTensor([180, 7], 9)]), 6, 1e-4, 'conv net grads');
});

test('calls below the size limit and a turned-off path stay on wasm', async () => {
  await nativeOnWasm();
  setNativeKernels(true, DEFAULT_MIN_MACS);
  const before = nativeCalls();
  tf.tidy(() => {
    tf.conv2d(randomTensor([1, 5, 5, 2], 1) as tf.Tensor4D, randomTensor([3, 3, 2, 2], 2) as tf.Tensor4D, 1, 'same').dataSync();
    tf.matMul(randomTensor([50, 40], 3), randomTensor([40, 30], 4)).dataSync(); // 60,000 multiply-adds
  });
  setNativeKernels(false);
  tf.tidy(() => tf.matMul(randomTensor([200, 200], 3), randomTensor([200, 200], 4)).dataSync());
  assert.equal(nativeCalls(), before);
});

test('SVD_NATIVE=0 keeps the native kernels off, and the backend says so', async () => {
  const info = await selectBackend('wasm', runtimeFromEnv({ SVD_NATIVE: '0' }));
  assert.equal(info.native, 'off: SVD_NATIVE=0');
  const before = nativeCalls();
  tf.tidy(() => tf.matMul(randomTensor([300, 300], 3), randomTensor([300, 300], 4)).dataSync());
  assert.equal(nativeCalls(), before);
});

test('no tensors or wasm buffers leak across repeated native calls', async () => {
  await nativeOnWasm();
  const c = large[0]!;
  const once = () => tf.tidy(() => {
    forward(c)().dataSync();
    inputGradient(c).dataSync();
    filterGradient(c).dataSync();
    tf.matMul(randomTensor([30, 40], 1), randomTensor([50, 40], 2), false, true).dataSync();
  });
  once();
  const counts = () => ({ tensors: tf.memory().numTensors, dataIds: tf.backend().numDataIds() });
  const start = counts();
  const calls = nativeCalls();
  for (let i = 0; i < 4; i++) once();
  assert.deepEqual(counts(), start);
  assert.equal(nativeCalls() - calls, 16);
});
