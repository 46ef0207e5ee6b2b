/**
 * The experiment builder: from a resolved config to what a run trains or evaluates: the model
 * spec (which every worker thread rebuilds its replica from), the model, its optimizer and the
 * dataset. `svd run`, `svd resume`, `svd eval`, `svd export`, `svd report` and the benchmark
 * all build through here, so a config means the same model everywhere.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types.js';
import { DATASETS } from '../data/registry.js';
import type { Dataset } from '../data/dataset.js';
import { Model, type ModelSpec } from '../layers/model.js';
import { OPTIMIZERS } from '../optim/registry.js';
import { RunRandom } from '../train/rng.js';

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

/** The dataset of `config.data`, read, checked and normalized. */
export function loadDataset(config: ExperimentConfig): Promise<Dataset> {
  return DATASETS.get(config.data.dataset).load(config.data);
}
