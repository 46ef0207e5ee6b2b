/**
 * What the data-parallel training step (parallel-step.ts) and its worker threads
 * (parallel-worker.ts) share: the shared-memory layout, how a batch is split, how each part
 * derives its noise seeds, and copying between tensors and shared memory.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../layers/model.js';
import type { LossSettings } from './step.js';

/** Slots of a worker's control array (Int32Array over a SharedArrayBuffer). */
export const CTRL = {
  /** Bumped by the main thread for each command; the worker waits on it. */
  seq: 0,
  /** Set by the worker to `seq` when the command is done; the main thread waits on it. */
  done: 1,
  /** The command: one of CMD. */
  cmd: 2,
  /** Rows of the worker's part of the batch. */
  rows: 3,
  /** STATUS_OK or STATUS_ERROR after a command. */
  status: 4,
  /** Bytes of the UTF-8 error message in the message area. */
  errorBytes: 5,
  /** Base noise seed of the worker's part. */
  seed: 6,
  /** Set to 1 by the worker thread when it exits (normally or not). */
  exited: 7,
  length: 8,
} as const;

/** Slots of a worker's Float64Array of scalars. */
export const SCALARS = {
  /** In: the KL weight of the step. */
  klWeight: 0,
  /** Out: sum of the part's cross-entropies. */
  nllSum: 1,
  /** Out: correct predictions in the part. */
  correct: 2,
  /** Out: milliseconds the worker spent on the step (loading variables to writing gradients). */
  ms: 3,
  /** In: the part's rows / the batch's, the weight of its data term. */
  share: 4,
  length: 5,
} as const;

export const CMD_STEP = 1;
export const CMD_STOP = 2;
export const STATUS_OK = 0;
export const STATUS_ERROR = 1;
/** Bytes reserved for a worker's error message. */
export const ERROR_BYTES = 4096;

/** Where one variable lives in a flat Float32 buffer. */
export interface Slot {
  /** Logical name `${layer}/${param}` (as in checkpoints). */
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/** Lays out tensors of the given shapes back to back; returns the slots and the total length. */
export function layout(entries: Array<{ name: string; shape: number[] }>): { slots: Slot[]; length: number } {
  let offset = 0;
  const slots = entries.map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const slot = { name, shape, offset, size };
    offset += size;
    return slot;
  });
  return { slots, length: offset };
}

/** Everything a worker needs to build its replica and its buffers (structured-cloneable). */
export interface WorkerSetup {
  /** Backend of the main thread, used by the worker too ('wasm' or 'cpu'). */
  backend: string;
  /** What the replica is built from (the main thread's model spec). */
  model: ModelSpec;
  numClasses: number;
  /** What the step loss depends on (the main thread's). */
  loss: LossSettings;
  /** `training.microBatch` (micro-batches.ts): most rows one pass takes; null: the part at once. */
  microBatch: number | null;
  /** Most rows a worker's part can have. */
  maxRows: number;
  /** Every model variable (trainable first, in Model.trainable order, then the rest). */
  variables: Slot[];
  /** How many of `variables` are trainable (the first ones). */
  trainableCount: number;
  /** Main -> workers: the current value of every variable. */
  weights: SharedArrayBuffer;
  /** Per worker: control, scalars, error message, inputs (x, y), outputs (gradients, then the non-trainable variables after the step). */
  ctrl: SharedArrayBuffer;
  scalars: SharedArrayBuffer;
  error: SharedArrayBuffer;
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  out: SharedArrayBuffer;
}

/**
 * Splits `n` rows into `parts` contiguous parts as equal as possible (the first ones one row
 * longer); parts may be empty when n < parts.
 */
export function splitRows(n: number, parts: number): Array<{ start: number; count: number }> {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  const out: Array<{ start: number; count: number }> = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const count = base + (p < extra ? 1 : 0);
    out.push({ start, count });
    start += count;
  }
  return out;
}

/**
 * The i-th noise seed (i = 0, 1, ...) of a batch part whose base seed is `base`: a fixed
 * integer hash (splitmix32 finaliser), a positive 31-bit integer like RandomStream.nextSeed.
 */
export function derivedSeed(base: number, i: number): number {
  let z = (base + Math.imul(i + 1, 0x9e3779b9)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return (z >>> 1) || 1;
}

/** A nextSeed function for one part of one step. */
export function seedSequence(base: number): () => number {
  let i = 0;
  return () => derivedSeed(base, i++);
}

/** Backends whose tensor memory we can view without a copy (the wasm backend's heap). */
interface HeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function heapBackend(): HeapBackend | null {
  const b = tf.backend() as unknown as Partial<HeapBackend>;
  return typeof b.typedArrayFromHeap === 'function' ? (b as HeapBackend) : null;
}

/** Copies `t`'s values (or rows [from, from + count) of its first axis) into `dst` at `offset`. */
export function copyOut(t: tf.Tensor, dst: Float32Array | Int32Array, offset = 0, from = 0, count = t.shape[0] ?? 1): void {
  const rowSize = t.rank === 0 ? 1 : t.size / t.shape[0];
  const heap = heapBackend();
  const all = heap ? heap.typedArrayFromHeap(t) : t.dataSync();
  dst.set(all.subarray(from * rowSize, (from + count) * rowSize) as Float32Array, offset);
}

/**
 * A tensor holding `src` (a view into shared memory). The wasm backend copies the values onto its
 * heap at once; other backends may keep the array, so they get a private copy.
 */
export function tensorFrom(src: Float32Array | Int32Array, shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  return tf.tensor(heapBackend() ? src : src.slice(), shape, dtype);
}
