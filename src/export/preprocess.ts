/**
 * The run's input normalization (`data.normalize`) as plain layers at the head of every export,
 * so that a consumer feeds raw pixels in [0, 1], NHWC, and gets the run's predictions:
 * - `none`: no layers;
 * - `mean-image`: reshape to [h*w*c], a batchnorm subtracting the mean training image, reshape back;
 * - `standardize`: a batchnorm subtracting the per-channel mean and multiplying by 1 / std;
 * - `zca`: reshape to [h*w*c], a batchnorm subtracting the ZCA mean, a dense layer (no bias)
 *   multiplying by the whitening matrix, reshape back (the very product data/zca.ts applies).
 * The batchnorm layers are exact: moving variance 1 - 2^-20 plus epsilon 2^-20 is exactly 1 in
 * float32, so they compute (x - mean) * gamma with nothing else. The statistics are the ones
 * the run's data loader computed (Dataset.normalization), from the same training split.
 */
import type { Dataset } from '../data/dataset.js';
import { SvdError } from '../errors.js';
import type { PlainLayer } from './plain-net.js';

/** The batchnorm epsilon of preprocessing layers, and the moving variance that makes var + eps exactly 1. */
const EPSILON = 2 ** -20;
const VARIANCE = 1 - EPSILON;

/** What a consumer of an export feeds it, as the manifest states it. */
export interface InputContract {
  /** The graph input's name (ONNX exports). */
  name: string;
  dtype: 'float32';
  /** Per-example shape; the batch dimension comes first. */
  shape: number[];
  /** 'NHWC' for images (as tfjs), 'NC' for vectors. */
  layout: 'NHWC' | 'NC';
  /** Raw pixel values scaled to this range (the dataset's bytes / 255). */
  range: [number, number];
  /** The run's data.normalize, applied inside the export (its first layers). */
  normalize: string;
  /** Names of the export's layers that do it, in order. */
  layers: string[];
}

/** The normalization of `dataset` as plain layers (none for `none`). */
export function preprocessLayers(dataset: Dataset): PlainLayer[] {
  const stats = dataset.normalization;
  const shape = [...dataset.inputShape];
  const size = shape.reduce((a, b) => a * b, 1);
  const mode = stats?.mode ?? 'none';
  const flat = reshape('preprocess_flatten', [size]);
  const image = reshape('preprocess_image', shape);
  switch (mode) {
    case 'none':
      return [];
    case 'mean-image':
      return [flat, shiftAndScale('preprocess_mean', need(stats!.mean, mode), new Float32Array(size).fill(1)), image];
    case 'standardize': {
      const std = need(stats!.std, mode);
      return [shiftAndScale('preprocess_standardize', need(stats!.mean, mode), Float32Array.from(std, (s) => (s > 0 ? 1 / s : 1)))];
    }
    case 'zca': {
      const fit = need(stats!.zcaFit, mode);
      const whiten: PlainLayer = {
        name: 'preprocess_zca', type: 'dense', source: 'data.normalize',
        config: { units: size, activation: 'linear', useBias: false },
        params: [{ name: 'kernel', shape: [size, size], values: fit.matrix }],
      };
      return [flat, shiftAndScale('preprocess_zca_mean', fit.mean, new Float32Array(size).fill(1)), whiten, image];
    }
    default:
      throw new SvdError('E_EXPORT', `data.normalize '${String(mode)}' has no export form (known: none, mean-image, standardize, zca)`);
  }
}

/** The input contract of an export of `dataset` whose preprocessing is `layers`. */
export function inputContract(dataset: Dataset, layers: PlainLayer[]): InputContract {
  return {
    name: 'input',
    dtype: 'float32',
    shape: [...dataset.inputShape],
    layout: dataset.inputShape.length === 3 ? 'NHWC' : 'NC',
    range: [0, 1],
    normalize: dataset.normalization?.mode ?? 'none',
    layers: layers.map((l) => l.name),
  };
}

function reshape(name: string, targetShape: number[]): PlainLayer {
  return { name, type: 'reshape', source: 'data.normalize', config: { targetShape }, params: [] };
}

/** A batchnorm computing (x - mean) * scale exactly (see the module comment). */
function shiftAndScale(name: string, mean: Float32Array, scale: Float32Array): PlainLayer {
  const n = mean.length;
  return {
    name, type: 'batchnorm', source: 'data.normalize',
    config: { momentum: 0.99, epsilon: EPSILON },
    params: [
      { name: 'gamma', shape: [n], values: Float32Array.from(scale) },
      { name: 'beta', shape: [n], values: new Float32Array(n) },
      { name: 'movingMean', shape: [n], values: Float32Array.from(mean) },
      { name: 'movingVariance', shape: [n], values: new Float32Array(n).fill(VARIANCE) },
    ],
  };
}

function need<T>(value: T | undefined, mode: string): T {
  if (value === undefined) throw new Error(`the data loader gave no statistics for normalize '${mode}'`);
  return value;
}
