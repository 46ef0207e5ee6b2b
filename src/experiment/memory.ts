/**
 * What a config's model needs in memory to train, estimated from its layer specs before any
 * tensor exists (each layer entry's `paramShapes` and the shape walk), and the check of it
 * against what the backend and the machine can hold. The estimate is a lower bound (parameters
 * and their gradients, every layer's output at the batch size, each worker thread's model copy
 * and its part of the batch; no optimizer state, no temporaries), so a model it refuses can
 * never train, and a model it passes may still run out (the wasm heap guard then stops it).
 * Problems name the config key that makes the model that large (a layer's width, `model.width`,
 * `data.batchSize` or `training.workers`) and the limit.
 */
import * as os from 'node:os';
import type { ExperimentConfig } from '../config/types.js';
import { candidateBackends } from '../backends/select.js';
import { DATASETS } from '../data/registry.js';
import { LAYERS } from '../layers/registry.js';
import { formatShape, walkLayerShapes } from '../layers/shapes.js';
import { classifierIndex, scaleLayerWidths, sizeKey } from '../layers/width.js';
import type { Shape } from '../layers/layer.js';

/** The most values one tensor can hold: a JavaScript typed array's length limit (every backend's values pass through one). */
export const MAX_TENSOR_VALUES = 2 ** 32 - 1;
/** What one training worker thread costs before its model: its isolate, tfjs and the backend (measured about 80 MiB on wasm). */
export const WORKER_OVERHEAD_BYTES = 64 * 2 ** 20;
const FLOAT_BYTES = 4;

/** What memory a run may use. */
export interface MemoryLimits {
  /** The backend's name, for messages. */
  backend: string;
  /** The most one instance of the backend (the main thread's, each worker's) can address, or null: no limit of its own. */
  heap: { bytes: number; what: string } | null;
  /** The machine's memory (or the process's memory limit, when lower). */
  machineBytes: number;
}

/** One layer's part of the estimate. */
interface LayerMemory {
  index: number;
  /** Values of its variables. */
  params: number;
  /** Its output values per example. */
  activations: number;
  /** Its largest variable's shape. */
  largestParam: Shape | null;
  output: Shape;
}

const product = (shape: Shape) => shape.reduce((a, b) => a * b, 1);
const gib = (bytes: number) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.ceil(bytes / 2 ** 20)} MiB`);
const int = (n: number) => n.toLocaleString('en-US');

/** The machine's memory, or the process's limit (cgroup) where that is lower. */
export function machineMemory(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  return constrained > 0 ? Math.min(constrained, os.totalmem()) : os.totalmem();
}

/** The limits of backend `name` on this machine; `auto`: the most any backend `auto` may choose can hold. */
export function memoryLimits(name: string): MemoryLimits {
  const heaps = candidateBackends(name).map(([, e]) => e.capabilities.heap ?? null);
  const heap = heaps.length > 0 && heaps.every((h) => h !== null) ? heaps.reduce((a, b) => (b!.bytes > a!.bytes ? b : a)) : null;
  return { backend: name, heap, machineBytes: machineMemory() };
}

/** The per-layer estimate of `config`'s model (with `model.width`), or null when its layers do not connect (the shape check says why). */
function layerMemory(config: ExperimentConfig): LayerMemory[] | null {
  const specs = scaleLayerWidths(config.model.layers, config.model.width ?? 1);
  const walk = walkLayerShapes(specs, DATASETS.get(config.data.dataset).inputShape);
  if (walk.failure) return null;
  return specs.map((spec, index) => {
    const entry = LAYERS.get(spec.type);
    const shapes = entry.paramShapes?.(entry.config(spec), walk.shapes[index]) ?? [];
    const largestParam = shapes.reduce<Shape | null>((big, s) => (big === null || product(s) > product(big) ? s : big), null);
    const output = walk.shapes[index + 1];
    return { index, params: shapes.reduce((sum, s) => sum + product(s), 0), activations: product(output), largestParam, output };
  });
}

/** The config key that makes layer `index` as large as it is: the nearest width at or before it (or `model.width` scaling it). */
function blame(config: ExperimentConfig, index: number): string {
  const layers = config.model.layers;
  for (let i = index; i >= 0; i--) {
    const key = sizeKey(layers[i]);
    if (key === null) continue;
    return (config.model.width ?? 1) > 1 && i !== classifierIndex(layers) ? 'model.width' : `model.layers.${i}.${key}`;
  }
  return `model.layers.${index}`;
}

/**
 * [config path, message] for each way `config`'s model cannot fit `limits` when trained with
 * `workers` worker threads: a tensor too large for any backend, a heap too small, the machine's
 * memory too small. Empty when it may fit.
 */
export function memoryProblems(config: ExperimentConfig, limits: MemoryLimits, workers: number): Array<[string, string]> {
  const layers = layerMemory(config);
  if (!layers) return [];
  const batch = config.data.batchSize;
  const micro = config.training.microBatch ?? null;
  const part = Math.ceil(batch / workers);
  // Examples one pass of a thread takes: its part of the batch, or a micro-batch of it.
  const rowsAtOnce = Math.min(workers > 1 ? part : batch, micro ?? Infinity);
  const atOnce = micro !== null && micro < (workers > 1 ? part : batch) ? `training.microBatch ${micro}` : `data.batchSize ${batch}`;
  const lower = micro !== null ? 'training.microBatch' : 'data.batchSize (or set training.microBatch)';
  const name = (i: number) => config.model.layers[i].name ?? `${config.model.layers[i].type}_${i}`;
  for (const l of layers) {
    if (l.largestParam && product(l.largestParam) > MAX_TENSOR_VALUES) {
      return [[blame(config, l.index), `layer ${name(l.index)} would have a weight of shape ${formatShape(l.largestParam)}, ${int(product(l.largestParam))} values; one tensor can hold at most ${int(MAX_TENSOR_VALUES)}`]];
    }
    if (l.activations * rowsAtOnce > MAX_TENSOR_VALUES) {
      return [[blame(config, l.index), `layer ${name(l.index)} would output ${formatShape(l.output)} per example, ${int(l.activations * rowsAtOnce)} values at ${atOnce}; one tensor can hold at most ${int(MAX_TENSOR_VALUES)}`]];
    }
  }
  const params = layers.reduce((s, l) => s + l.params, 0);
  const activations = layers.reduce((s, l) => s + l.activations, 0);
  // Parameters with their gradients; the activations of one pass: the whole batch (one thread) or each worker's part, or a micro-batch of either.
  const mainBytes = FLOAT_BYTES * (2 * params + (workers > 1 ? 0 : activations * rowsAtOnce));
  const workerBytes = workers > 1 ? FLOAT_BYTES * (2 * params + activations * rowsAtOnce) : 0;
  const totalBytes = mainBytes + workers * (workers > 1 ? workerBytes + WORKER_OVERHEAD_BYTES : 0);
  const biggest = layers.reduce((a, b) => (b.params * 2 + b.activations * rowsAtOnce > a.params * 2 + a.activations * rowsAtOnce ? b : a));
  const what = `${int(params)} parameters with their gradients and ${int(activations)} activation values per example at ${atOnce}${workers > 1 ? `, in each of ${workers} worker threads (training.workers)` : ''}`;
  const largest = `the largest part is layer ${name(biggest.index)} (${int(biggest.params)} parameters, output ${formatShape(biggest.output)} per example)`;
  const heapBytes = Math.max(mainBytes, workerBytes);
  if (limits.heap && heapBytes > limits.heap.bytes) {
    return [[blame(config, biggest.index), `the model needs at least ${gib(heapBytes)} in one ${limits.backend} heap (${what}), more than the ${gib(limits.heap.bytes)} ${limits.heap.what} can hold; ${largest}. Lower ${blame(config, biggest.index)} or ${lower}, or use another backend`]];
  }
  if (totalBytes > limits.machineBytes) {
    const key = workers > 1 && workers * (workerBytes + WORKER_OVERHEAD_BYTES) > mainBytes ? 'training.workers' : blame(config, biggest.index);
    return [[key, `the model needs at least ${gib(totalBytes)} to train (${what}), more than the ${gib(limits.machineBytes)} of memory this machine has; ${largest}. Lower ${key}${key === 'training.workers' ? '' : ` or ${lower}`}`]];
  }
  return [];
}
