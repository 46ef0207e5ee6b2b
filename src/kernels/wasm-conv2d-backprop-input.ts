/**
 * A faster `Conv2DBackpropInput` (the input gradient of conv2d) for the tfjs wasm backend,
 * put in place of the stock one on import. The stock kernel is a naive C++ loop; for
 * stride 1 the input gradient is a plain convolution that XNNPACK runs fast:
 *   dx = conv2d(dy, W'), W'[kh,kw,f,c] = W[KH-1-kh, KW-1-kw, c, f],
 *   padding (KH-1-top, KH-1-bottom, KW-1-left, KW-1-right)
 * Other cases (stride > 1, a pad wider than the filter, NCHW) go to the stock kernel.
 *
 * Measured here (ms per call, stock -> this): dy for x [100,12,12,20], filter [5,5,20,50]
 * valid: 138 -> 30; x [100,28,28,1], [5,5,1,20]: 24.5 -> 21; x [100,32,32,16], [3,3,16,32]
 * same: 397 -> 31; x [100,8,8,128], [3,3,128,128] same: 676 -> 68.
 */
import * as tf from '@tensorflow/tfjs';
import { replaceWasmKernel, runWasmKernel, transpose, type TensorInfo, type WasmKernelArgs } from './wasm-kernel-utils.js';

/** Kernel name, as tfjs-core's conv2d gradient calls it. */
export const CONV2D_BACKPROP_INPUT = 'Conv2DBackpropInput';

/** What tfjs-core's conv2d gradient hands the kernel. */
export type Conv2DBackpropInputArgs = WasmKernelArgs<{ dy: TensorInfo; filter: TensorInfo }, tf.Conv2DBackpropInputAttrs>;

type Padding = { top: number; bottom: number; left: number; right: number };

/** The padding of the equivalent forward convolution, or null where this kernel does not apply. */
function transposedPadding({ inputs, attrs }: Conv2DBackpropInputArgs): Padding | null {
  const { dy, filter } = inputs;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32' || (attrs.dataFormat ?? 'NHWC') !== 'NHWC') return null;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, false, 'channelsLast');
  if (info.strideHeight !== 1 || info.strideWidth !== 1) return null;
  const { top, bottom, left, right } = info.padInfo;
  const padding = {
    top: info.filterHeight - 1 - top,
    bottom: info.filterHeight - 1 - bottom,
    left: info.filterWidth - 1 - left,
    right: info.filterWidth - 1 - right,
  };
  return Object.values(padding).every((p) => p >= 0) ? padding : null;
}

/** dx of a stride-1 NHWC conv2d as one XNNPACK convolution; null where not applicable. */
export function fastConv2DBackpropInput(args: Conv2DBackpropInputArgs): TensorInfo | null {
  const padding = transposedPadding(args);
  if (padding === null) return null;
  const { inputs: { dy, filter }, backend } = args;
  const flipped = runWasmKernel('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const rotated = transpose(backend, flipped, [0, 1, 3, 2]);
  backend.disposeData(flipped.dataId);
  try {
    const pad = [[0, 0], [padding.top, padding.bottom], [padding.left, padding.right], [0, 0]];
    return runWasmKernel('Conv2D', backend, { x: dy, filter: rotated }, { strides: 1, dilations: 1, pad, dataFormat: 'NHWC' });
  } finally {
    backend.disposeData(rotated.dataId);
  }
}

/** Puts the fast path in front of the wasm backend's Conv2DBackpropInput; safe to call repeatedly. */
export function registerWasmConv2DBackpropInput(): void {
  replaceWasmKernel(CONV2D_BACKPROP_INPUT, (stock) => (args) =>
    fastConv2DBackpropInput(args as unknown as Conv2DBackpropInputArgs) ?? stock(args));
}

registerWasmConv2DBackpropInput();
