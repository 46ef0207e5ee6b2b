/**
 * From a trained svd model to a PlainNet: every Sparse VD kernel becomes theta * mask, computed
 * with the very ops the deterministic evaluation uses (so the exported weights are bit for bit
 * the ones `svd eval RUN_DIR` multiplies by), log sigma^2 is dropped, and plain parameters are
 * copied. `extractRun` does it for the latest checkpoint of a run directory.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig, LayerSpec, SparsityConfig } from '../config/types.js';
import { DATASETS } from '../registry/registries.js';
import { loadRunModel } from '../runs/run-model.js';
import { Model } from '../layers/model.js';
import { pair } from '../layers/variables.js';
import { logAlpha } from '../svd/log-alpha.js';
import { keepMask } from '../svd/mask.js';
import { SvdError } from '../errors.js';
import { PLAIN_LAYER_TYPES, type ParamArray, type PlainLayer, type PlainNet } from './plain-net.js';

/** Kept-weight counts of the Sparse VD layers, as the run's own sparsity statistics count them. */
export interface MaskCounts {
  /** layer name -> { size, kept } */
  layers: Record<string, { size: number; kept: number }>;
  /** Weights of the Sparse VD layers. */
  sparsifiable: number;
  /** Of those, kept (log alpha < threshold). */
  kept: number;
}

/** A PlainNet with the mask statistics it was cut with. */
export interface Extracted {
  net: PlainNet;
  masks: MaskCounts;
}

/** A run's latest checkpoint as a PlainNet, with what the manifest records about its origin. */
export interface ExtractedRun extends Extracted {
  config: ExperimentConfig;
  epoch: number;
  sparsity: SparsityConfig;
  /** Outputs of the model (the classes). */
  numClasses: number;
  backend: string;
}

/** Loads the latest checkpoint of the run in `dir` and cuts it at `threshold` (default: the run's). */
export async function extractRun(dir: string, threshold?: number): Promise<ExtractedRun> {
  const { config, sparsity, epoch, backend, model } = await loadRunModel(dir, threshold);
  try {
    const extracted = plainNetFromModel(model, config.model.layers, sparsity);
    const numClasses = model.layers[model.layers.length - 1].outputShape.at(-1) ?? DATASETS.get(config.data.dataset).numClasses;
    return { ...extracted, config, epoch, sparsity, numClasses, backend: backend.name };
  } finally {
    model.dispose();
  }
}

/**
 * The plain equivalent of `model` (built from `specs`) under `sparsity`: Sparse VD kernels are
 * theta * keepMask(logAlpha(theta, logSigma2, clip), threshold), exactly as evaluation computes them.
 */
export function plainNetFromModel(model: Model, specs: LayerSpec[], sparsity: SparsityConfig): Extracted {
  const vars = model.namedVariables();
  const read = (layer: string, name: string, as = name): ParamArray | null => {
    const v = vars.get(`${layer}/${name}`);
    return v ? { name: as, shape: [...v.shape], values: Float32Array.from(v.dataSync() as Float32Array) } : null;
  };
  const masks: MaskCounts = { layers: {}, sparsifiable: 0, kept: 0 };
  const kernelOf = (layer: string, sparse: boolean): ParamArray => {
    if (!sparse) return read(layer, 'kernel')!;
    const theta = vars.get(`${layer}/theta`)!;
    const logSigma2 = vars.get(`${layer}/logSigma2`)!;
    const [values, kept] = tf.tidy(() => {
      const mask = keepMask(logAlpha(theta, logSigma2, sparsity.logAlphaClip), sparsity.threshold);
      return [tf.mul(theta, mask).dataSync() as Float32Array, tf.sum(mask).dataSync()[0]];
    });
    masks.layers[layer] = { size: theta.size, kept };
    masks.sparsifiable += theta.size;
    masks.kept += kept;
    return { name: 'kernel', shape: [...theta.shape], values: Float32Array.from(values) };
  };
  const withBias = (layer: string, kernel: ParamArray): ParamArray[] => {
    const bias = read(layer, 'bias');
    return bias ? [kernel, bias] : [kernel];
  };

  const layers = model.layers.map((layer, i): PlainLayer => {
    const spec = specs[i];
    const base = { name: layer.name, source: layer.type };
    switch (layer.type) {
      case 'dense':
      case 'dense-svd': {
        const params = withBias(layer.name, kernelOf(layer.name, layer.type === 'dense-svd'));
        const config = { units: layer.outputShape[0], activation: activationOf(spec), useBias: params.length === 2 };
        return { ...base, type: 'dense', config, params };
      }
      case 'conv2d':
      case 'conv2d-svd': {
        const params = withBias(layer.name, kernelOf(layer.name, layer.type === 'conv2d-svd'));
        const config = {
          filters: layer.outputShape[2], kernelSize: pair(spec.kernelSize, 1), strides: pair(spec.strides, 1),
          padding: paddingOf(spec), activation: activationOf(spec), useBias: params.length === 2,
        };
        return { ...base, type: 'conv2d', config, params };
      }
      case 'maxpool': {
        const poolSize = pair(spec.poolSize, 2);
        const strides = spec.strides === undefined ? poolSize : pair(spec.strides, 1);
        return { ...base, type: 'maxpool', config: { poolSize, strides, padding: paddingOf(spec) }, params: [] };
      }
      case 'flatten':
        return { ...base, type: 'flatten', config: {}, params: [] };
      case 'batchnorm': {
        const params = ['gamma', 'beta', 'movingMean', 'movingVariance'].map((p) => read(layer.name, p)!);
        const config = { momentum: (spec.momentum as number | undefined) ?? 0.99, epsilon: (spec.epsilon as number | undefined) ?? 1e-3 };
        return { ...base, type: 'batchnorm', config, params };
      }
      case 'dropout':
        return { ...base, type: 'dropout', config: { rate: spec.rate as number }, params: [] };
      case 'activation':
        return { ...base, type: 'activation', config: { activation: activationOf(spec) }, params: [] };
      default:
        throw new SvdError(
          'E_EXPORT',
          `layer ${layer.name} has type '${layer.type}', which has no plain tfjs equivalent in the exporter; it knows ` +
            `dense, dense-svd, conv2d, conv2d-svd, maxpool, flatten, batchnorm, dropout, activation (plain types: ${PLAIN_LAYER_TYPES.join(', ')})`,
          { path: `model.layers.${i}.type` },
        );
    }
  });
  return { net: { inputShape: [...model.inputShape], layers }, masks };
}

function activationOf(spec: LayerSpec): string {
  return (spec.activation as string | undefined) ?? 'linear';
}

function paddingOf(spec: LayerSpec): 'valid' | 'same' {
  return (spec.padding as 'valid' | 'same' | undefined) ?? 'valid';
}
