/**
 * `Conv2DBackpropFilter` for the tfjs wasm backend, which 4.22 lacks (so `tf.grad` of
 * `tf.conv2d` w.r.t. its filter throws there). Importing this module registers it.
 *
 * Method: the filter gradient is itself a convolution. With x: [N,H,W,C], dy: [N,OH,OW,F],
 *   dW[kh,kw,c,f] = sum_{n,oh,ow} x[n, oh*sh + kh - pt, ow*sw + kw - pl, c] * dy[n,oh,ow,f]
 * which is the wasm (XNNPACK) Conv2D of xT = x^[C,H,W,N] (batch C, channels N) with the
 * "filter" dyT = dy^[OH,OW,N,F], dilations = the forward strides, padding top/left as in the
 * forward pass: out [C,KH',KW',F] (KH' >= KH; cropped when the forward 'valid' conv left
 * rows unused), transposed to [KH,KW,C,F]. Only stock wasm kernels run (Transpose, Conv2D,
 * Slice); every intermediate is disposed.
 *
 * Measured on this machine (2 cores, wasm SIMD, 1 thread; ms per call, random data):
 *   shape (x / filter, stride, pad)         (a) Conv3DBackpropFilterV2  (b) im2col+matmul  (c) conv
 *   [100,28,28,1]  / [5,5,1,20]   1 valid          41.7                    17.6           13.9
 *   [100,12,12,20] / [5,5,20,50]  1 valid         378.7                    43.8           15.3
 *   [100,32,32,3]  / [3,3,3,16]   1 same           54.7                    34.4           17.5
 *   [100,32,32,16] / [3,3,16,32]  1 same         3702.9                   224.6           77.0
 *   [100,16,16,32] / [3,3,32,64]  1 same         1757.8                   121.1           58.4
 *   [100,8,8,64]   / [3,3,64,128] 1 same         1061.7                    63.9           46.6
 *   [100,8,8,128]  / [3,3,128,128] 1 same        2215.6                   126.3           87.5
 * (a) = the wasm backend's own naive C++ Conv3DBackpropFilterV2 with depth 1; it is also
 * wrong for stride > 1 (relative error ~0.3-0.5 vs cpu: its loop bound floors instead of
 * ceiling). (b) = transposed im2col built in JS on the wasm heap + BatchMatMul (XNNPACK
 * fully-connected path), chunked over the batch. (c) = this module; a third or more of its
 * time is XNNPACK packing dy as weights (new every call), the rest the convolution
 * (~20 GFLOP/s). Through tf.engine().runKernel, (c) measures 16.0 / 18.5 / 18.0 / 72.1 /
 * 60.2 / 46.9 / 88.9 ms on the rows above, with no tensor, data-id or heap growth.
 * The cpu backend's kernel takes seconds on the LeNet shapes.
 */
import * as tf from '@tensorflow/tfjs';
import { runWasmKernel, transpose, type BackendWasm, type TensorInfo, type WasmKernelArgs } from './wasm-kernel-utils.js';

/** Kernel name, as tfjs-core's conv2d gradient calls it. */
export const CONV2D_BACKPROP_FILTER = 'Conv2DBackpropFilter';

type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/** What tfjs-core's conv2d gradient hands the kernel. */
export type Conv2DBackpropFilterArgs = WasmKernelArgs<
  { x: TensorInfo; dy: TensorInfo },
  tf.Conv2DBackpropFilterAttrs & { dilations?: number | [number, number] }
>;

/** Rejects what this kernel does not implement, with a message that says so. */
function checkSupported({ inputs, attrs }: Conv2DBackpropFilterArgs): void {
  const { x, dy } = inputs;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`wasm Conv2DBackpropFilter: x and dy must be float32, got ${x.dtype} and ${dy.dtype}`);
  }
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`wasm Conv2DBackpropFilter: only dataFormat 'NHWC' is supported, got '${attrs.dataFormat}'`);
  }
  const dilations = attrs.dilations ?? 1;
  const [dh, dw] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (dh !== 1 || dw !== 1) {
    throw new Error(`wasm Conv2DBackpropFilter: dilations must be 1, got [${dh},${dw}]`);
  }
}

/** The filter gradient of a 2-D NHWC convolution; returns a new [KH,KW,C,F] tensor. */
export function wasmConv2DBackpropFilter(args: Conv2DBackpropFilterArgs): TensorInfo {
  checkSupported(args);
  const { inputs: { x, dy }, backend, attrs } = args;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1,
    attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  // Pad bottom/right only as far as the last filter tap reaches.
  const bottom = Math.max(0, (outHeight - 1) * strideHeight + filterHeight - inHeight - top);
  const right = Math.max(0, (outWidth - 1) * strideWidth + filterWidth - inWidth - left);
  const pad: ExplicitPadding = [[0, 0], [top, bottom], [left, right], [0, 0]];

  const xT = transpose(backend, x, [3, 1, 2, 0]);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]);
  let perChannel: TensorInfo;
  try {
    perChannel = runWasmKernel('Conv2D', backend, { x: xT, filter: dyT },
      { strides: 1, dilations: [strideHeight, strideWidth], pad, dataFormat: 'NHWC' });
  } finally {
    backend.disposeData(xT.dataId);
    backend.disposeData(dyT.dataId);
  }
  const cropped = cropToFilter(backend, perChannel, filterHeight, filterWidth);
  const dW = transpose(backend, cropped, [1, 2, 0, 3]);
  backend.disposeData(cropped.dataId);
  return dW;
}

/** Keeps the first kh x kw taps of a [C,KH',KW',F] result (disposing it if it cuts). */
function cropToFilter(backend: BackendWasm, t: TensorInfo, kh: number, kw: number): TensorInfo {
  const [c, h, w, f] = t.shape;
  if (h === kh && w === kw) return t;
  const cropped = runWasmKernel('Slice', backend, { x: t }, { begin: [0, 0, 0, 0], size: [c, kh, kw, f] });
  backend.disposeData(t.dataId);
  return cropped;
}

/** The kernel's registration record. */
export const wasmConv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: CONV2D_BACKPROP_FILTER,
  backendName: 'wasm',
  kernelFunc: wasmConv2DBackpropFilter as unknown as tf.KernelFunc,
};

/** Registers the kernel for 'wasm' unless one already is; safe to call repeatedly. */
export function registerWasmConv2DBackpropFilter(): void {
  if (tf.getKernel(CONV2D_BACKPROP_FILTER, 'wasm') === undefined) tf.registerKernel(wasmConv2DBackpropFilterConfig);
}

registerWasmConv2DBackpropFilter();
