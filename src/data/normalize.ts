/**
 * Input normalization shared by every image dataset (`data.normalize`). Statistics come from
 * the training split only (after `trainLimit`) and are applied to both splits, in place.
 * Plain typed-array loops with float64 accumulators: 60000 x 784 floats take tens of ms.
 * ZCA whitening (zca.ts) is the exception: minutes on CIFAR, so its fit is cached (zca-cache.ts).
 */
import path from 'node:path';
import type { DataConfig } from '../config/types.js';
import { SvdError } from '../errors.js';
import { applyZca, type ZcaFit } from './zca.js';
import { cachedZcaFit, type ZcaCacheOptions } from './zca-cache.js';

/** Default `data.zcaEpsilon`: added to the covariance eigenvalues (pixels scaled to [0, 1]). */
export const DEFAULT_ZCA_EPSILON = 1e-5;

/** How `zca` fits and caches its whitening. */
export interface ZcaOptions {
  epsilon: number;
  cache: ZcaCacheOptions;
}

/** A `data.normalize` mode. */
export type NormalizeMode = DataConfig['normalize'];

/** What was subtracted and divided: for the record, or to normalize new inputs the same way. */
export interface NormalizeStats {
  mode: NormalizeMode;
  /** `mean-image`: the mean training image (H*W*C); `standardize`: the per-channel mean (C). */
  mean?: Float32Array;
  /** `standardize`: the per-channel standard deviation (C) the splits were divided by. */
  std?: Float32Array;
  /** `zca`: the epsilon, the cache file (null: none), whether it was a cache hit, fit seconds. */
  zca?: { epsilon: number; cacheFile: string | null; cached: boolean; fitSeconds: number };
  /** `zca`: the whitening itself (mean and matrix), which exports carry as their first layers. */
  zcaFit?: ZcaFit;
}

/**
 * Normalizes `train` and `test` (NHWC float32, already scaled to [0,1]) in place:
 * - `none`: leaves them as they are;
 * - `mean-image`: subtracts the mean training image from every image of both splits;
 * - `standardize`: per channel, subtracts the training mean and divides by the training
 *   standard deviation (population std; a channel with std 0 is only centered);
 * - `zca`: ZCA whitening of the flattened images, fitted on the training split (cached as
 *   `zca` says; default: epsilon 1e-5, no cache).
 * Bad arguments throw at once (E_CONFIG_CHECK); the computation itself is asynchronous, since
 * ZCA reads its matrix products back from the backend (webgpu has no synchronous read in Node).
 * @param shape [height, width, channels] of one image.
 * @param datasetName names the dataset in errors and cache files.
 */
export function normalizeSplits(
  mode: NormalizeMode,
  train: Float32Array,
  test: Float32Array,
  shape: readonly [number, number, number],
  datasetName = 'this dataset',
  zca: ZcaOptions = { epsilon: DEFAULT_ZCA_EPSILON, cache: { dir: null, dataset: datasetName } },
): Promise<NormalizeStats> {
  const imageSize = shape[0] * shape[1] * shape[2];
  checkLength(train, imageSize, 'training', shape);
  checkLength(test, imageSize, 'test', shape);
  switch (mode) {
    case 'none':
      return Promise.resolve({ mode });
    case 'mean-image':
      return Promise.resolve({ mode, mean: subtractMeanImage(train, test, imageSize) });
    case 'standardize':
      return Promise.resolve({ mode, ...standardizeChannels(train, test, shape[2]) });
    case 'zca':
      return whiten(train, test, imageSize, zca).then((stats) => ({ mode, ...stats }));
    default:
      throw new SvdError('E_CONFIG_CHECK', `unknown normalize mode '${String(mode)}'; known: none, mean-image, standardize, zca`, {
        path: 'data.normalize',
      });
  }
}

/** ZCA-whitens both splits with the (cached) fit of the training split; bad arguments throw at once. */
function whiten(train: Float32Array, test: Float32Array, imageSize: number, options: ZcaOptions): Promise<Pick<NormalizeStats, 'zca' | 'zcaFit'>> {
  requireTrainingExamples(train, imageSize, 'zca');
  if (!(options.epsilon > 0)) {
    throw new SvdError('E_CONFIG_CHECK', `must be greater than 0, got ${options.epsilon}`, { path: 'data.zcaEpsilon' });
  }
  return (async () => {
    const { fit, cacheFile, cached, fitSeconds } = await cachedZcaFit(train, imageSize, options.epsilon, options.cache);
    await applyZca(train, fit);
    await applyZca(test, fit);
    return { zca: { epsilon: options.epsilon, cacheFile, cached, fitSeconds }, zcaFit: fit };
  })();
}

/** Subtracts the mean of the training images from both splits; returns that mean image. */
export function subtractMeanImage(train: Float32Array, test: Float32Array, imageSize: number): Float32Array {
  const count = requireTrainingExamples(train, imageSize, 'mean-image');
  const sum = new Float64Array(imageSize);
  for (let base = 0; base < train.length; base += imageSize) {
    for (let i = 0; i < imageSize; i++) sum[i] += train[base + i];
  }
  const mean = new Float32Array(imageSize);
  for (let i = 0; i < imageSize; i++) mean[i] = sum[i] / count;
  subtractImage(train, mean);
  subtractImage(test, mean);
  return mean;
}

/** Standardizes both splits per channel with training statistics; returns them. */
export function standardizeChannels(train: Float32Array, test: Float32Array, channels: number): { mean: Float32Array; std: Float32Array } {
  requireTrainingExamples(train, channels, 'standardize');
  const valuesPerChannel = train.length / channels;
  const mean = channelMeans(train, channels, valuesPerChannel);
  const std = channelStds(train, channels, valuesPerChannel, mean);
  const scale = new Float64Array(channels);
  for (let c = 0; c < channels; c++) scale[c] = std[c] > 0 ? 1 / std[c] : 1;
  shiftAndScaleChannels(train, channels, mean, scale);
  shiftAndScaleChannels(test, channels, mean, scale);
  return { mean: Float32Array.from(mean), std: Float32Array.from(std) };
}

/** Per-channel mean of NHWC `x` (channel is the fastest-moving index). */
function channelMeans(x: Float32Array, channels: number, valuesPerChannel: number): Float64Array {
  const mean = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let i = c; i < x.length; i += channels) sum += x[i];
    mean[c] = sum / valuesPerChannel;
  }
  return mean;
}

/** Per-channel population standard deviation of NHWC `x` around `mean` (two-pass, stable). */
function channelStds(x: Float32Array, channels: number, valuesPerChannel: number, mean: Float64Array): Float64Array {
  const std = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const m = mean[c];
    let squares = 0;
    for (let i = c; i < x.length; i += channels) {
      const d = x[i] - m;
      squares += d * d;
    }
    std[c] = Math.sqrt(squares / valuesPerChannel);
  }
  return std;
}

/** x = (x - mean[c]) * scale[c] for every value of NHWC `x`, in place. */
function shiftAndScaleChannels(x: Float32Array, channels: number, mean: Float64Array, scale: Float64Array): void {
  for (let c = 0; c < channels; c++) {
    const m = mean[c];
    const s = scale[c];
    for (let i = c; i < x.length; i += channels) x[i] = (x[i] - m) * s;
  }
}

/** Subtracts `image` from every image of `x`, in place. */
function subtractImage(x: Float32Array, image: Float32Array): void {
  const size = image.length;
  for (let base = 0; base < x.length; base += size) {
    for (let i = 0; i < size; i++) x[base + i] -= image[i];
  }
}

/** The number of training values per `unit`; an error when there are none to take statistics from. */
function requireTrainingExamples(train: Float32Array, unit: number, mode: NormalizeMode): number {
  const count = train.length / unit;
  if (count === 0) {
    throw new SvdError('E_CONFIG_CHECK', `normalize '${mode}' needs at least one training example to compute its statistics, but the training split is empty`, {
      path: 'data.trainLimit',
    });
  }
  return count;
}

/** Throws unless `x` holds a whole number of images of `shape`. */
function checkLength(x: Float32Array, imageSize: number, split: string, shape: readonly number[]): void {
  if (imageSize <= 0 || x.length % imageSize !== 0) {
    throw new SvdError('E_DATA_FORMAT', `${split} data has ${x.length} values, not a whole number of images of shape [${shape.join(', ')}]`);
  }
}

/**
 * The ZCA options of `data`: `data.zcaEpsilon` (default 1e-5) and a cache in `data.cacheDir`
 * (default `<root>/.cache`), relative to the working directory.
 * @param root the dataset's folder (absolute).
 */
export function zcaOptions(data: DataConfig, root: string, dataset: string): ZcaOptions {
  const dir = data.cacheDir ? path.resolve(process.cwd(), data.cacheDir) : path.join(root, '.cache');
  return { epsilon: data.zcaEpsilon ?? DEFAULT_ZCA_EPSILON, cache: { dir, dataset } };
}
