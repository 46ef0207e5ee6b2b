/**
 * Evaluates a finished (or running) run from its latest (or best) checkpoint, at its own pruning
 * threshold or another one: the computation behind `svd eval`. The validation split, when the
 * run has one, is evaluated beside the test set.
 */
import { loadDataset } from '../experiment/build.js';
import { loadRunModel, type CheckpointChoice } from '../experiment/run-model.js';
import { DeviceData } from '../train/device-data.js';
import { evaluate } from '../train/evaluate.js';
import { sparsityStats, type SparsityStats } from '../layers/sparsity.js';

/** What `svd eval` prints. */
export interface RunEvaluation extends SparsityStats {
  runDir: string;
  epoch: number;
  threshold: number;
  /** Which checkpoint was evaluated. */
  checkpoint?: CheckpointChoice;
  /** On the validation split (`data.validation`); absent without one. */
  valError?: number;
  valNll?: number;
  testError: number;
  testNll: number;
  backend: string;
}

/** Evaluates the latest (or best) checkpoint of the run in `dir`. */
export async function evaluateRun(dir: string, threshold?: number, which: CheckpointChoice = 'latest'): Promise<RunEvaluation> {
  const { config, sparsity, epoch, backend, model } = await loadRunModel(dir, threshold, which);
  let data: DeviceData | null = null;
  try {
    data = new DeviceData(await loadDataset(config));
    const result = await evaluate(model, data, data.test, sparsity);
    const val = data.validation ? await evaluate(model, data, data.validation, sparsity) : null;
    const stats = await sparsityStats(model.layers, sparsity);
    return {
      runDir: dir, epoch, checkpoint: which, threshold: sparsity.threshold, ...(val && { valError: val.error, valNll: val.nll }),
      testError: result.error, testNll: result.nll, backend: backend.name, ...stats,
    };
  } finally {
    model.dispose();
    data?.dispose();
  }
}
