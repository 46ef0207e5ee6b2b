/**
 * Data-parallel SGVLB training step over worker threads, for CPU backends that use one core
 * (wasm, cpu): with W workers (training.workers) each batch is cut into W contiguous parts; the
 * main thread computes the gradient on part 0 with the model itself while W-1 worker threads
 * (parallel-worker.ts), each with its own backend and a replica of the model, compute it on the
 * others. Part p with n_p of the batch's n rows computes the gradient of its data term, its mean
 * cross-entropy weighted by n_p / n; part 0 also adds the prior (klWeight * KL / N plus weight
 * decay), which does not depend on the rows, so the per-weight KL is computed once per step, not
 * once per thread. The step applies the sum, which is the gradient of the trainer's own
 * per-example loss (TrainStep's) on the whole batch, once, with the run's optimizer on the main
 * thread. So the optimizer state, the model the trainer evaluates and checkpoints, and the
 * learning-rate schedule stay where they were.
 *
 * Memory: variables go main -> workers and gradients workers -> main through SharedArrayBuffers
 * (one copy each way per step: from the wasm heap into shared memory and back), commands and
 * completion through Atomics.wait/notify, so `run` stays synchronous like TrainStep's.
 *
 * What differs from the one-thread TrainStep (documented model semantics):
 * - Noise. Each step draws W base seeds from the run's noise stream (one per part, in order);
 *   a part's noise ops take their seeds from its base seed (parallel-shared.ts, derivedSeed). The
 *   noise is as random as before but not the same draw as a one-thread step's, so a run with W
 *   workers reproduces itself (same seed, same W: same metrics), not a run with another W.
 * - Batchnorm. Training normalises each part with the part's own statistics (as with W ghost
 *   batches); the running averages become the n_p/n-weighted average of the parts' updated
 *   running averages, i.e. the running mean follows the whole batch's mean exactly and the
 *   running variance the average of the parts' variances (without the between-part spread).
 * - Without batchnorm and noise (plain layers), the update equals the one-thread step's up to
 *   float rounding (test/parallel-step.test.ts).
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { Model, ModelSpec } from '../layers/model.js';
import type { Batch } from './device-data.js';
import { GradientStep, type LossSettings, type StepStats, type TrainStepRunner } from './step.js';
import { SvdError } from '../errors.js';
import {
  CMD_STEP, CMD_STOP, CTRL, ERROR_BYTES, SCALARS, STATUS_ERROR,
  copyOut, layout, seedSequence, splitRows, tensorFrom, type Slot, type WorkerSetup,
} from './parallel-shared.js';

/** How long the main thread waits for a worker's part of one step before giving up. */
const STEP_TIMEOUT_MS = 10 * 60_000;

/** A worker busy with command `seq` on its part of the batch, `weight` = its rows / the batch's (for the running statistics). */
interface Busy {
  h: WorkerHandle;
  seq: number;
  weight: number;
}

/** A worker thread and its shared buffers, as the main thread sees them. */
interface WorkerHandle {
  worker: Worker;
  ctrl: Int32Array;
  scalars: Float64Array;
  error: Uint8Array;
  x: Float32Array;
  y: Int32Array;
  out: Float32Array;
}

/** What ParallelTrainStep.create needs besides the model, the optimizer and the loss. */
export interface ParallelOptions {
  /** Threads per step, this one included (2 or more). */
  workers: number;
  /** The active backend's name: each worker starts the same one. */
  backend: string;
  /** Largest batch `run` will get. */
  maxBatch: number;
  /** What the model was built from: each worker builds its replica from it. */
  model: ModelSpec;
  numClasses: number;
  /** `training.microBatch`: most examples of a part one pass takes, in every thread; null: a part at once. */
  microBatch: number | null;
}

/** Where the main thread's time went in the last step, in ms (for the benchmark). */
export interface StepTimings {
  /** Part 0's forward and backward on the main thread. */
  mainPart: number;
  /** Waiting for the workers after part 0. */
  wait: number;
  /** Summing the gradients, the optimizer update and the running statistics. */
  apply: number;
  /** The slowest worker's own time for its part (reading the variables, its step, writing the gradients). */
  worker: number;
}

/** Data-parallel TrainStep; see the file header. */
export class ParallelTrainStep implements TrainStepRunner {
  /** The last step's timings. */
  readonly timings: StepTimings = { mainPart: 0, wait: 0, apply: 0, worker: 0 };
  private readonly local: GradientStep;
  private partSeeds: () => number = () => 1;
  private disposed = false;

  private constructor(
    model: Model,
    private readonly optimizer: tf.Optimizer,
    loss: LossSettings,
    private readonly nextSeed: () => number,
    private readonly order: VariableOrder,
    private readonly slots: Slot[],
    private readonly weights: Float32Array,
    private readonly handles: WorkerHandle[],
    private readonly maxRows: number,
    microBatch: number | null,
  ) {
    this.local = new GradientStep(model, loss, () => this.partSeeds(), microBatch);
  }

  get workers(): number {
    return this.handles.length + 1;
  }

  /**
   * Starts `options.workers - 1` worker threads, each with a replica of `model`, and resolves once
   * they are ready. `optimizer` applies the summed gradients; `nextSeed` gives each part's base seed.
   */
  static async create(model: Model, optimizer: tf.Optimizer, loss: LossSettings, nextSeed: () => number, options: ParallelOptions): Promise<ParallelTrainStep> {
    const order = variableOrder(model);
    const { slots, length } = layout(order.named.map(({ name, variable }) => ({ name, shape: variable.shape })));
    const weights = new SharedArrayBuffer(length * 4);
    const rowSize = options.model.inputShape.reduce((a, b) => a * b, 1);
    const maxRows = Math.ceil(options.maxBatch / options.workers);
    const handles: WorkerHandle[] = [];
    try {
      for (let w = 1; w < options.workers; w++) {
        const buffers = {
          ctrl: new SharedArrayBuffer(CTRL.length * 4),
          scalars: new SharedArrayBuffer(SCALARS.length * 8),
          error: new SharedArrayBuffer(ERROR_BYTES),
          x: new SharedArrayBuffer(maxRows * rowSize * 4),
          y: new SharedArrayBuffer(maxRows * 4),
          out: new SharedArrayBuffer(length * 4),
        };
        const setup: WorkerSetup = {
          backend: options.backend, model: options.model, numClasses: options.numClasses,
          loss, microBatch: options.microBatch, maxRows, variables: slots, trainableCount: order.trainable.length, weights, ...buffers,
        };
        const worker = new Worker(new URL('./parallel-worker.js', import.meta.url), { workerData: setup });
        handles.push({
          worker,
          ctrl: new Int32Array(buffers.ctrl),
          scalars: new Float64Array(buffers.scalars),
          error: new Uint8Array(buffers.error),
          x: new Float32Array(buffers.x),
          y: new Int32Array(buffers.y),
          out: new Float32Array(buffers.out),
        });
      }
      await Promise.all(handles.map((h) => ready(h.worker)));
    } catch (err) {
      for (const h of handles) void h.worker.terminate();
      throw err;
    }
    for (const h of handles) {
      h.worker.unref(); // a step in flight is waited for synchronously anyway
      h.worker.on('exit', () => Atomics.store(h.ctrl, CTRL.exited, 1)); // seen between steps
    }
    return new ParallelTrainStep(model, optimizer, loss, nextSeed, order, slots, new Float32Array(weights), handles, maxRows, options.microBatch);
  }

  /** One step: the workers' parts start, part 0 runs here, then the summed update is applied once. */
  run(batch: Batch, klWeight: number): StepStats {
    if (this.disposed) throw new Error('ParallelTrainStep used after dispose()');
    const n = batch.x.shape[0];
    const parts = splitRows(n, this.workers);
    if (parts[0].count > this.maxRows) {
      throw new Error(`batch of ${n} is larger than the ${this.maxRows * this.workers} this step was set up for`);
    }
    const seeds = parts.map(() => this.nextSeed());
    this.publishVariables();
    const busy = this.startWorkers(batch, parts, seeds, klWeight);
    const began = performance.now();
    const own = this.runPartZero(batch, parts[0].count / n, parts[0].count, seeds[0], klWeight, busy);
    const partDone = performance.now();
    try {
      for (const b of busy) this.wait(b.h, b.seq);
    } catch (err) {
      tf.dispose([...own.grads, own.stats.nllSum, own.stats.kl, own.stats.correct]);
      throw err;
    }
    const waited = performance.now();
    this.applySummedGradients(own.grads, busy);
    this.mergeRunningStatistics(busy);
    const stats = this.mergeStats(own.stats, busy);
    Object.assign(this.timings, {
      mainPart: partDone - began,
      wait: waited - partDone,
      apply: performance.now() - waited,
      worker: Math.max(0, ...busy.map((b) => b.h.scalars[SCALARS.ms])),
    });
    return stats;
  }

  /** Hands parts 1.. of the batch to the workers; returns those now busy with the weight of their part. */
  private startWorkers(batch: Batch, parts: Array<{ start: number; count: number }>, seeds: number[], klWeight: number): Busy[] {
    const n = batch.x.shape[0];
    const busy: Busy[] = [];
    for (const [i, h] of this.handles.entries()) {
      const part = parts[i + 1];
      if (part.count === 0) continue;
      copyOut(batch.x, h.x, 0, part.start, part.count);
      copyOut(batch.y, h.y, 0, part.start, part.count);
      h.ctrl[CTRL.rows] = part.count;
      h.ctrl[CTRL.seed] = seeds[i + 1];
      h.ctrl[CTRL.cmd] = CMD_STEP;
      h.scalars[SCALARS.klWeight] = klWeight;
      h.scalars[SCALARS.share] = part.count / n;
      const seq = Atomics.add(h.ctrl, CTRL.seq, 1) + 1;
      Atomics.notify(h.ctrl, CTRL.seq);
      busy.push({ h, seq, weight: part.count / n });
    }
    return busy;
  }

  /** Part 0 (the first `rows` rows, `share` of the batch) on this thread, with the model itself and the prior. */
  private runPartZero(batch: Batch, share: number, rows: number, seed: number, klWeight: number, busy: Busy[]): { stats: StepStats; grads: tf.Tensor[] } {
    this.partSeeds = seedSequence(seed);
    const part0 = rows === batch.x.shape[0] ? batch : sliceBatch(batch, 0, rows);
    try {
      return this.local.runPart(part0, klWeight, share, true);
    } catch (err) {
      // Let the workers finish with the shared buffers before the caller goes on.
      for (const b of busy) {
        try {
          this.wait(b.h, b.seq);
        } catch {
          // the first error is the one to report
        }
      }
      throw err;
    } finally {
      if (part0 !== batch) tf.dispose([part0.x, part0.y, part0.oneHot]);
    }
  }

  /** The parts' gradients summed (each already weighted by its share), applied once with the run's optimizer; frees part 0's gradients. */
  private applySummedGradients(grads0: tf.Tensor[], busy: Busy[]): void {
    const grads: tf.NamedTensorMap = tf.tidy(() => {
      const map: tf.NamedTensorMap = {};
      for (const [i, v] of this.order.trainable.entries()) {
        let g = tf.clone(grads0[i]);
        for (const b of busy) g = tf.add(g, this.workerValue(b.h, this.slots[i]));
        map[v.name] = g;
      }
      return map;
    });
    tf.dispose(grads0);
    this.optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }

  /** Running statistics: part 0's updated value v0 + sum_p (n_p/n) * (v_p - v0) = sum_p (n_p/n) * v_p. */
  private mergeRunningStatistics(busy: Busy[]): void {
    if (busy.length === 0) return;
    tf.tidy(() => {
      for (const [i, v] of this.order.others.entries()) {
        const slot = this.slots[this.order.trainable.length + i];
        let value: tf.Tensor = v;
        for (const b of busy) value = tf.add(value, tf.mul(tf.sub(this.workerValue(b.h, slot), v), b.weight));
        v.assign(value);
      }
    });
  }

  /** The whole batch's stats from part 0's and the workers' (the KL is the model's, part 0's); frees part 0's. */
  private mergeStats(stats0: StepStats, busy: Busy[]): StepStats {
    const nllRest = busy.reduce((sum, b) => sum + b.h.scalars[SCALARS.nllSum], 0);
    const correctRest = busy.reduce((sum, b) => sum + b.h.scalars[SCALARS.correct], 0);
    const stats: StepStats = tf.tidy(() => ({
      nllSum: tf.keep(tf.add(stats0.nllSum, nllRest) as tf.Scalar),
      kl: tf.keep(tf.clone(stats0.kl)),
      correct: tf.keep(tf.add(stats0.correct, correctRest) as tf.Scalar),
    }));
    tf.dispose([stats0.nllSum, stats0.kl, stats0.correct]);
    return stats;
  }

  /** Worker `h`'s output for `slot` (a gradient or a non-trainable variable) as a tensor. */
  private workerValue(h: WorkerHandle, slot: Slot): tf.Tensor {
    return tensorFrom(h.out.subarray(slot.offset, slot.offset + slot.size), slot.shape);
  }

  /** Stops the worker threads. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const h of this.handles) {
      h.ctrl[CTRL.cmd] = CMD_STOP;
      Atomics.add(h.ctrl, CTRL.seq, 1);
      Atomics.notify(h.ctrl, CTRL.seq);
    }
  }

  /** Writes every model variable into the shared weights buffer. */
  private publishVariables(): void {
    for (const [i, { variable }] of this.order.named.entries()) copyOut(variable, this.weights, this.slots[i].offset);
  }

  /** Blocks until worker `h` has finished command `seq`; throws (and stops the workers) if it failed. */
  private wait(h: WorkerHandle, seq: number): void {
    const began = Date.now();
    for (;;) {
      const done = Atomics.load(h.ctrl, CTRL.done);
      if (done === seq) break;
      if (Atomics.load(h.ctrl, CTRL.exited) === 1) {
        this.dispose();
        throw new SvdError('E_TRAIN', 'a training worker thread exited during a step');
      }
      if (Date.now() - began > STEP_TIMEOUT_MS) {
        this.dispose();
        throw new SvdError('E_TRAIN', `a training worker thread did not finish its part of the step within ${STEP_TIMEOUT_MS / 1000} s`);
      }
      Atomics.wait(h.ctrl, CTRL.done, done, 1000);
    }
    if (h.ctrl[CTRL.status] === STATUS_ERROR) {
      this.dispose();
      const message = new TextDecoder().decode(h.error.slice(0, h.ctrl[CTRL.errorBytes]));
      throw new SvdError('E_TRAIN', `a training worker thread failed: ${message}`);
    }
  }
}

/** Rows [start, start + count) of a batch, as new tensors. */
function sliceBatch(batch: Batch, start: number, count: number): Batch {
  return tf.tidy(() => ({
    x: tf.slice(batch.x, start, count) as tf.Tensor4D,
    y: tf.slice(batch.y, start, count) as tf.Tensor1D,
    oneHot: tf.slice(batch.oneHot, start, count) as tf.Tensor2D,
  }));
}

/** Resolves when `worker` reports ready; rejects on its error or exit. */
function ready(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new SvdError('E_TRAIN', `a training worker thread did not start: ${why}`));
    worker.once('message', (msg: { ready?: boolean; error?: string }) => (msg.ready ? resolve() : fail(msg.error ?? 'unknown error')));
    worker.once('error', (err) => fail(err.message));
    worker.once('exit', (code) => fail(`it exited with code ${code}`));
  });
}

/** The model's variables in the order shared memory holds them: trainable first, then the rest. */
interface VariableOrder {
  trainable: tf.Variable[];
  others: tf.Variable[];
  named: Array<{ name: string; variable: tf.Variable }>;
}

function variableOrder(model: Model): VariableOrder {
  const trainable = model.trainable;
  const trainableSet = new Set(trainable);
  const all = [...model.namedVariables()].map(([name, variable]) => ({ name, variable }));
  const others = all.filter(({ variable }) => !trainableSet.has(variable));
  const byVariable = new Map(all.map(({ name, variable }) => [variable, name]));
  return { trainable, others: others.map(({ variable }) => variable), named: [...trainable.map((variable) => ({ name: byVariable.get(variable)!, variable })), ...others] };
}
