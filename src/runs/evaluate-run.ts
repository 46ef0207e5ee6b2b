/**
 * Evaluates a finished (or running) run from its latest checkpoint, at its own pruning threshold
 * or another one: the computation behind `svd eval`.
 */
import type { ExperimentConfig } from '../config/types.js';
import { DATASETS } from '../registry/registries.js';
import { selectBackend } from '../backend.js';
import { Model } from '../layers/model.js';
import { RunRandom } from '../train/rng.js';
import { DeviceData } from '../train/device-data.js';
import { evaluate } from '../train/evaluate.js';
import { sparsityStats, type SparsityStats } from '../svd/sparsity.js';
import { SvdError } from '../errors.js';
import { openRunDir } from './run-dir.js';
import { readJson } from './atomic.js';
import { loadLatestCheckpoint, restoreCheckpoint } from './checkpoint.js';

/** What `svd eval` prints. */
export interface RunEvaluation extends SparsityStats {
  runDir: string;
  epoch: number;
  threshold: number;
  testError: number;
  testNll: number;
  backend: string;
}

/** Evaluates the latest checkpoint of the run in `dir`. */
export async function evaluateRun(dir: string, threshold?: number): Promise<RunEvaluation> {
  const paths = openRunDir(dir);
  const config = readJson<ExperimentConfig>(paths.resolved);
  const checkpoint = loadLatestCheckpoint(paths.checkpoints);
  if (!checkpoint) throw new SvdError('E_CHECKPOINT', `run ${dir} has no checkpoint yet`, { file: paths.checkpoints });
  const sparsity = { ...config.sparsity, threshold: threshold ?? config.sparsity.threshold };
  const backend = await selectBackend(config.backend);
  const dataset = await DATASETS.get(config.data.dataset).load(config.data);
  const model = Model.build(config.model.layers, dataset.inputShape, sparsity, RunRandom.fromSeed(config.seed).init, config.model.width ?? 1);
  const data = new DeviceData(dataset);
  try {
    await restoreCheckpoint(checkpoint, model.namedVariables(), null);
    const result = evaluate(model, data, data.test, sparsity);
    const stats = sparsityStats(model.layers, sparsity.threshold, sparsity.logAlphaClip);
    return { runDir: dir, epoch: checkpoint.epoch, threshold: sparsity.threshold, testError: result.error, testNll: result.nll, backend: backend.name, ...stats };
  } finally {
    model.dispose();
    data.dispose();
  }
}
