/**
 * The training loop, readable in one sitting (after nanoGPT's train.py). Per epoch: set the lr
 * and KL weight from their schedules, shuffle with the data stream, take SGVLB steps, then
 * (every `evalEvery` epochs and at the end) evaluate deterministically and report the metrics.
 * It does no I/O itself: the run layer writes metrics and checkpoints in `onEpochEnd`.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types.js';
import type { Model } from '../layers/model.js';
import { KL_SCHEDULES, LR_SCHEDULES } from '../registry/registries.js';
import { setLearningRate } from './optimizers.js';
import { disposeBatch, type DeviceData } from './device-data.js';
import { disposeStats } from './step.js';
import { createTrainStep, type TrainStepRunner } from './parallel-step.js';
import { evaluate } from './evaluate.js';
import { sparsityStats } from '../svd/sparsity.js';
import { SvdError } from '../errors.js';
import type { RunRandom } from './rng.js';

/** One line of metrics.jsonl (the contract in DESIGN.md). */
export interface EpochMetrics {
  epoch: number;
  lr: number;
  klWeight: number;
  trainLoss: number;
  trainNll: number;
  trainKl: number;
  trainAccuracy: number;
  testError: number;
  testNll: number;
  sparsity: Record<string, number>;
  compression: number;
  seconds: number;
}

/** Where training stands: completed epochs and the training seconds spent on them. */
export interface TrainProgress {
  epoch: number;
  seconds: number;
}

/** Callbacks from the loop to the run layer. */
export interface TrainerHooks {
  /** After every step (cheap: no tensor reads). */
  onStep?(step: number, stepsPerEpoch: number, epoch: number): void;
  /** After every epoch; `metrics` is null on epochs that were not evaluated. */
  onEpochEnd(progress: TrainProgress, metrics: EpochMetrics | null): Promise<void>;
  /** Asked between steps; true stops training after the current step (train() rejects with TrainingInterrupted). */
  shouldStop?(): boolean;
}

/** Training was asked to stop (a signal) in `epoch` (0-based) after `step` steps of it. */
export class TrainingInterrupted extends Error {
  constructor(readonly epoch: number, readonly step: number) {
    super(`training stopped in epoch ${epoch + 1} after step ${step}`);
  }
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
  /** Where to start (epoch 0 for a new run, the checkpoint's for a resumed one). */
  start: TrainProgress;
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

/**
 * Trains from `start.epoch` to `config.training.epochs`; resolves to the final progress. Steps run
 * on `training.workers` threads (src/train/parallel-step.ts) or on this one (TrainStep).
 */
export async function train(input: TrainerInput): Promise<TrainProgress> {
  const { config, model, optimizer, data, random } = input;
  const step = await createTrainStep({
    model, optimizer, config, trainSize: data.train.count, nextSeed: () => random.noise.nextSeed(),
    inputShape: data.dataset.inputShape, numClasses: data.dataset.numClasses,
  });
  try {
    return await trainEpochs(input, step);
  } finally {
    step.dispose();
  }
}

async function trainEpochs(input: TrainerInput, step: TrainStepRunner): Promise<TrainProgress> {
  const { config, model, optimizer, data, hooks } = input;
  const { training, sparsity } = config;
  const progress = { ...input.start };
  for (let epoch = progress.epoch; epoch < training.epochs; epoch++) {
    const began = performance.now();
    const { lr, klWeight } = schedulesAt(config, epoch);
    setLearningRate(optimizer, lr);
    const sums = await trainEpoch(input, epoch, klWeight, step);
    progress.epoch = epoch + 1;
    const isLast = progress.epoch === training.epochs;
    const evaluated = isLast || progress.epoch % training.evalEvery === 0;
    const train = readSums(sums, epoch, data.train.count);
    let metrics: EpochMetrics | null = null;
    if (evaluated) {
      const test = evaluate(model, data, data.test, sparsity);
      const stats = sparsityStats(model.layers, sparsity.threshold, sparsity.logAlphaClip);
      progress.seconds += (performance.now() - began) / 1000;
      metrics = {
        epoch: progress.epoch, lr, klWeight,
        trainLoss: train.nll + klWeight * train.kl, trainNll: train.nll, trainKl: train.kl, trainAccuracy: train.accuracy,
        testError: test.error, testNll: test.nll, sparsity: stats.sparsity, compression: stats.compression,
        seconds: progress.seconds,
      };
    } else {
      progress.seconds += (performance.now() - began) / 1000;
    }
    await hooks.onEpochEnd({ ...progress }, metrics);
  }
  return progress;
}

/** Running sums of one epoch, kept as tensors so steps never wait on a read. */
interface EpochSums {
  nll: tf.Scalar;
  kl: tf.Scalar;
  correct: tf.Scalar;
  examples: number;
  steps: number;
}

async function trainEpoch(input: TrainerInput, epoch: number, klWeight: number, trainStep: TrainStepRunner): Promise<EpochSums> {
  const { config, data, random, hooks } = input;
  const { batchSize } = config.data;
  const n = data.train.count;
  const order = random.data.permutation(n);
  const stepsPerEpoch = Math.min(Math.ceil(n / batchSize), config.training.stepsPerEpoch ?? Infinity);
  const sums: EpochSums = { nll: tf.scalar(0), kl: tf.scalar(0), correct: tf.scalar(0), examples: 0, steps: stepsPerEpoch };
  let lastYield = performance.now();
  for (let step = 0; step < stepsPerEpoch; step++) {
    const indices = order.subarray(step * batchSize, Math.min(n, (step + 1) * batchSize));
    const batch = data.batch(data.train, indices);
    const stats = trainStep.run(batch, klWeight);
    const next = tf.tidy(() => [tf.add(sums.nll, stats.nllSum), tf.add(sums.kl, stats.kl), tf.add(sums.correct, stats.correct)] as tf.Scalar[]);
    tf.dispose([sums.nll, sums.kl, sums.correct]);
    disposeStats(stats);
    [sums.nll, sums.kl, sums.correct] = next;
    sums.examples += indices.length;
    disposeBatch(batch);
    hooks.onStep?.(step + 1, stepsPerEpoch, epoch);
    if (performance.now() - lastYield > YIELD_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    if (hooks.shouldStop?.()) {
      tf.dispose([sums.nll, sums.kl, sums.correct]);
      throw new TrainingInterrupted(epoch, step + 1);
    }
  }
  return sums;
}

/**
 * Reads an epoch's sums once, checks them for NaN, and frees them. `nll` is the mean cross-entropy
 * per example; `kl` is the model's total KL (averaged over the epoch's steps) divided by the
 * training-set size, i.e. the KL part of the per-example loss before the KL weight.
 */
function readSums(sums: EpochSums, epoch: number, trainSize: number): { nll: number; kl: number; accuracy: number } {
  const [nll, kl, correct] = [sums.nll, sums.kl, sums.correct].map((t) => t.dataSync()[0]);
  tf.dispose([sums.nll, sums.kl, sums.correct]);
  if (!Number.isFinite(nll) || !Number.isFinite(kl)) {
    throw new SvdError('E_TRAIN', `training diverged in epoch ${epoch + 1}: loss is ${Number.isFinite(nll) ? kl : nll}`);
  }
  return { nll: nll / sums.examples, kl: kl / sums.steps / trainSize, accuracy: correct / sums.examples };
}
