/**
 * The structured view of a sparsified PlainNet: hidden units (dense) and filters (conv2d) that
 * are dead because all their outgoing weights are pruned, or all their incoming weights are;
 * and `shrinkNet`, which removes the ones that provably do not change the outputs, giving
 * narrower layers (the real speed-up with dense kernels).
 *
 * A unit c of a weighted layer L feeds the next weighted layer M through channel-wise layers
 * only (activation other than softmax, dropout, maxpool, batchnorm, flatten). It can be removed
 *  - when every weight of M reading channel c is zero ("dead out"): its value is multiplied by
 *    zeros only; or
 *  - when every weight of L producing c is zero ("dead in") and its constant output, act(bias)
 *    carried through the layers up to M, is exactly 0 (relu with bias <= 0; linear or tanh with
 *    bias 0; not through batchnorm or sigmoid). A dead-in unit with a nonzero constant output
 *    is reported as `constant` and kept: removing it would change M's pre-activations.
 * Removal is exact in real arithmetic; M then sums fewer (zero) terms, so float results may
 * differ in the last bits where the kernel's summation order changes. Outputs of the last
 * weighted layer and units of a softmax layer are never removed; every layer keeps at least one
 * unit. Removing units can make more units dead, so shrinking repeats until nothing changes.
 */
import { isWeighted, outWidth, param, sizeOf, type PlainLayer, type PlainNet, type WeightedLayer } from './plain-net.js';

/** Dead units of one weighted layer. */
export interface LayerStructure {
  layer: string;
  /** What the layer's outputs are: units (dense) or filters (conv2d). */
  kind: 'units' | 'filters';
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
  layer: WeightedLayer;
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
    const deadOut = link.next >= 0 ? deadOutUnits(net.layers[link.next] as WeightedLayer, width) : new Set<number>();
    const removable = link.shrinkable ? union(deadOut, zeroOut) : new Set<number>();
    const constant = [...deadIn].filter((c) => !zeroOut.has(c)).length;
    return { layer: link.layer.name, kind: link.layer.type === 'dense' ? 'units' : 'filters', width, deadIn: deadIn.size, constant, deadOut: deadOut.size, removable: Math.min(removable.size, width - 1) };
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
  const widths = (n: PlainNet) => Object.fromEntries(n.layers.filter(isWeighted).map((l) => [l.name, outWidth(l)]));
  let current: PlainNet = { inputShape: [...net.inputShape], layers: net.layers.map(cloneLayer) };
  const before = widths(current);
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
      const next = current.layers[link.next] as WeightedLayer;
      const remove = union(deadOutUnits(next, width), zeroOutputUnits(link, deadInUnits(link.layer)));
      if (remove.size >= width) remove.delete(Math.min(...remove));
      if (remove.size === 0) continue;
      const keep = [...Array(width).keys()].filter((c) => !remove.has(c));
      current = removeUnits(current, link, keep);
      changed = true;
    }
    if (!changed) break;
  }
  return { net: current, before, after: widths(current), passes };
}

/** Every weighted layer with its successor and what lies between. */
function links(net: PlainNet): Link[] {
  const result: Link[] = [];
  net.layers.forEach((layer, index) => {
    if (!isWeighted(layer)) return;
    let next = -1;
    let channelWise = layer.config.activation !== 'softmax';
    let zeroPreserving = true;
    for (let j = index + 1; j < net.layers.length; j++) {
      const between = net.layers[j];
      if (isWeighted(between)) {
        next = j;
        break;
      }
      if (between.type === 'activation') {
        if (between.config.activation === 'softmax') channelWise = false;
        if (activationValue(between.config.activation, 0) !== 0) zeroPreserving = false;
      }
      if (between.type === 'batchnorm') zeroPreserving = false;
    }
    result.push({ index, layer, next, shrinkable: next >= 0 && channelWise, zeroPreserving });
  });
  return result;
}

/** Output units whose kernel column is all zero. */
function deadInUnits(layer: WeightedLayer): Set<number> {
  const kernel = param(layer, 'kernel').values;
  const width = outWidth(layer);
  const alive = new Uint8Array(width);
  for (let i = 0; i < kernel.length; i++) if (kernel[i] !== 0) alive[i % width] = 1;
  return new Set([...alive.keys()].filter((c) => !alive[c]));
}

/** Of the dead-in units, those whose output is exactly 0 all the way to the next weighted layer. */
function zeroOutputUnits(link: Link, deadIn: Set<number>): Set<number> {
  if (!link.zeroPreserving) return new Set();
  const bias = link.layer.config.useBias ? param(link.layer, 'bias').values : null;
  return new Set([...deadIn].filter((c) => activationValue(link.layer.config.activation, bias ? bias[c] : 0) === 0));
}

/** Input channels c of `next` (channel = row % width, rows = all but the last kernel axis) never read. */
function deadOutUnits(next: WeightedLayer, width: number): Set<number> {
  const kernel = param(next, 'kernel');
  const out = kernel.shape[kernel.shape.length - 1];
  const used = new Uint8Array(width);
  for (let i = 0; i < kernel.values.length; i++) if (kernel.values[i] !== 0) used[Math.floor(i / out) % width] = 1;
  return new Set([...used.keys()].filter((c) => !used[c]));
}

/** Input features (dense) or channels (conv) of the first weighted layer that no weight reads. */
function unusedInputs(first: WeightedLayer): StructureReport['inputs'] {
  const kernel = param(first, 'kernel');
  const count = first.type === 'dense' ? kernel.shape[0] : kernel.shape[2];
  return { kind: first.type === 'dense' ? 'features' : 'channels', count, unused: deadOutUnits(first, count).size };
}

/**
 * The value act(z) as the exporter's supported activations compute it, or NaN when it is not
 * known exactly (then the unit is never treated as zero).
 */
function activationValue(activation: string, z: number): number {
  switch (activation) {
    case 'linear':
      return z;
    case 'relu':
      return z > 0 ? z : 0;
    case 'tanh':
      return z === 0 ? 0 : Number.NaN;
    default:
      return Number.NaN;
  }
}

/** `net` with only units `keep` of `link.layer`, and the matching inputs of what follows. */
function removeUnits(net: PlainNet, link: Link, keep: number[]): PlainNet {
  const width = outWidth(link.layer);
  const layers = [...net.layers];
  const layer = link.layer;
  const params = layer.params.map((p) => ({ ...p, ...selectChannels(p.shape, p.values, keep, width, 'last') }));
  layers[link.index] = layer.type === 'dense'
    ? { ...layer, config: { ...layer.config, units: keep.length }, params }
    : { ...layer, config: { ...layer.config, filters: keep.length }, params };
  for (let j = link.index + 1; j < link.next; j++) {
    const between = layers[j];
    if (between.type === 'batchnorm') {
      layers[j] = { ...between, params: between.params.map((p) => ({ ...p, ...selectChannels(p.shape, p.values, keep, width, 'last') })) };
    }
  }
  const next = layers[link.next] as WeightedLayer;
  layers[link.next] = { ...next, params: next.params.map((p) => (p.name === 'kernel' ? { ...p, ...selectChannels(p.shape, p.values, keep, width, 'input') } : p)) } as PlainLayer;
  return { ...net, layers };
}

/**
 * Keeps channels `keep` of `width`: along the last axis ('last'), or, for the next layer's
 * kernel, along its input features where channel = row % width ('input', rows = all but the
 * last axis; for a dense kernel after flatten the rows are NHWC positions times channels).
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
  if (mode === 'last') newShape[newShape.length - 1] = keep.length;
  else if (shape.length === 4) newShape[2] = keep.length;
  else newShape[0] = (shape[0] / width) * keep.length;
  if (sizeOf(newShape) !== out.length) throw new Error(`shrink: shape [${newShape}] does not hold ${out.length} values`);
  return { shape: newShape, values: out };
}

function cloneLayer(layer: PlainLayer): PlainLayer {
  return { ...layer, params: layer.params.map((p) => ({ ...p, shape: [...p.shape], values: Float32Array.from(p.values) })) } as PlainLayer;
}

function union<T>(a: Set<T>, b: Set<T>): Set<T> {
  return new Set([...a, ...b]);
}
