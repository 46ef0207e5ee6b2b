/**
 * A run's model as of its latest checkpoint: opens the run directory, selects the run's backend,
 * builds the model from resolved.json and restores the checkpoint's variables. Shared by
 * `svd eval` and `svd export`.
 */
import type { ExperimentConfig, SparsityConfig } from '../config/types.js';
import { DATASETS } from '../registry/registries.js';
import { selectBackend, type BackendInfo } from '../backend.js';
import { Model } from '../layers/model.js';
import { RunRandom } from '../train/rng.js';
import { SvdError } from '../errors.js';
import { openRunDir } from './run-dir.js';
import { readJson } from './atomic.js';
import { loadLatestCheckpoint, restoreCheckpoint } from './checkpoint.js';

/** A restored run model; the caller disposes `model`. */
export interface RunModel {
  config: ExperimentConfig;
  /** The run's sparsity settings with `threshold` replaced when one was given. */
  sparsity: SparsityConfig;
  epoch: number;
  backend: BackendInfo;
  model: Model;
}

/** Restores the latest checkpoint of the run in `dir`, pruning at `threshold` (default: the run's). */
export async function loadRunModel(dir: string, threshold?: number): Promise<RunModel> {
  const paths = openRunDir(dir);
  const config = readJson<ExperimentConfig>(paths.resolved);
  const checkpoint = loadLatestCheckpoint(paths.checkpoints);
  if (!checkpoint) throw new SvdError('E_CHECKPOINT', `run ${dir} has no checkpoint yet`, { file: paths.checkpoints });
  const sparsity = { ...config.sparsity, threshold: threshold ?? config.sparsity.threshold };
  const backend = await selectBackend(config.backend);
  const inputShape = DATASETS.get(config.data.dataset).inputShape;
  const model = Model.build(config.model.layers, inputShape, sparsity, RunRandom.fromSeed(config.seed).init, config.model.width ?? 1);
  try {
    await restoreCheckpoint(checkpoint, model.namedVariables(), null);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { config, sparsity, epoch: checkpoint.epoch, backend, model };
}
