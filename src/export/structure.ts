/**
 * The structured view of a sparsified PlainNet: hidden units (dense) and filters (conv2d) that
 * are dead because all their outgoing weights are pruned, or all their incoming weights are;
 * and `shrinkNet`, which removes the ones that provably do not change the outputs, giving
 * narrower layers (the real speed-up with dense kernels).
 *
 * Which layers have a kernel (weighted) and how the others treat the channels passing through
 * them, each plain type's entry says (`plain.role`, src/layers/layer.ts). A unit c of a weighted
 * layer L feeds the next weighted layer M through layers that keep channels apart (activation
 * other than softmax, dropout, pooling, batchnorm, flatten). It can be removed
 *  - when every weight of M reading channel c is zero ("dead out"): its value is multiplied by
 *    zeros only; or
 *  - when every weight of L producing c is zero ("dead in") and its constant output, act(bias)
 *    carried through the layers up to M, is exactly 0 (relu with bias <= 0; linear or tanh with
 *    bias 0; not through a layer whose role says 'value', such as batchnorm or sigmoid). A
 *    dead-in unit with a nonzero constant output is reported as `constant` and kept: removing
 *    it would change M's pre-activations.
 * Removal is exact in real arithmetic; M then sums fewer (zero) terms, so float results may
 * differ in the last bits where the kernel's summation order changes. Outputs of the last
 * weighted layer and units of a softmax layer are never removed; every layer keeps at least one
 * unit. Removing units can make more units dead, so shrinking repeats until nothing changes.
 */
import type { ParamArray } from '../layers/layer.js';
import { exactValue } from '../layers/activations.js';
import { isWeighted, layerWidths, outWidth, param, plainFacet, sizeOf, weightedRole, widthKeyOf, type PlainLayer, type PlainNet } from './plain-net.js';

/** Dead units of one weighted layer. */
export interface LayerStructure {
  layer: string;
  /** What the layer's outputs are: its width key (units for dense, filters for conv2d). */
  kind: string;
  /** Number of units or filters. */
  width: number;
  /** Units whose incoming weights are all zero. */
  deadIn: number;
  /** Of those, units whose constant output is not zero (kept by --shrink unless dead out). */
  constant: number;
  /** Units whose outgoing weights (in the next weighted layer) are all zero. */
  deadOut: number;
  /** Units --shrink removes in a first pass (dead out, or dead in with output 0). */
  removable: number;
}

/** The structured view of a net. */
export interface StructureReport {
  layers: LayerStructure[];
  /** Inputs of the first weighted layer (features of a dense one, channels of a conv one), and how many no weight reads. */
  inputs: { kind: 'features' | 'channels'; count: number; unused: number };
}

/** How one weighted layer connects to the next one. */
interface Link {
  index: number;
  layer: PlainLayer;
  /** Index of the next weighted layer, or -1. */
  next: number;
  /** Whether units of this layer may be removed at all (not the last, no softmax on the way). */
  shrinkable: boolean;
  /** Whether an exactly-zero output of this layer stays zero up to the next weighted layer. */
  zeroPreserving: boolean;
}

/** Reports dead units of every weighted layer and unused inputs (reads only). */
export function analyzeStructure(net: PlainNet): StructureReport {
  const layers = links(net).map((link): LayerStructure => {
    const width = outWidth(link.layer);
    const deadIn = deadInUnits(link.layer);
    const zeroOut = zeroOutputUnits(link, deadIn);
    const deadOut = link.next >= 0 ? deadOutUnits(net.layers[link.next], width) : new Set<number>();
    const removable = link.shrinkable ? union(deadOut, zeroOut) : new Set<number>();
    const constant = [...deadIn].filter((c) => !zeroOut.has(c)).length;
    return { layer: link.layer.name, kind: widthKeyOf(link.layer), width, deadIn: deadIn.size, constant, deadOut: deadOut.size, removable: Math.min(removable.size, width - 1) };
  });
  const first = net.layers.find(isWeighted);
  const inputs = first ? unusedInputs(first) : { kind: 'features' as const, count: 0, unused: 0 };
  return { layers, inputs };
}

/** Result of shrinking. */
export interface ShrinkResult {
  net: PlainNet;
  /** Widths of the weighted layers before and after, by layer name. */
  before: Record<string, number>;
  after: Record<string, number>;
  /** Passes until nothing more could be removed. */
  passes: number;
}

/** A copy of `net` with every removable unit removed, repeated until none is left. */
export function shrinkNet(net: PlainNet): ShrinkResult {
  let current: PlainNet = { inputShape: [...net.inputShape], layers: net.layers.map(cloneLayer) };
  const before = layerWidths(current);
  let passes = 0;
  for (;;) {
    passes++;
    let changed = false;
    const count = links(current).length;
    for (let k = 0; k < count; k++) {
      // links are recomputed after every removal: removing units rewrites the next layer too
      const link = links(current)[k];
      if (!link.shrinkable) continue;
      const width = outWidth(link.layer);
      const next = current.layers[link.next];
      const remove = union(deadOutUnits(next, width), zeroOutputUnits(link, deadInUnits(link.layer)));
      if (remove.size >= width) remove.delete(Math.min(...remove));
      if (remove.size === 0) continue;
      const keep = [...Array(width).keys()].filter((c) => !remove.has(c));
      current = removeUnits(current, link, keep);
      changed = true;
    }
    if (!changed) break;
  }
  return { net: current, before, after: layerWidths(current), passes };
}

/** The activation of a weighted layer. */
function activationOf(layer: PlainLayer): string {
  return layer.config[weightedRole(layer)!.activationKey] as string;
}

/** Every weighted layer with its successor and what lies between. */
function links(net: PlainNet): Link[] {
  const result: Link[] = [];
  net.layers.forEach((layer, index) => {
    if (!isWeighted(layer)) return;
    let next = -1;
    let channelWise = activationOf(layer) !== 'softmax';
    let zeroPreserving = true;
    for (let j = index + 1; j < net.layers.length; j++) {
      const between = net.layers[j];
      if (isWeighted(between)) {
        next = j;
        break;
      }
      const role = plainFacet(between).role;
      const effect = role.kind === 'channels' ? role.effect(between.config) : 'mixed';
      if (effect === 'mixed') channelWise = false;
      if (effect !== 'zero') zeroPreserving = false;
    }
    result.push({ index, layer, next, shrinkable: next >= 0 && channelWise, zeroPreserving });
  });
  return result;
}

/** Output units whose kernel column is all zero. */
function deadInUnits(layer: PlainLayer): Set<number> {
  const kernel = param(layer, 'kernel').values;
  const width = outWidth(layer);
  const alive = new Uint8Array(width);
  for (let i = 0; i < kernel.length; i++) if (kernel[i] !== 0) alive[i % width] = 1;
  return new Set([...alive.keys()].filter((c) => !alive[c]));
}

/** Of the dead-in units, those whose output is exactly 0 all the way to the next weighted layer. */
function zeroOutputUnits(link: Link, deadIn: Set<number>): Set<number> {
  if (!link.zeroPreserving) return new Set();
  const bias = link.layer.params.find((p) => p.name === 'bias')?.values ?? null;
  const activation = activationOf(link.layer);
  return new Set([...deadIn].filter((c) => exactValue(activation, bias ? bias[c] : 0) === 0));
}

/** Input channels c of `next` (channel = row % width, rows = all but the last kernel axis) never read. */
function deadOutUnits(next: PlainLayer, width: number): Set<number> {
  const kernel = param(next, 'kernel');
  const out = kernel.shape[kernel.shape.length - 1];
  const used = new Uint8Array(width);
  for (let i = 0; i < kernel.values.length; i++) if (kernel.values[i] !== 0) used[Math.floor(i / out) % width] = 1;
  return new Set([...used.keys()].filter((c) => !used[c]));
}

/** Input features (dense) or channels (conv) of the first weighted layer that no weight reads. */
function unusedInputs(first: PlainLayer): StructureReport['inputs'] {
  const count = param(first, 'kernel').shape.at(-2)!;
  return { kind: weightedRole(first)!.inputs, count, unused: deadOutUnits(first, count).size };
}

/**
 * The inputs of `net`'s first weighted layer that no weight reads, by index (features of a dense
 * layer, in the flattened NHWC order of its input; channels of a conv layer), and how many
 * inputs it has; null when the net has no weighted layer. The report draws them as a map.
 */
export function unusedInputIndices(net: PlainNet): { count: number; unused: number[] } | null {
  const first = net.layers.find(isWeighted);
  if (!first) return null;
  const count = param(first, 'kernel').shape.at(-2)!;
  return { count, unused: [...deadOutUnits(first, count)].sort((a, b) => a - b) };
}

/** `net` with only units `keep` of `link.layer`, and the matching inputs of what follows. */
function removeUnits(net: PlainNet, link: Link, keep: number[]): PlainNet {
  const width = outWidth(link.layer);
  const layers = [...net.layers];
  const layer = link.layer;
  const lastAxis = (p: ParamArray): ParamArray => ({ ...p, ...selectChannels(p.shape, p.values, keep, width, 'last') });
  layers[link.index] = { ...layer, config: { ...layer.config, [widthKeyOf(layer)]: keep.length }, params: layer.params.map(lastAxis) };
  for (let j = link.index + 1; j < link.next; j++) {
    const between = layers[j];
    const role = plainFacet(between).role;
    if (role.kind === 'channels' && role.perChannelParams) layers[j] = { ...between, params: between.params.map(lastAxis) };
  }
  const next = layers[link.next];
  layers[link.next] = { ...next, params: next.params.map((p) => (p.name === 'kernel' ? { ...p, ...selectChannels(p.shape, p.values, keep, width, 'input') } : p)) };
  return { ...net, layers };
}

/**
 * Keeps channels `keep` of `width`: along the last axis ('last'), or, for the next layer's
 * kernel, along its input features where channel = row % width ('input', rows = all but the
 * last axis; the input axis is the one before the last: a conv kernel's input channels, or a
 * dense kernel's rows, which after flatten are NHWC positions times channels).
 */
function selectChannels(shape: number[], values: Float32Array, keep: number[], width: number, mode: 'last' | 'input'): { shape: number[]; values: Float32Array } {
  const kept = new Uint8Array(width);
  for (const c of keep) kept[c] = 1;
  const block = mode === 'last' ? 1 : shape[shape.length - 1];
  const out = new Float32Array((values.length / width) * keep.length);
  let k = 0;
  for (let start = 0; start < values.length; start += block) {
    if (kept[Math.floor(start / block) % width]) {
      out.set(values.subarray(start, start + block), k);
      k += block;
    }
  }
  const newShape = [...shape];
  const axis = mode === 'last' ? shape.length - 1 : shape.length - 2;
  newShape[axis] = (shape[axis] / width) * keep.length;
  if (sizeOf(newShape) !== out.length) throw new Error(`shrink: shape [${newShape}] does not hold ${out.length} values`);
  return { shape: newShape, values: out };
}

function cloneLayer(layer: PlainLayer): PlainLayer {
  return { ...layer, config: { ...layer.config }, params: layer.params.map((p) => ({ ...p, shape: [...p.shape], values: Float32Array.from(p.values) })) };
}

function union<T>(a: Set<T>, b: Set<T>): Set<T> {
  return new Set([...a, ...b]);
}
