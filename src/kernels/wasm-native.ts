/**
 * The wasm backend's heaviest kernels on onnxruntime-node's native CPU kernels (MLAS, with the
 * machine's own AVX2 / AVX-512 or NEON instructions, which 128-bit wasm SIMD cannot use): 2-D
 * convolutions and their two gradients (Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter) and
 * unbatched matrix products (BatchMatMul). Inputs are read where they lie on the wasm heap and the
 * output is written into a tensor allocated there (src/native/: the graphs, the sessions, the
 * binding), so nothing is copied. Used for float32 calls of at least `minMacs` multiply-adds
 * (convolutions: NHWC, dilation 1) once `setNativeKernels` turns it on (the wasm backend does
 * when onnxruntime-node loads; SVD_NATIVE=0 keeps it off), and only while the wasm heap is not
 * shared (the threaded-SIMD build's is, and the binding refuses it); every other call goes to
 * the kernel registered before (ours or the stock one). Timings: docs/performance.md.
 */
import * as tf from '@tensorflow/tfjs';
import './wasm-kernel-utils.js'; // the stock wasm kernels are registered first
import './wasm-conv2d-backprop-filter.js';
import './wasm-conv2d-backprop-input.js';
import './wasm-batch-mat-mul.js';
import type { BackendWasm, TensorInfo } from './wasm-kernel-utils.js';
import { convGraphBytes, convGraphSignature, type ConvGeometry, type ConvGraphKind } from '../native/conv-graphs.js';
import { matMulGraphBytes, matMulSignature, type MatMulGeometry } from '../native/matmul-graph.js';
import { runGraph } from '../native/ort-sessions.js';

/** Below this many multiply-adds a call stays on wasm (a session run costs tens of microseconds). */
export const DEFAULT_MIN_MACS = 1_000_000;

const settings = { on: false, minMacs: DEFAULT_MIN_MACS, calls: 0 };

/** Turns the native kernels on or off for this thread (`minMacs`: the smallest call they take). */
export function setNativeKernels(on: boolean, minMacs = DEFAULT_MIN_MACS): void {
  settings.on = on;
  settings.minMacs = minMacs;
}

/** Calls that ran native on this thread so far (tests check that the native path ran). */
export function nativeCalls(): number {
  return settings.calls;
}

type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
};
type Args = { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: Record<string, unknown> };

/**
 * One call as a graph: its session key and bytes (both made only for a call that goes native),
 * inputs (tensor and graph dims), output (tfjs shape and graph dims) and size.
 */
interface NativeCall {
  key(): string;
  bytes(): Uint8Array;
  inputs: Array<[string, TensorInfo, number[]]>;
  output: [string, number[], number[]];
  macs: number;
}

/** A kernel the native path takes: the call as a graph, or null where it does not apply. */
type NativeKernel = (args: Args) => NativeCall | null;

function convGeometry(x: number[], filter: number[], attrs: ConvAttrs): ConvGeometry | null {
  const dilations = attrs.dilations ?? 1;
  if ((typeof dilations === 'number' ? dilations !== 1 : dilations.some((d) => d !== 1)) || (attrs.dataFormat ?? 'NHWC') !== 'NHWC') return null;
  const info = tf.backend_util.computeConv2DInfo(x as [number, number, number, number], filter as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { top, bottom, left, right } = info.padInfo;
  return {
    batch: info.batchSize, inHeight: info.inHeight, inWidth: info.inWidth, inChannels: info.inChannels,
    outHeight: info.outHeight, outWidth: info.outWidth, outChannels: info.outChannels,
    filterHeight: info.filterHeight, filterWidth: info.filterWidth, strideHeight: info.strideHeight, strideWidth: info.strideWidth,
    padInfo: { top, bottom, left, right },
  };
}

/** A convolution kernel: its graph kind, and which of the kernel's inputs feed the graph's (graph name -> kernel name). */
function convKernel(kind: ConvGraphKind, shapes: (a: Args) => [number[], number[]], names: Record<string, string>): NativeKernel {
  return (args) => {
    const g = convGeometry(...shapes(args), args.attrs as ConvAttrs);
    if (!g) return null;
    const { inputs, output } = convGraphSignature(kind, g);
    return {
      key: () => `${kind}:${JSON.stringify(g)}`,
      bytes: () => convGraphBytes(kind, g),
      inputs: inputs.map(([name, dims]) => [name, args.inputs[names[name]], dims]),
      output: [output[0], output[1], output[1]],
      macs: g.batch * g.outHeight * g.outWidth * g.outChannels * g.filterHeight * g.filterWidth * g.inChannels,
    };
  };
}

/** An unbatched product ([1, m, k] x [1, k, n], or without the leading 1s). */
const matMulKernel: NativeKernel = (args) => {
  const { a, b } = args.inputs;
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  if (![a, b].every((t) => t.shape.length >= 2 && t.shape.slice(0, -2).every((d) => d === 1))) return null;
  const [m, k] = transposeA ? [a.shape.at(-1)!, a.shape.at(-2)!] : [a.shape.at(-2)!, a.shape.at(-1)!];
  const n = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
  const g: MatMulGeometry = { m, k, n, transposeA, transposeB };
  const { inputs, output } = matMulSignature(g);
  const lead = (a.shape.length >= b.shape.length ? a : b).shape.slice(0, -2);
  return {
    key: () => `matmul:${JSON.stringify(g)}`,
    bytes: () => matMulGraphBytes(g),
    inputs: [[inputs[0][0], a, inputs[0][1]], [inputs[1][0], b, inputs[1][1]]],
    output: [output[0], [...lead, m, n], output[1]],
    macs: m * k * n,
  };
};

/** The kernels the native path takes, by name. */
const KERNELS: Record<string, NativeKernel> = {
  Conv2D: convKernel('forward', (a) => [a.inputs.x.shape, a.inputs.filter.shape], { x: 'x', w: 'filter' }),
  Conv2DBackpropInput: convKernel('dx', (a) => [(a.attrs as ConvAttrs).inputShape!, a.inputs.filter.shape], { dy: 'dy', w: 'filter' }),
  Conv2DBackpropFilter: convKernel('dW', (a) => [a.inputs.x.shape, (a.attrs as ConvAttrs).filterShape!], { x: 'x', dy: 'dy' }),
  BatchMatMul: matMulKernel,
};

/** Runs `call` on onnxruntime: output allocated on the wasm heap, the graph run over heap views; null when it cannot run. */
function runNative(backend: BackendWasm, call: NativeCall): TensorInfo | null {
  const out = backend.makeOutput(call.output[1], 'float32');
  // views after the allocation: a growing heap replaces its buffer
  const inputs = call.inputs.map(([name, t, dims]) => [name, backend.typedArrayFromHeap(t) as Float32Array, dims] as [string, Float32Array, number[]]);
  if (!runGraph(call.key(), call.bytes, inputs, [call.output[0], backend.typedArrayFromHeap(out) as Float32Array, call.output[2]])) {
    backend.disposeData(out.dataId);
    return null;
  }
  settings.calls++;
  return out;
}

/** Whether this call should go native: on, float32, large enough, heap not shared. */
function nativeCall(name: string, args: Args): NativeCall | null {
  if (!settings.on || !Object.values(args.inputs).every((t) => t.dtype === 'float32')) return null;
  const heap = (args.backend as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer;
  if (heap instanceof SharedArrayBuffer) return null;
  const call = KERNELS[name](args);
  return call && call.macs >= settings.minMacs ? call : null;
}

/** Our kernels in front of the registered ones, by name (so that registering twice is a no-op). */
const ours = new Map<string, tf.KernelConfig>();

/** Puts the native path in front of the kernels registered now for 'wasm'; safe to call repeatedly. */
export function registerWasmNative(): void {
  for (const name of Object.keys(KERNELS)) {
    const current = tf.getKernel(name, 'wasm');
    if (!current) throw new Error(`no wasm kernel '${name}' to put the native path in front of`);
    if (current === ours.get(name)) continue;
    const fallback = current.kernelFunc;
    const config: tf.KernelConfig = {
      ...current,
      kernelFunc: (raw) => {
        const args = raw as unknown as Args;
        const call = nativeCall(name, args);
        return (call && runNative(args.backend, call)) || fallback(raw);
      },
    };
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
    ours.set(name, config);
  }
}

registerWasmNative();
