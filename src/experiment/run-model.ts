/**
 * A run's model as of its latest checkpoint (or the best one, `training.keepBest`): opens the run directory, selects the run's backend,
 * builds the model from resolved.json and restores the checkpoint's variables. Shared by
 * `svd eval`, `svd export` and `svd report`.
 */
import type { ExperimentConfig, SparsityConfig } from '../config/types.js';
import { selectBackend, type BackendInfo } from '../backends/select.js';
import type { Model } from '../layers/model.js';
import { buildModel } from './build.js';
import { SvdError } from '../errors.js';
import { openRunDir } from '../store/run-dir.js';
import { readResolvedConfig } from './load-config.js';
import { loadBestCheckpoint, loadLatestCheckpoint } from '../store/checkpoint.js';
import { restoreCheckpoint } from './checkpoint-state.js';

/** A restored run model; the caller disposes `model`. */
export interface RunModel {
  config: ExperimentConfig;
  /** The run's sparsity settings with `threshold` replaced when one was given. */
  sparsity: SparsityConfig;
  epoch: number;
  /** The checkpoint directory restored. */
  checkpointDir: string;
  backend: BackendInfo;
  model: Model;
}

/** Which checkpoint of a run: the latest, or the best one `training.keepBest` kept. */
export type CheckpointChoice = 'latest' | 'best';

/** Restores the latest (or best) checkpoint of the run in `dir`, pruning at `threshold` (default: the run's). */
export async function loadRunModel(dir: string, threshold?: number, which: CheckpointChoice = 'latest'): Promise<RunModel> {
  const paths = openRunDir(dir);
  const config = await readResolvedConfig(paths.resolved);
  const checkpoint = which === 'best' ? loadBestCheckpoint(paths.checkpoints) : loadLatestCheckpoint(paths.checkpoints);
  if (!checkpoint) throw new SvdError('E_CHECKPOINT', `run ${dir} has no checkpoint yet`, { file: paths.checkpoints });
  const sparsity = { ...config.sparsity, threshold: threshold ?? config.sparsity.threshold };
  const backend = await selectBackend(config.backend);
  const model = buildModel({ ...config, sparsity });
  try {
    await restoreCheckpoint(checkpoint, model.namedVariables(), null);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { config, sparsity, epoch: checkpoint.epoch, checkpointDir: checkpoint.dir, backend, model };
}
