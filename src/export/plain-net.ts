/**
 * The exporter's in-memory model: a sequential stack of plain layers (what tfjs calls dense,
 * conv2d, maxPooling2d, flatten, batchNormalization, dropout, activation) with their parameters
 * as float32 arrays in tfjs layout. Sparse VD layers become plain layers whose kernel is
 * theta * mask; log sigma^2 is gone. Both export formats are written from it and read back
 * into it, and the structured view (dead units, --shrink) works on it.
 */

/** One parameter array, row-major in tfjs layout (dense kernel [in, units], conv [kh, kw, in, out]). */
export interface ParamArray {
  /** `kernel`, `bias`, `gamma`, `beta`, `movingMean`, `movingVariance`. */
  name: string;
  shape: number[];
  values: Float32Array;
}

/** `dense` attributes. */
export interface DenseConfig {
  units: number;
  activation: string;
  useBias: boolean;
}

/** `conv2d` attributes (NHWC). */
export interface Conv2dConfig {
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
  activation: string;
  useBias: boolean;
}

/** `maxpool` attributes. */
export interface MaxPoolConfig {
  poolSize: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
}

/** `batchnorm` attributes (the moving statistics are parameters). */
export interface BatchNormConfig {
  momentum: number;
  epsilon: number;
}

interface LayerBase<T extends string, C> {
  type: T;
  /** The layer's name in the run (`dense-svd_1`); also its tfjs name. */
  name: string;
  /** The svd layer type it came from (`dense-svd`, `conv2d`, ...). */
  source: string;
  config: C;
  /** Parameters in tfjs weight order: kernel, bias | gamma, beta, movingMean, movingVariance. */
  params: ParamArray[];
}

/** A plain layer of an exported model. */
export type PlainLayer =
  | LayerBase<'dense', DenseConfig>
  | LayerBase<'conv2d', Conv2dConfig>
  | LayerBase<'maxpool', MaxPoolConfig>
  | LayerBase<'flatten', Record<string, never>>
  | LayerBase<'batchnorm', BatchNormConfig>
  | LayerBase<'dropout', { rate: number }>
  | LayerBase<'activation', { activation: string }>;

/** The plain layer types. */
export type PlainLayerType = PlainLayer['type'];
/** Every plain layer type, in no particular order. */
export const PLAIN_LAYER_TYPES: readonly PlainLayerType[] = ['dense', 'conv2d', 'maxpool', 'flatten', 'batchnorm', 'dropout', 'activation'];

/** A sequential plain model on per-example inputs of `inputShape` ([h, w, c]). */
export interface PlainNet {
  inputShape: number[];
  layers: PlainLayer[];
}

/** A dense or conv2d layer: the layers with a kernel. */
export type WeightedLayer = Extract<PlainLayer, { type: 'dense' | 'conv2d' }>;

/** True for dense and conv2d layers. */
export function isWeighted(layer: PlainLayer): layer is WeightedLayer {
  return layer.type === 'dense' || layer.type === 'conv2d';
}

/** The parameter `name` of `layer`, or undefined. */
export function findParam(layer: PlainLayer, name: string): ParamArray | undefined {
  return layer.params.find((p) => p.name === name);
}

/** The parameter `name` of `layer`; throws when missing (a bug, not a user error). */
export function param(layer: PlainLayer, name: string): ParamArray {
  const p = findParam(layer, name);
  if (!p) throw new Error(`layer ${layer.name} has no parameter ${name}`);
  return p;
}

/** Number of values in a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Number of parameters of the whole net. */
export function paramCount(net: PlainNet): number {
  return net.layers.reduce((n, l) => n + l.params.reduce((m, p) => m + p.values.length, 0), 0);
}

/** Number of nonzero parameters of the whole net. */
export function nonzeroCount(net: PlainNet): number {
  let n = 0;
  for (const l of net.layers) for (const p of l.params) for (const v of p.values) if (v !== 0) n++;
  return n;
}

/** Output width (units or filters) of a weighted layer. */
export function outWidth(layer: WeightedLayer): number {
  return layer.type === 'dense' ? layer.config.units : layer.config.filters;
}

/** Widths of the weighted layers by name, in order. */
export function layerWidths(net: PlainNet): Record<string, number> {
  return Object.fromEntries(net.layers.filter(isWeighted).map((l) => [l.name, outWidth(l)]));
}
