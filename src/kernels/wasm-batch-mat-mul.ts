/**
 * `BatchMatMul` for the tfjs wasm backend with fast transposed products, put in place of
 * the stock kernel on import. The stock kernel uses XNNPACK only for an untransposed,
 * unbatched product and a naive loop otherwise; every matMul gradient is transposed
 * (dA = dC B^T, dB = A^T dC). Here a transposed operand of an unbatched product is
 * transposed first (cheap) and the product goes down XNNPACK's path; the rest is the
 * stock kernel's.
 *
 * Measured here (ms per call, stock -> this): [100,800] x [500,800]^T: 36 -> 4.6;
 * [100,800]^T x [100,500]: 37 -> 3.0; [100,500] x [10,500]^T: 0.46 -> 0.08.
 *
 * A x B^T with a small A and a large B (a dense layer's input gradient dy x W^T: B is the
 * weight matrix) is computed as (B x A^T)^T instead: two small transposes in place of
 * transposing the whole weight matrix, and XNNPACK packs the small operand. LeNet-5's
 * [50,500] x [800,500]^T: 4.0 -> 1.8 ms (CPU time per call).
 */
import * as tf from '@tensorflow/tfjs';
import { replaceWasmKernel, transpose, type BackendWasm, type TensorInfo, type WasmKernelArgs } from './wasm-kernel-utils.js';

/** Kernel name, as tf.matMul calls it. */
export const BATCH_MAT_MUL = 'BatchMatMul';

/** What tf.matMul hands the kernel. */
export type BatchMatMulArgs = WasmKernelArgs<{ a: TensorInfo; b: TensorInfo }, tf.BatchMatMulAttrs>;

function isUnbatchedFloat(t: TensorInfo): boolean {
  return t.dtype === 'float32' && t.shape.slice(0, -2).every((d) => d === 1);
}

/** x with its last two axes swapped (a new tensor). */
function swapLastAxes(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
  return transpose(backend, x, perm);
}

/** Wraps the stock kernel: transposes first, then an untransposed product. */
export function makeWasmBatchMatMul(stock: tf.KernelFunc): tf.KernelFunc {
  return (rawArgs) => {
    const { inputs: { a, b }, backend, attrs } = rawArgs as unknown as BatchMatMulArgs;
    const { transposeA, transposeB } = attrs;
    if (!(transposeA || transposeB) || !isUnbatchedFloat(a) || !isUnbatchedFloat(b)) return stock(rawArgs);
    if (transposeB && !transposeA && swappedIsCheaper(a, b)) return swappedProduct(stock, backend, a, b, attrs);
    const aPlain = transposeA ? swapLastAxes(backend, a) : a;
    const bPlain = transposeB ? swapLastAxes(backend, b) : b;
    try {
      return stock({ inputs: { a: aPlain, b: bPlain }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      if (transposeA) backend.disposeData(aPlain.dataId);
      if (transposeB) backend.disposeData(bPlain.dataId);
    }
  };
}

/**
 * Whether A x B^T is cheaper as (B x A^T)^T: elements moved by transposes and weight packing,
 * M(2K + N) for the swapped product against 2NK for transposing B (A is [M,K], B is [N,K]).
 */
function swappedIsCheaper(a: TensorInfo, b: TensorInfo): boolean {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 2];
  return m * (2 * k + n) < 2 * n * k;
}

/** A x B^T as (B x A^T)^T: both transposes are of the small operand and of the result. */
function swappedProduct(stock: tf.KernelFunc, backend: BackendWasm, a: TensorInfo, b: TensorInfo, attrs: tf.BatchMatMulAttrs): TensorInfo {
  const aT = swapLastAxes(backend, a);
  let product: TensorInfo | null = null;
  try {
    product = stock({ inputs: { a: b, b: aT }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }) as TensorInfo;
    return swapLastAxes(backend, product);
  } finally {
    backend.disposeData(aT.dataId);
    if (product) backend.disposeData(product.dataId);
  }
}

/** Puts the transposed fast path in front of the wasm backend's BatchMatMul; safe to call repeatedly. */
export function registerWasmBatchMatMul(): void {
  replaceWasmKernel(BATCH_MAT_MUL, makeWasmBatchMatMul);
}

registerWasmBatchMatMul();
