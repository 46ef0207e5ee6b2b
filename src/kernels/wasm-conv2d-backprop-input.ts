/**
 * A faster `Conv2DBackpropInput` (the input gradient of conv2d) for the tfjs wasm backend,
 * put in place of the stock one on import. The stock kernel is a naive C++ loop. Two paths:
 *
 * (a) "full convolution", stride 1 only: the input gradient is a plain convolution that
 *     XNNPACK runs fast:
 *       dx = conv2d(dy, W'), W'[kh,kw,f,c] = W[KH-1-kh, KW-1-kw, c, f],
 *       padding (KH-1-top, KH-1-bottom, KW-1-left, KW-1-right)
 *     It multiplies through the zero padding, so it does H*W/(OH*OW) times the work of the
 *     forward convolution: 2.25x for LeNet-5's second conv (12x12 -> 8x8, 'valid').
 * (b) "col2im", any stride: cols = dy[N*OH*OW, F] x W[KH*KW*C, F]^T (one XNNPACK product with
 *     exactly the forward convolution's multiply-adds), then each row of cols is added into the
 *     KH x KW window of dx it came from (a loop over the wasm heap).
 * (b) is used where (a) would do at least 1.5x the forward work or the stride is not 1, (a) for
 * the rest ('same' convolutions, where (a) is faster); NCHW and pads wider than the filter go to
 * the stock kernel.
 *
 * Measured here (ms per call, 1 thread): dy for x [100,12,12,20], filter [5,5,20,50] valid:
 * stock 138, (a) 30-32, (b) 22; x [100,32,32,16], [3,3,16,32] same: stock 397, (a) 31-39, (b) 82;
 * x [100,8,8,128], [3,3,128,128] same: stock 676, (a) 68-72, (b) 81; x [100,28,28,1], [5,5,1,20]:
 * stock 24.5, (a) 21; x [100,32,32,16], [3,3,16,32] stride 2 same: stock 102, (b) 20.
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

/** The convolution's geometry, or null where neither fast path applies (non-float, NCHW). */
function geometry({ inputs, attrs }: Conv2DBackpropInputArgs): tf.backend_util.Conv2DInfo | null {
  const { dy, filter } = inputs;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32' || (attrs.dataFormat ?? 'NHWC') !== 'NHWC') return null;
  return tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, false, 'channelsLast');
}

/** Whether path (b), col2im, is the faster one for this geometry (see the header). */
function preferCol2Im(info: tf.backend_util.Conv2DInfo): boolean {
  if (info.strideHeight !== 1 || info.strideWidth !== 1) return true;
  return info.inHeight * info.inWidth >= 1.5 * info.outHeight * info.outWidth;
}

/** dx of an NHWC conv2d by the faster of the two paths; null where neither applies. */
export function fastConv2DBackpropInput(args: Conv2DBackpropInputArgs): TensorInfo | null {
  const info = geometry(args);
  if (info === null) return null;
  if (preferCol2Im(info)) return col2ImBackpropInput(args, info);
  return fullConvBackpropInput(args);
}

/**
 * Path (b): cols = dy x W^T on XNNPACK, then cols scattered (added) into dx window by window.
 * dx[n, oh*sh + kh - top, ow*sw + kw - left, c] += cols[(n*OH + oh)*OW + ow, (kh*KW + kw)*C + c].
 */
export function col2ImBackpropInput(args: Conv2DBackpropInputArgs, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const { inputs: { dy, filter }, backend } = args;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, outChannels: f } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const k = kh * kw * c;
  // Reshaped views of the inputs (same data): dy [1, N*OH*OW, F], W [1, KH*KW*C, F].
  const dy3: TensorInfo = { dataId: dy.dataId, shape: [1, n * oh * ow, f], dtype: 'float32' };
  const w3: TensorInfo = { dataId: filter.dataId, shape: [1, k, f], dtype: 'float32' };
  const cols = runWasmKernel('BatchMatMul', backend, { a: dy3, b: w3 }, { transposeA: false, transposeB: true });
  const dx = backend.makeOutput([n, h, w, c], 'float32');
  // Views after the last allocation (a heap growth would detach earlier ones).
  const src = backend.typedArrayFromHeap(cols) as Float32Array;
  const dst = backend.typedArrayFromHeap(dx) as Float32Array;
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const row = ((b * oh + y) * ow + x) * k;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh + i - top;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = x * sw + j - left;
            if (ix < 0 || ix >= w) continue;
            const from = row + (i * kw + j) * c;
            const to = ((b * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) dst[to + ch] += src[from + ch];
          }
        }
      }
    }
  }
  backend.disposeData(cols.dataId);
  return dx;
}

/** Path (a): dx of a stride-1 NHWC conv2d as one XNNPACK convolution; null where not applicable. */
export function fullConvBackpropInput(args: Conv2DBackpropInputArgs): TensorInfo | null {
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
