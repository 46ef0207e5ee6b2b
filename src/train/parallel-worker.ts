/**
 * Worker thread of the data-parallel training step (parallel-step.ts). It builds a replica of
 * the model on its own single-threaded backend, then loops: wait for a step command, load the
 * main thread's current variables from shared memory, compute the gradient of the step loss on
 * its part of the batch (the trainer's own GradientStep), write
 * the gradients, the part's statistics and its batchnorm running statistics to shared memory,
 * signal done. It blocks in Atomics.wait between steps and never applies an update itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backends/select.js';
import { runtimeFromEnv } from '../backends/backend.js';
import { Model } from '../layers/model.js';
import { RunRandom } from './rng.js';
import { GradientStep } from './step.js';
import { disposeStats } from './step-stats.js';
import { disposeBatch } from './device-data.js';
import {
  CMD_STEP, CMD_STOP, CTRL, ERROR_BYTES, SCALARS, STATUS_ERROR, STATUS_OK,
  copyOut, seedSequence, tensorFrom, type WorkerSetup,
} from './parallel-shared.js';

const setup = workerData as WorkerSetup;
const control = new Int32Array(setup.ctrl);
// Tell a main thread that waits on a step that nobody will answer it.
process.on('exit', () => {
  Atomics.store(control, CTRL.exited, 1);
  Atomics.notify(control, CTRL.done);
});

async function main(): Promise<void> {
  // One backend thread per worker: the parallelism is the workers.
  await selectBackend(setup.backend, { ...runtimeFromEnv(), cpus: 1, xnnpackThreads: 1, gpuAdapter: null, gpuDevice: null });
  // The initial values do not matter: every step starts from the main thread's variables.
  const model = Model.build(setup.model, RunRandom.fromSeed(0).init);
  const named = model.namedVariables();
  const variables = setup.variables.map((slot) => {
    const v = named.get(slot.name);
    if (!v) throw new Error(`parallel worker: the replica has no variable ${slot.name}`);
    return v;
  });
  const trainable = variables.slice(0, setup.trainableCount);
  if (!trainable.every((v, i) => v === model.trainable[i])) throw new Error('parallel worker: the replica\'s trainable variables are not in the main thread\'s order');
  const others = variables.slice(setup.trainableCount);

  const ctrl = control;
  const scalars = new Float64Array(setup.scalars);
  const errorBytes = new Uint8Array(setup.error);
  const weights = new Float32Array(setup.weights);
  const xs = new Float32Array(setup.x);
  const ys = new Int32Array(setup.y);
  const out = new Float32Array(setup.out);
  const rowSize = setup.model.inputShape.reduce((a, b) => a * b, 1);

  let nextSeed = seedSequence(1); // replaced by the part's sequence at each step
  const step = new GradientStep(model, setup.loss, () => nextSeed(), setup.microBatch);

  const runStep = (): void => {
    const began = performance.now();
    tf.tidy(() => {
      for (const [i, slot] of setup.variables.entries()) {
        variables[i].assign(tensorFrom(weights.subarray(slot.offset, slot.offset + slot.size), slot.shape));
      }
    });
    const rows = ctrl[CTRL.rows];
    nextSeed = seedSequence(ctrl[CTRL.seed]);
    const batch = tf.tidy(() => {
      const x = tensorFrom(xs.subarray(0, rows * rowSize), [rows, ...setup.model.inputShape]) as tf.Tensor4D;
      const y = tensorFrom(ys.subarray(0, rows), [rows], 'int32') as tf.Tensor1D;
      return { x, y, oneHot: tf.oneHot(y, setup.numClasses) as tf.Tensor2D };
    });
    // the data term alone: the main thread's part adds the KL and weight decay, once per step
    const { stats, grads } = step.runPart(batch, scalars[SCALARS.klWeight], scalars[SCALARS.share], false);
    disposeBatch(batch);
    scalars[SCALARS.nllSum] = stats.nllSum.dataSync()[0];
    scalars[SCALARS.correct] = stats.correct.dataSync()[0];
    disposeStats(stats);
    for (let i = 0; i < trainable.length; i++) {
      const slot = setup.variables[i];
      copyOut(grads[i], out, slot.offset);
    }
    tf.dispose(grads);
    for (let i = 0; i < others.length; i++) {
      const slot = setup.variables[setup.trainableCount + i];
      copyOut(others[i], out, slot.offset);
    }
    scalars[SCALARS.ms] = performance.now() - began;
  };

  // Read before saying ready: the main thread sends its first command only after that.
  let seen = Atomics.load(ctrl, CTRL.seq);
  parentPort!.postMessage({ ready: true });
  for (;;) {
    Atomics.wait(ctrl, CTRL.seq, seen);
    seen = Atomics.load(ctrl, CTRL.seq);
    const cmd = ctrl[CTRL.cmd];
    if (cmd === CMD_STOP) break;
    if (cmd === CMD_STEP) {
      try {
        runStep();
        ctrl[CTRL.status] = STATUS_OK;
      } catch (err) {
        const message = new TextEncoder().encode(err instanceof Error ? (err.stack ?? err.message) : String(err)).subarray(0, ERROR_BYTES);
        errorBytes.set(message);
        ctrl[CTRL.errorBytes] = message.length;
        ctrl[CTRL.status] = STATUS_ERROR;
      }
    }
    Atomics.store(ctrl, CTRL.done, seen);
    Atomics.notify(ctrl, CTRL.done);
  }
  model.dispose();
}

main().catch((err: unknown) => {
  parentPort!.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
});
