/**
 * The experiment builder: from a resolved config to what a run trains or evaluates: the model
 * spec (which every worker thread rebuilds its replica from), the model, its optimizer, the
 * dataset and the training step. `svd run`, `svd resume`, `svd eval`, `svd export`, `svd report` and the benchmark
 * all build through here, so a config means the same model everywhere.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types.js';
import { DATASETS } from '../data/registry.js';
import type { Dataset } from '../data/dataset.js';
import { holdOutValidation } from '../data/validation-split.js';
import { Model, type ModelSpec } from '../layers/model.js';
import { OPTIMIZERS } from '../optim/registry.js';
import { RunRandom } from '../train/rng.js';
import { TrainStep, type TrainStepRunner } from '../train/step.js';
import { ParallelTrainStep } from '../train/parallel-step.js';

/** What the model of `config` is built from. */
export function modelSpec(config: ExperimentConfig): ModelSpec {
  return { layers: config.model.layers, width: config.model.width ?? 1, inputShape: DATASETS.get(config.data.dataset).inputShape, sparsity: config.sparsity };
}

/** A fresh model of `config`, its initial weights drawn from `random.init` (default: the config's seed). */
export function buildModel(config: ExperimentConfig, random: RunRandom = RunRandom.fromSeed(config.seed)): Model {
  return Model.build(modelSpec(config), random.init);
}

/** The optimizer `config.optimizer` names, at its base learning rate. */
export function buildOptimizer(config: ExperimentConfig): tf.Optimizer {
  return OPTIMIZERS.get(config.optimizer.type).create(config.optimizer, config.optimizer.lr);
}

/** The dataset of `config.data`, read, checked and normalized, with its validation split held out (`data.validation`). */
export async function loadDataset(config: ExperimentConfig): Promise<Dataset> {
  const dataset = await DATASETS.get(config.data.dataset).load(config.data);
  return holdOutValidation(dataset, config.data.validation, config.seed, config.data.batchSize);
}

/** What the training step of a run is built from besides its config. */
export interface StepParts {
  model: Model;
  optimizer: tf.Optimizer;
  /** Threads per step (trainingWorkers, training.ts). */
  workers: number;
  /** The active backend: worker threads start the same one. */
  backend: string;
  /** N of the SGVLB, the training-set size. */
  trainSize: number;
  numClasses: number;
  /** Fresh seeds for each step's noise (the run's noise stream). */
  nextSeed: () => number;
  /** Largest batch a step gets (default: data.batchSize). */
  maxBatch?: number;
}

/** The training step: TrainStep on this thread, or ParallelTrainStep over `workers` threads. */
export async function buildTrainStep(config: ExperimentConfig, parts: StepParts): Promise<TrainStepRunner> {
  const loss = { sparsity: config.sparsity, trainSize: parts.trainSize, weightDecay: config.optimizer.weightDecay ?? 0 };
  const microBatch = config.training.microBatch ?? null;
  if (parts.workers <= 1) return new TrainStep(parts.model, parts.optimizer, loss, parts.nextSeed, microBatch);
  return ParallelTrainStep.create(parts.model, parts.optimizer, loss, parts.nextSeed, {
    workers: parts.workers, backend: parts.backend, maxBatch: parts.maxBatch ?? config.data.batchSize, model: parts.model.spec, numClasses: parts.numClasses, microBatch,
  });
}
