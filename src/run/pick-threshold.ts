/**
 * The threshold picker behind `svd eval RUN --threshold auto` and `svd export RUN --threshold
 * auto`: on the run's validation split (`data.validation`), the threshold with the most
 * compression whose validation error is at most `maxErrorIncrease` percentage points above the
 * unpruned model's (the same weights with no mask). The test set plays no part in the choice.
 */
import { SvdError } from '../errors.js';
import { loadDataset } from '../experiment/build.js';
import { loadRunModel, type CheckpointChoice } from '../experiment/run-model.js';
import { modelThresholdGrid, sparsityStats } from '../layers/sparsity.js';
import { DeviceData } from '../train/device-data.js';
import { evaluate } from '../train/evaluate.js';

/** One threshold tried: its validation error and compression. */
export interface ThresholdCandidate {
  threshold: number;
  valError: number;
  compression: number;
}

/** What the picker chose and from what. */
export interface ThresholdPick {
  threshold: number;
  /** The tolerance, in percentage points of validation error. */
  maxErrorIncrease: number;
  /** Validation error of the model with nothing pruned. */
  unprunedValError: number;
  valError: number;
  compression: number;
  /** Every threshold tried, ascending. */
  candidates: ThresholdCandidate[];
}

/** The most compressed of `candidates` whose valError is within `maxErrorIncrease` points of `unpruned`; null when none is. */
export function mostCompressedWithin(candidates: readonly ThresholdCandidate[], unpruned: number, maxErrorIncrease: number): ThresholdCandidate | null {
  const limit = unpruned + maxErrorIncrease / 100 + 1e-12;
  let best: ThresholdCandidate | null = null;
  for (const c of candidates) if (c.valError <= limit && (!best || c.compression > best.compression)) best = c;
  return best;
}

/**
 * Picks the threshold of the run in `dir` (its latest or best checkpoint) on its validation split,
 * trying `thresholds` (default: modelThresholdGrid, src/layers/sparsity.ts). E_ARGS when the run has no validation split.
 */
export async function pickThreshold(dir: string, maxErrorIncrease: number, thresholds: number[] | null, which: CheckpointChoice = 'latest'): Promise<ThresholdPick> {
  const { config, sparsity, model } = await loadRunModel(dir, undefined, which);
  let data: DeviceData | null = null;
  try {
    if (config.data.validation == null) {
      throw new SvdError('E_ARGS', `--threshold auto chooses on the validation split, and run ${dir} has none: train with data.validation (e.g. --set data.validation=0.1), or give --threshold T`);
    }
    data = new DeviceData(await loadDataset(config));
    const split = data.validation!;
    const unpruned = (await evaluate(model, data, split, { ...sparsity, threshold: Infinity })).error;
    const grid = thresholds ?? (await modelThresholdGrid(model, sparsity));
    const candidates: ThresholdCandidate[] = [];
    for (const threshold of [...new Set(grid)].sort((a, b) => a - b)) {
      const valError = (await evaluate(model, data, split, { ...sparsity, threshold })).error;
      const { compression } = await sparsityStats(model.layers, { threshold, logAlphaClip: sparsity.logAlphaClip });
      candidates.push({ threshold, valError, compression });
    }
    const chosen = mostCompressedWithin(candidates, unpruned, maxErrorIncrease);
    if (!chosen) {
      const lowest = Math.min(...candidates.map((c) => c.valError));
      throw new SvdError('E_ARGS', `no threshold tried keeps the validation error within ${maxErrorIncrease} points of the unpruned model's ${(100 * unpruned).toFixed(2)}% (the lowest was ${(100 * lowest).toFixed(2)}%): allow more with --max-error-increase, or give other --thresholds`);
    }
    return { threshold: chosen.threshold, maxErrorIncrease, unprunedValError: unpruned, valError: chosen.valError, compression: chosen.compression, candidates };
  } finally {
    model.dispose();
    data?.dispose();
  }
}
