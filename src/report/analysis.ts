/**
 * What the report computes from a run's latest checkpoint (the model restored by
 * `loadRunModel`, as `svd eval` does): every Sparse VD layer's weights and keep mask for the
 * final pictures, the histogram of its log alpha, and the test error and compression as the
 * pruning threshold varies (the model and data are loaded once and evaluated at each threshold
 * with `evaluate` and `sparsityStats`, the functions behind `svd eval`).
 */
import * as tf from '@tensorflow/tfjs';
import { DATASETS } from '../data/registry.js';
import { loadRunModel } from '../experiment/run-model.js';
import type { LayerPicture } from '../store/snapshots.js';
import { layerPictures } from '../layers/pictures.js';
import { DeviceData } from '../train/device-data.js';
import { evaluate } from '../train/evaluate.js';
import { sparsityStats } from '../layers/sparsity.js';
import { logAlpha } from '../svd/log-alpha.js';
import { isSparse } from '../layers/layer.js';

/** Bins of a log alpha histogram over [-clip, clip]. */
export const HISTOGRAM_BINS = 64;

/** The model's figures when pruned at one threshold. */
export interface ThresholdPoint {
  threshold: number;
  testError: number;
  testNll: number;
  compression: number;
  sparsity: Record<string, number>;
}

/** One layer's log alpha histogram. */
export interface LogAlphaHistogram {
  layer: string;
  /** HISTOGRAM_BINS + 1 edges from -clip to clip; the last bin includes clip. */
  edges: number[];
  counts: number[];
}

/** Everything the report takes from the checkpoint. */
export interface CheckpointAnalysis {
  epoch: number;
  threshold: number;
  clip: number;
  pictures: LayerPicture[];
  histograms: LogAlphaHistogram[];
  /** Sorted by threshold; includes the run's own. */
  curve: ThresholdPoint[];
}

/** Eleven thresholds from -2 to the clip, and the run's own. */
export function defaultThresholds(threshold: number, clip: number): number[] {
  const points = Array.from({ length: 11 }, (_, i) => Number((-2 + ((clip + 2) * i) / 10).toPrecision(6)));
  return [...new Set([...points, threshold])].sort((a, b) => a - b);
}

/** Analyses the latest checkpoint of the run in `dir`; `progress` hears about each threshold. */
export async function analyseCheckpoint(dir: string, thresholds: number[] | null, progress: (msg: string) => void = () => {}): Promise<CheckpointAnalysis> {
  const { config, sparsity, epoch, model } = await loadRunModel(dir);
  let data: DeviceData | null = null;
  try {
    const clip = sparsity.logAlphaClip;
    const pictures = await layerPictures(model, sparsity);
    const histograms: LogAlphaHistogram[] = [];
    for (const layer of model.layers.filter(isSparse)) {
      const logAlphas = tf.tidy(() => logAlpha(layer.theta, layer.logSigma2, clip));
      const values = await logAlphas.data();
      logAlphas.dispose();
      const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => -clip + (2 * clip * i) / HISTOGRAM_BINS);
      const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
      for (const v of values) counts[Math.max(0, Math.min(HISTOGRAM_BINS - 1, Math.floor(((v + clip) / (2 * clip)) * HISTOGRAM_BINS)))] += 1;
      histograms.push({ layer: layer.name, edges, counts });
    }
    const list = [...new Set([...(thresholds ?? defaultThresholds(sparsity.threshold, clip)), sparsity.threshold])].sort((a, b) => a - b);
    data = new DeviceData(await DATASETS.get(config.data.dataset).load(config.data));
    const curve: ThresholdPoint[] = [];
    for (const threshold of list) {
      progress(`threshold ${threshold}: evaluating ${data.test.count} test examples`);
      const result = await evaluate(model, data, data.test, { ...sparsity, threshold });
      const stats = await sparsityStats(model.layers, { threshold, logAlphaClip: clip });
      curve.push({ threshold, testError: result.error, testNll: result.nll, compression: stats.compression, sparsity: stats.sparsity });
    }
    return { epoch, threshold: sparsity.threshold, clip, pictures, histograms, curve };
  } finally {
    model.dispose();
    data?.dispose();
  }
}
