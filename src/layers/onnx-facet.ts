/**
 * What a plain layer type contributes to an ONNX export: a function that appends its nodes to a
 * graph being written (src/export/onnx-graph.ts implements the emitter). The emitter keeps the
 * current tensor and its layout: images travel NCHW (ONNX's Conv, pooling and BatchNormalization
 * layout), vectors as [batch, features]. The emitter converts between the two exactly as tfjs
 * orders values (a flattened image is NHWC, channel fastest), so every layer only says which
 * layout it reads.
 */

/** The layout of the current tensor: an image [N, C, H, W], or a vector [N, features]. */
export type OnnxLayout = 'nchw' | 'flat';

/** An ONNX attribute value: an int, a float, a list of ints (all integers are int64 in ONNX). */
export type OnnxAttribute = { int: number } | { float: number } | { ints: number[] };

/** The graph a plain layer appends its nodes to. */
export interface OnnxEmitter {
  /** The layer's input, per example, in tfjs terms ([h, w, c] or [n]). */
  readonly shape: number[];
  /** The layout of the current tensor. */
  readonly layout: OnnxLayout;
  /** Brings the current tensor to NCHW (from a vector: as tfjs reshapes an NHWC image of `image`). */
  toImage(image: number[]): void;
  /** Brings the current tensor to [N, features], features in tfjs order (NHWC, channel fastest). */
  toFlat(): void;
  /**
   * Appends a node whose first input is the current tensor and whose output becomes the current
   * tensor (in `layout`, default unchanged); `inputs` are the further inputs (initializer names).
   */
  node(op: string, inputs: string[], attributes?: Record<string, OnnxAttribute>, layout?: OnnxLayout): void;
  /** Adds a float32 initializer named `<layer>/<name>` and returns its name. */
  weight(name: string, shape: number[], values: Float32Array): string;
  /** Appends the activation tfjs calls `name` (linear: nothing). */
  activation(name: string): void;
}

/** A parameter array as the facet reads it (src/layers/layer.ts ParamArray: tfjs layout). */
export interface OnnxParam {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** The parameter `name` of `params`, or undefined. */
export function onnxParam(params: readonly OnnxParam[], name: string): OnnxParam | undefined {
  return params.find((p) => p.name === name);
}

/** The kernel and, when present, the bias of a weighted layer, added to the graph as initializers. */
export function kernelAndBias(params: readonly OnnxParam[], graph: OnnxEmitter, kernel: (p: OnnxParam) => OnnxParam): string[] {
  const k = onnxParam(params, 'kernel');
  if (!k) throw new Error('a weighted plain layer has no kernel');
  const b = onnxParam(params, 'bias');
  const w = kernel(k);
  return [graph.weight('kernel', w.shape, w.values), ...(b ? [graph.weight('bias', b.shape, b.values)] : [])];
}
