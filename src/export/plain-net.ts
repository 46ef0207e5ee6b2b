/**
 * The exporter's in-memory model: a sequential stack of plain layers (src/layers/layer.ts
 * PlainLayer: a registered layer type with a `plain` facet, such as dense, conv2d, maxpool,
 * flatten, batchnorm, dropout, activation) with their parameters as float32 arrays in tfjs
 * layout. Sparse VD layers become plain layers whose kernel is theta * mask; log sigma^2 is gone.
 * Both export formats are written from it and read back into it, and the structured view (dead
 * units, --shrink) works on it. What each plain type is, its entry says (`plain`), found here.
 */
import { SvdError } from '../errors.js';
import type { LayerEntry, ParamArray, PlainFacet, PlainLayer, WeightedRole } from '../layers/layer.js';
import { LAYERS } from '../layers/registry.js';

export type { ParamArray, PlainLayer } from '../layers/layer.js';

/**
 * A sequential plain model on per-example inputs of `inputShape` ([h, w, c]). `preprocess`, when
 * present, are the run's input normalization as plain layers (src/export/preprocess.ts), applied
 * before `layers` by every export format; they are not part of the network's figures (parameter
 * counts, structure, --shrink).
 */
export interface PlainNet {
  inputShape: number[];
  preprocess?: PlainLayer[];
  layers: PlainLayer[];
}

/** The layers an export writes, in order: the preprocessing, then the network. */
export function allLayers(net: PlainNet): PlainLayer[] {
  return [...(net.preprocess ?? []), ...net.layers];
}

/** The registered plain layer types: those with a `plain` facet. */
export function plainTypes(): string[] {
  return LAYERS.list().filter(([, entry]) => entry.plain).map(([name]) => name);
}

/** True when `type` is a registered plain layer type. */
export function isPlainType(type: unknown): type is string {
  return typeof type === 'string' && LAYERS.has(type) && LAYERS.get(type).plain !== undefined;
}

/** The plain facet of `layer`'s type (a bug, not a user error, when it has none). */
export function plainFacet(layer: PlainLayer): PlainFacet<Record<string, unknown>> {
  const entry: LayerEntry = LAYERS.get(layer.type);
  if (!entry.plain) throw new SvdError('E_EXPORT', `layer ${layer.name}: '${layer.type}' is not a plain layer type (${plainTypes().join(', ')})`);
  return entry.plain as PlainFacet<Record<string, unknown>>;
}

/** The weighted role of `layer` (it has a kernel), or null. */
export function weightedRole(layer: PlainLayer): WeightedRole | null {
  const role = plainFacet(layer).role;
  return role.kind === 'weighted' ? role : null;
}

/** True for layers with a kernel (dense, conv2d). */
export function isWeighted(layer: PlainLayer): boolean {
  return weightedRole(layer) !== null;
}

/** The config key of a weighted layer's output width (`units`, `filters`): its entry's widthKey. */
export function widthKeyOf(layer: PlainLayer): string {
  const key = weightedRole(layer) ? LAYERS.get(layer.type).widthKey : undefined;
  if (!key) throw new Error(`layer ${layer.name} (${layer.type}) has no width`);
  return key;
}

/** Output width (units or filters) of a weighted layer. */
export function outWidth(layer: PlainLayer): number {
  return layer.config[widthKeyOf(layer)] as number;
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

/** Widths of the weighted layers by name, in order. */
export function layerWidths(net: PlainNet): Record<string, number> {
  return Object.fromEntries(net.layers.filter(isWeighted).map((l) => [l.name, outWidth(l)]));
}
