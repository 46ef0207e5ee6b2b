/**
 * What the report computes from a run's latest checkpoint (the model restored by
 * `loadRunModel`, as `svd eval` does): every Sparse VD layer's weights and keep mask for the
 * final pictures (the block its entry names: a dense kernel whole), the histogram of its log alpha, the dead units and
 * filters and the unused inputs (the analysis `svd export` prints, src/export/structure.ts, on
 * the same plain net), and the test error and compression as the pruning threshold varies
 * (`evaluate` and `sparsityStats`, the functions behind `svd eval`), each point taken from the
 * run's cache of threshold evaluations when it holds it (src/store/threshold-evals.ts), so the
 * data set is loaded and the model evaluated only for thresholds not seen before. A model
 * without Sparse VD layers has nothing to prune: no histogram and no threshold curve.
 */
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../experiment/build.js';
import { loadRunModel } from '../experiment/run-model.js';
import type { LayerPicture } from '../store/snapshots.js';
import { layerPictures } from '../layers/pictures.js';
import { DeviceData } from '../train/device-data.js';
import { evaluate } from '../train/evaluate.js';
import { modelThresholdGrid, sparsityStats, type PruneRule } from '../layers/sparsity.js';
import { logAlpha } from '../svd/log-alpha.js';
import { isSparse } from '../layers/layer.js';
import type { Model } from '../layers/model.js';
import type { ExperimentConfig, SparsityConfig } from '../config/types.js';
import { plainNetFromModel } from '../export/extract.js';
import { analyzeStructure, unusedInputIndices, type StructureReport } from '../export/structure.js';
import { EVALUATION_KIND, ThresholdEvals, checkpointIdentity, type ThresholdPoint } from '../store/threshold-evals.js';
import { SvdError } from '../errors.js';

export type { ThresholdPoint } from '../store/threshold-evals.js';

/** Bins of a log alpha histogram over [-clip, clip]. */
export const HISTOGRAM_BINS = 64;

/** One layer's log alpha histogram. */
export interface LogAlphaHistogram {
  layer: string;
  /** HISTOGRAM_BINS + 1 edges from -clip to clip; the last bin includes clip. */
  edges: number[];
  counts: number[];
}

/** The input pixels a first dense layer on images never reads. */
export interface InputMap {
  /** The input image: [height, width, channels]. */
  shape: number[];
  /** 1 where no kept weight reads the pixel (in any channel), row-major height x width. */
  unused: Uint8Array;
}

/** How the threshold curve's points were obtained. */
export interface CurveSource {
  evaluated: number;
  cached: number;
  /** Why the cache file was not used, if it was not. */
  cacheProblem: string | null;
}

/** Everything the report takes from the checkpoint. */
export interface CheckpointAnalysis {
  epoch: number;
  threshold: number;
  clip: number;
  /** Sparse VD layers of the model (0: a dense model, nothing to prune). */
  sparseLayers: number;
  pictures: LayerPicture[];
  histograms: LogAlphaHistogram[];
  /** Sorted by threshold; includes the run's own; empty without Sparse VD layers. */
  curve: ThresholdPoint[];
  curveSource: CurveSource;
  /** Dead units per weighted layer; null when the model has a layer the exporter cannot express (with the reason). */
  structure: StructureReport | null;
  structureProblem: string | null;
  inputMap: InputMap | null;
}

/**
 * The report's default thresholds: every whole number from -2 to the clip, the run's own, and
 * between them the thresholds where the compression doubles (modelThresholdGrid), so the curve is
 * fine where the compression changes.
 */
export function defaultThresholds(model: Model, sparsity: PruneRule): Promise<number[]> {
  return modelThresholdGrid(model, sparsity, { from: -2, step: 1, ratio: 2 });
}

/** Analyses the latest checkpoint of the run in `dir`; `progress` hears about each threshold evaluated. */
export async function analyseCheckpoint(dir: string, thresholds: number[] | null, progress: (msg: string) => void = () => {}): Promise<CheckpointAnalysis> {
  const { config, sparsity, epoch, checkpointDir, model } = await loadRunModel(dir);
  try {
    const clip = sparsity.logAlphaClip;
    const sparse = model.layers.filter(isSparse);
    const pictures = await layerPictures(model, sparsity);
    const histograms: LogAlphaHistogram[] = [];
    for (const layer of sparse) {
      const logAlphas = tf.tidy(() => logAlpha(layer.theta, layer.logSigma2, clip));
      const values = await logAlphas.data();
      logAlphas.dispose();
      const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => -clip + (2 * clip * i) / HISTOGRAM_BINS);
      const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
      for (const v of values) counts[Math.max(0, Math.min(HISTOGRAM_BINS - 1, Math.floor(((v + clip) / (2 * clip)) * HISTOGRAM_BINS)))] += 1;
      histograms.push({ layer: layer.name, edges, counts });
    }
    const { structure, structureProblem, inputMap } = structureOf(model, sparsity);
    const list = sparse.length ? [...new Set([...(thresholds ?? (await defaultThresholds(model, sparsity))), sparsity.threshold])].sort((a, b) => a - b) : [];
    const { curve, curveSource } = await thresholdCurve(dir, checkpointDir, config, model, sparsity, list, progress);
    return { epoch, threshold: sparsity.threshold, clip, sparseLayers: sparse.length, pictures, histograms, curve, curveSource, structure, structureProblem, inputMap };
  } finally {
    model.dispose();
  }
}

/** The points at `list`, from the run's cache where it has them, evaluated (and cached) where not. */
async function thresholdCurve(dir: string, checkpointDir: string, config: ExperimentConfig, model: Model, sparsity: SparsityConfig, list: number[], progress: (msg: string) => void): Promise<{ curve: ThresholdPoint[]; curveSource: CurveSource }> {
  const cache = ThresholdEvals.open(dir, checkpointIdentity(checkpointDir, { kind: EVALUATION_KIND, data: config.data, clip: sparsity.logAlphaClip }));
  if (cache.problem) progress(`the cache of threshold evaluations is set aside and rewritten: ${cache.problem}`);
  const curve: ThresholdPoint[] = [];
  let data: DeviceData | null = null;
  let evaluated = 0;
  try {
    for (const threshold of list) {
      let point = cache.get(threshold);
      if (!point) {
        // the run's own split (data.validation held out as in training), so the curve has the validation error where the run has one
        data ??= new DeviceData(await loadDataset(config));
        progress(`threshold ${threshold}: evaluating ${data.test.count} test examples${data.validation ? ` and ${data.validation.count} validation examples` : ''}`);
        const result = await evaluate(model, data, data.test, { ...sparsity, threshold });
        const val = data.validation ? await evaluate(model, data, data.validation, { ...sparsity, threshold }) : null;
        const stats = await sparsityStats(model.layers, { threshold, logAlphaClip: sparsity.logAlphaClip });
        point = { threshold, testError: result.error, testNll: result.nll, ...(val && { valError: val.error, valNll: val.nll }), compression: stats.compression, sparsity: stats.sparsity };
        cache.put(point);
        evaluated++;
      }
      curve.push(point);
    }
  } finally {
    data?.dispose();
  }
  cache.save();
  if (list.length && !evaluated) progress(`threshold curve: all ${list.length} point(s) from ${cache.file}`);
  return { curve, curveSource: { evaluated, cached: list.length - evaluated, cacheProblem: cache.problem } };
}

/** Dead units (export's analysis) and, for a first dense layer on images, its map of unused pixels. */
function structureOf(model: Model, sparsity: SparsityConfig): Pick<CheckpointAnalysis, 'structure' | 'structureProblem' | 'inputMap'> {
  let net;
  try {
    net = plainNetFromModel(model, sparsity).net;
  } catch (err) {
    if (!(err instanceof SvdError)) throw err;
    return { structure: null, structureProblem: err.message, inputMap: null };
  }
  const structure = analyzeStructure(net);
  const inputs = unusedInputIndices(net);
  const shape = net.inputShape;
  let inputMap: InputMap | null = null;
  if (inputs && shape.length === 3 && inputs.count === shape[0] * shape[1] * shape[2]) {
    // a feature index is (y * width + x) * channels + c (NHWC flattened); a pixel is unused when all its channels are
    const channels = shape[2];
    const unusedFeatures = new Uint8Array(inputs.count);
    for (const i of inputs.unused) unusedFeatures[i] = 1;
    const unused = new Uint8Array(shape[0] * shape[1]);
    for (let p = 0; p < unused.length; p++) {
      let all = 1;
      for (let c = 0; c < channels; c++) all &= unusedFeatures[p * channels + c];
      unused[p] = all;
    }
    inputMap = { shape: [...shape], unused };
  }
  return { structure, structureProblem: null, inputMap };
}
