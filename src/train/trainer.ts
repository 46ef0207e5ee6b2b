/**
 * The training loop, readable in one sitting (after nanoGPT's train.py). Per epoch: set the lr
 * and KL weight from their schedules, shuffle with the data stream, take SGVLB steps, then
 * (every `evalEvery` epochs and at the end) evaluate deterministically (the validation split, when
 * there is one, and the test set) and report the metrics.
 * It does no I/O itself: the run layer writes metrics and checkpoints in `onEpochEnd`.
 *
 * Two guards run inside the loop without a read per step:
 * - Stop: `shouldStop` is asked between steps; training then resolves to an `interrupted`
 *   outcome carrying the exact position in the epoch (EpochPosition), so the run layer can write
 *   a mid-epoch checkpoint from which `start.within` continues bit for bit.
 * - Divergence: each step folds "is this step's loss finite?" into a device-side scalar (the
 *   first bad step, or -1); it is read at the loop's yield points (every 200 ms) and at the end of
 *   the epoch, where every variable is also checked. A non-finite loss or weight throws E_TRAIN
 *   naming the epoch, the step and the layers with non-finite variables, before anything of the
 *   bad state is reported or checkpointed.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types.js';
import type { Model } from '../layers/model.js';
import { KL_SCHEDULES, LR_SCHEDULES } from '../optim/registry.js';
import { setLearningRate } from '../optim/optimizers.js';
import { disposeBatch, type DeviceData } from './device-data.js';
import type { TrainStepRunner } from './step.js';
import { disposeStats } from './step-stats.js';
import { evaluate } from './evaluate.js';
import { sparsityStats } from '../layers/sparsity.js';
import { SvdError } from '../errors.js';
import { readScalars } from '../backends/read.js';
import { RandomStream, type RunRandom } from './rng.js';
import type { EpochPosition } from '../store/checkpoint.js';
import type { EpochMetrics } from '../store/metrics.js';

export type { EpochMetrics } from '../store/metrics.js';

/** Where training stands: completed epochs and the training seconds spent on them. */
export interface TrainProgress {
  epoch: number;
  seconds: number;
}

/** How training ended: all epochs done, or stopped (`shouldStop`) in `epoch` (0-based) after `step` of its steps. */
export type TrainOutcome =
  | { status: 'completed'; progress: TrainProgress }
  | { status: 'interrupted'; progress: TrainProgress; epoch: number; step: number; position: EpochPosition };

/** Callbacks from the loop to the run layer. */
export interface TrainerHooks {
  /** After every step (cheap: no tensor reads). */
  onStep?(step: number, stepsPerEpoch: number, epoch: number): void;
  /** After every epoch; `metrics` is null on epochs that were not evaluated. */
  onEpochEnd(progress: TrainProgress, metrics: EpochMetrics | null): Promise<void>;
  /** Asked between steps; true stops training after the current step (an `interrupted` outcome). */
  shouldStop?(): boolean;
}

/** The loop yields to the event loop this often, so signals are seen within a step or so. */
const YIELD_MS = 200;

/** Everything the loop works on. */
export interface TrainerInput {
  config: ExperimentConfig;
  model: Model;
  optimizer: tf.Optimizer;
  data: DeviceData;
  random: RunRandom;
  /** The training step (step.ts, parallel-step.ts), on the model and optimizer above. */
  step: TrainStepRunner;
  /**
   * Where to start (epoch 0 for a new run, the checkpoint's for a resumed one); `within`: a
   * position inside the next epoch, from a mid-epoch checkpoint.
   */
  start: TrainProgress & { within?: EpochPosition | null };
  hooks: TrainerHooks;
}

/** The lr and KL weight of `epoch` (0-based). */
export function schedulesAt(config: ExperimentConfig, epoch: number): { lr: number; klWeight: number } {
  const { optimizer, kl, training } = config;
  return {
    lr: LR_SCHEDULES.get(optimizer.schedule.type).lr(optimizer.lr, epoch, training.epochs, optimizer.schedule),
    klWeight: KL_SCHEDULES.get(kl.schedule).weight(epoch, kl),
  };
}

/** Trains from `start.epoch` to `config.training.epochs`, or until `hooks.shouldStop`; says how it ended. */
export async function train(input: TrainerInput): Promise<TrainOutcome> {
  const { config, model, optimizer, data, hooks } = input;
  const { training, sparsity } = config;
  let within = input.start.within ?? null;
  // A mid-epoch start's seconds include the part of the epoch already done, which the epoch's
  // clock below counts again from `within.seconds`.
  const progress = { epoch: input.start.epoch, seconds: input.start.seconds - (within?.seconds ?? 0) };
  for (let epoch = progress.epoch; epoch < training.epochs; epoch++) {
    const began = performance.now() - (within?.seconds ?? 0) * 1000;
    const { lr, klWeight } = schedulesAt(config, epoch);
    setLearningRate(optimizer, lr);
    const run = await trainEpoch(input, epoch, klWeight, progress, within);
    if (run.stopped) return { status: 'interrupted', ...run.stopped };
    const sums = run.sums;
    within = null;
    progress.epoch = epoch + 1;
    const isLast = progress.epoch === training.epochs;
    const evaluated = isLast || progress.epoch % training.evalEvery === 0;
    const train = await readSums(sums, data.train.count);
    let metrics: EpochMetrics | null = null;
    if (evaluated) {
      const test = await evaluate(model, data, data.test, sparsity);
      const val = data.validation ? await evaluate(model, data, data.validation, sparsity) : null;
      const stats = await sparsityStats(model.layers, sparsity);
      progress.seconds += (performance.now() - began) / 1000;
      metrics = {
        epoch: progress.epoch, lr, klWeight,
        trainLoss: train.nll + klWeight * train.kl, trainNll: train.nll, trainKl: train.kl, trainAccuracy: train.accuracy,
        ...(val && { valError: val.error, valNll: val.nll }),
        testError: test.error, testNll: test.nll, sparsity: stats.sparsity, compression: stats.compression,
        seconds: progress.seconds,
      };
    } else {
      progress.seconds += (performance.now() - began) / 1000;
    }
    await hooks.onEpochEnd({ ...progress }, metrics);
  }
  return { status: 'completed', progress };
}

/** Running sums of one epoch, kept as tensors so steps never wait on a read. */
interface EpochSums {
  nll: tf.Scalar;
  kl: tf.Scalar;
  correct: tf.Scalar;
  /** The first step (1-based) whose loss was not finite, or -1 (int32). */
  firstBad: tf.Scalar;
  examples: number;
  steps: number;
}

/** One epoch's sums, or where it stopped. */
type EpochRun = { sums: EpochSums; stopped?: undefined } | { stopped: Omit<Extract<TrainOutcome, { status: 'interrupted' }>, 'status'> };

async function trainEpoch(input: TrainerInput, epoch: number, klWeight: number, progress: TrainProgress, within: EpochPosition | null): Promise<EpochRun> {
  const { config, data, random, hooks, model, step: trainStep } = input;
  const { batchSize } = config.data;
  const n = data.train.count;
  // The shuffle is the epoch's first draw from the data stream; a mid-epoch resume redraws it
  // from the state the epoch began with (the stream itself continues from the checkpoint).
  const dataStart = within?.dataStart ?? random.data.state();
  const order = within ? RandomStream.fromState(within.dataStart).permutation(n) : random.data.permutation(n);
  const stepsPerEpoch = Math.min(Math.ceil(n / batchSize), config.training.stepsPerEpoch ?? Infinity);
  const sums: EpochSums = {
    nll: tf.scalar(within?.nll ?? 0), kl: tf.scalar(within?.kl ?? 0), correct: tf.scalar(within?.correct ?? 0),
    firstBad: tf.scalar(-1, 'int32'), examples: within?.examples ?? 0, steps: stepsPerEpoch,
  };
  const began = performance.now() - (within?.seconds ?? 0) * 1000;
  let lastYield = performance.now();
  for (let step = within?.step ?? 0; step < stepsPerEpoch; step++) {
    const indices = order.subarray(step * batchSize, Math.min(n, (step + 1) * batchSize));
    const batch = data.batch(data.train, indices);
    const stats = trainStep.run(batch, klWeight);
    const next = tf.tidy(() => {
      const finite = tf.all(tf.isFinite(tf.stack([stats.nllSum, stats.kl])));
      const firstBad = tf.where(tf.logicalOr(finite, tf.greaterEqual(sums.firstBad, 0)), sums.firstBad, tf.scalar(step + 1, 'int32'));
      return [tf.add(sums.nll, stats.nllSum), tf.add(sums.kl, stats.kl), tf.add(sums.correct, stats.correct), firstBad] as tf.Scalar[];
    });
    tf.dispose([sums.nll, sums.kl, sums.correct, sums.firstBad]);
    disposeStats(stats);
    [sums.nll, sums.kl, sums.correct, sums.firstBad] = next;
    sums.examples += indices.length;
    disposeBatch(batch);
    hooks.onStep?.(step + 1, stepsPerEpoch, epoch);
    if (performance.now() - lastYield > YIELD_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
      await checkFinite(sums, model, epoch, stepsPerEpoch, false);
    }
    if (hooks.shouldStop?.()) {
      // Never checkpoint a diverged state: the stop checks the weights too.
      await checkFinite(sums, model, epoch, stepsPerEpoch, true);
      const [nll, kl, correct] = await readScalars([sums.nll, sums.kl, sums.correct]);
      disposeSums(sums);
      const seconds = (performance.now() - began) / 1000;
      const position: EpochPosition = { step: step + 1, dataStart, nll, kl, correct, examples: sums.examples, seconds };
      return { stopped: { epoch, step: step + 1, progress: { epoch: progress.epoch, seconds: progress.seconds + seconds }, position } };
    }
  }
  await checkFinite(sums, model, epoch, stepsPerEpoch, true);
  return { sums };
}

/**
 * Throws E_TRAIN (and frees the sums) when a step of this epoch had a non-finite loss, or, with
 * `weights`, when any variable holds a NaN or an infinity; the message names the epoch, the
 * step and the layers whose variables are not finite.
 */
async function checkFinite(sums: EpochSums, model: Model, epoch: number, steps: number, weights: boolean): Promise<void> {
  const firstBad = (await sums.firstBad.data())[0];
  const layers = firstBad >= 0 || weights ? await nonFiniteLayers(model) : [];
  if (firstBad < 0 && layers.length === 0) return;
  disposeSums(sums);
  const where = firstBad >= 0 ? `step ${firstBad} of ${steps}` : `by step ${steps} of ${steps}`;
  const what = firstBad >= 0 ? 'the loss is not finite (NaN or infinite)' : 'the weights are not finite';
  const named = layers.length
    ? `non-finite values in ${layers.map((l) => `layer ${l.layer} (${l.params.join(', ')})`).join(', ')}`
    : 'every weight is still finite (the loss itself overflowed)';
  throw new SvdError('E_TRAIN', `training diverged in epoch ${epoch + 1}, ${where}: ${what}; ${named}; lower optimizer.lr or check its schedule`, {}, 1);
}

/** The layers with a variable that holds a NaN or an infinity, and those variables' names (one read for the whole model). */
export async function nonFiniteLayers(model: Model): Promise<Array<{ layer: string; params: string[] }>> {
  const layers = model.layers.map((layer) => ({ layer, vars: [...layer.trainable, ...layer.nonTrainable] }));
  const flags = layers.flatMap(({ vars }) => vars.map((v) => tf.tidy(() => tf.logicalNot(tf.all(tf.isFinite(v))))));
  let bad: number[];
  try {
    bad = await readScalars(flags);
  } finally {
    tf.dispose(flags);
  }
  const found: Array<{ layer: string; params: string[] }> = [];
  let next = 0;
  for (const { layer, vars } of layers) {
    const params = vars.filter(() => bad[next++] !== 0).map((v) => v.name.slice(v.name.lastIndexOf('/') + 1));
    if (params.length) found.push({ layer: layer.name, params });
  }
  return found;
}

function disposeSums(sums: EpochSums): void {
  tf.dispose([sums.nll, sums.kl, sums.correct, sums.firstBad]);
}

/**
 * Reads an epoch's sums once and frees them. `nll` is the mean cross-entropy per example; `kl` is
 * the model's total KL (averaged over the epoch's steps) divided by the training-set size, i.e.
 * the KL part of the per-example loss before the KL weight.
 */
async function readSums(sums: EpochSums, trainSize: number): Promise<{ nll: number; kl: number; accuracy: number }> {
  const [nll, kl, correct] = await readScalars([sums.nll, sums.kl, sums.correct]);
  disposeSums(sums);
  return { nll: nll / sums.examples, kl: kl / sums.steps / trainSize, accuracy: correct / sums.examples };
}
