/**
 * What the kernel tests share: deterministic inputs, the comparison of a computation on wasm
 * against the cpu backend, and the convolution and matrix-product cases both the wasm kernels
 * (test/wasm-kernels.test.ts) and their native path (test/wasm-native.test.ts) are checked on.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backends/select.js';

export type Shape4 = [number, number, number, number];
export type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

/** Deterministic values in [-1, 1) so both backends see identical inputs. */
export function pseudoRandom(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

export function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(pseudoRandom(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** Runs `compute` on `backend` and downloads every result. */
export async function valuesOn(backend: 'cpu' | 'wasm', compute: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await selectBackend(backend);
  return valuesOf(compute);
}

/** Runs `compute` on the active backend and downloads every result. */
export async function valuesOf(compute: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  const out = tf.tidy(compute);
  const list = Array.isArray(out) ? out : [out];
  const values = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(list);
  return values;
}

/** Asserts max |actual - expected| <= rel * max(1, max |expected|). */
export function assertClose(actual: Float32Array, expected: Float32Array, rel: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let maxDiff = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  assert.ok(maxDiff <= rel * scale, `${what}: max difference ${maxDiff} exceeds ${rel} x ${scale}`);
}

/** Both backends' results for the same computation, compared elementwise. */
export async function assertSameOnWasmAndCpu(compute: () => tf.Tensor | tf.Tensor[], rel: number, what: string): Promise<void> {
  const expected = await valuesOn('cpu', compute);
  const actual = await valuesOn('wasm', compute);
  assert.equal(actual.length, expected.length);
  actual.forEach((values, i) => assertClose(values, expected[i]!, rel, `${what} [output ${i}]`));
}

export interface ConvCase {
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export const convCases: ConvCase[] = [
  { x: [1, 5, 5, 1], filter: [3, 3, 1, 1], strides: 1, pad: 'valid' },
  { x: [3, 7, 6, 4], filter: [3, 2, 4, 5], strides: 1, pad: 'valid' },
  { x: [3, 7, 6, 4], filter: [3, 2, 4, 5], strides: 1, pad: 'same' },
  { x: [3, 9, 8, 3], filter: [2, 3, 3, 4], strides: 2, pad: 'valid' },
  { x: [1, 9, 8, 1], filter: [3, 3, 1, 2], strides: 2, pad: 'same' },
  { x: [3, 10, 10, 2], filter: [4, 4, 2, 3], strides: [2, 3], pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 5], strides: [2, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [3, 8, 8, 2], filter: [3, 3, 2, 4], strides: 2, pad: 1, dimRoundingMode: 'floor' },
  { x: [2, 4, 4, 3], filter: [5, 5, 3, 2], strides: 1, pad: 'same' },
  { x: [2, 1, 1, 3], filter: [1, 1, 3, 4], strides: 1, pad: 'valid' },
  { x: [1, 28, 28, 1], filter: [5, 5, 1, 6], strides: 1, pad: 'valid' },
  { x: [3, 12, 12, 20], filter: [5, 5, 20, 50], strides: 1, pad: 'valid' },
];

export function describeCase(c: ConvCase): string {
  return `x ${c.x} filter ${c.filter} strides ${c.strides} pad ${JSON.stringify(c.pad)}`;
}

/** The Conv2DBackpropFilter kernel run as tfjs-core's conv2d gradient runs it. */
export function filterGradient(c: ConvCase): tf.Tensor {
  const outShape = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, c.dimRoundingMode).outShape;
  const x = randomTensor(c.x, 1);
  const dy = randomTensor(outShape, 2);
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode, filterShape: c.filter };
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** The Conv2DBackpropInput kernel run as tfjs-core's conv2d gradient runs it. */
export function inputGradient(c: ConvCase): tf.Tensor {
  const outShape = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, c.dimRoundingMode).outShape;
  const dy = randomTensor(outShape, 3);
  const filter = randomTensor(c.filter, 4);
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode, inputShape: c.x };
  return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** Matrix products: A shape, B shape, transposeA, transposeB. */
export const matMulCases: ReadonlyArray<readonly [number[], number[], boolean, boolean]> = [
  [[7, 5], [5, 3], false, false],
  [[7, 5], [3, 5], false, true],
  [[5, 7], [5, 3], true, false],
  [[5, 7], [3, 5], true, true],
  [[1, 5, 7], [1, 3, 5], true, true],
  [[1, 1], [3, 1], false, true],
  [[2, 5, 7], [2, 5, 3], true, false],
  [[100, 80], [50, 80], false, true],
  [[3, 20], [40, 20], false, true],
  [[1, 4, 20], [1, 40, 20], false, true],
];
