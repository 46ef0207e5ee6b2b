/**
 * Evaluates a finished (or running) run from its latest checkpoint, at its own pruning threshold
 * or another one: the computation behind `svd eval`.
 */
import { DATASETS } from '../data/registry.js';
import { loadRunModel } from '../experiment/run-model.js';
import { DeviceData } from '../train/device-data.js';
import { evaluate } from '../train/evaluate.js';
import { sparsityStats, type SparsityStats } from '../layers/sparsity.js';

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
  const { config, sparsity, epoch, backend, model } = await loadRunModel(dir, threshold);
  let data: DeviceData | null = null;
  try {
    data = new DeviceData(await DATASETS.get(config.data.dataset).load(config.data));
    const result = await evaluate(model, data, data.test, sparsity);
    const stats = await sparsityStats(model.layers, sparsity);
    return { runDir: dir, epoch, threshold: sparsity.threshold, testError: result.error, testNll: result.nll, backend: backend.name, ...stats };
  } finally {
    model.dispose();
    data?.dispose();
  }
}
