/**
 * From a trained svd model to a PlainNet: each layer becomes the plain type its entry's `export`
 * names, with that entry's plain config, and the parameters its built layer gives
 * (`Layer.plainParams`: a Sparse VD kernel is theta * mask, computed with the very ops the
 * deterministic evaluation uses, so the exported weights are bit for bit the ones
 * `svd eval RUN_DIR` multiplies by; log sigma^2 is dropped; plain parameters are copied).
 * `extractRun` does it for the latest checkpoint of a run directory.
 */
import type { ExperimentConfig, SparsityConfig } from '../config/types.js';
import { loadRunModel, type CheckpointChoice } from '../experiment/run-model.js';
import { isSparse, paramName, type Layer, type ParamArray, type PlainLayer } from '../layers/layer.js';
import type { Model } from '../layers/model.js';
import { keptCount, type PruneRule } from '../layers/sparsity.js';
import { paramArray } from '../layers/linear.js';
import { LAYERS } from '../layers/registry.js';
import { SvdError } from '../errors.js';
import type { PlainNet } from './plain-net.js';

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
export async function extractRun(dir: string, threshold?: number, which: CheckpointChoice = 'latest'): Promise<ExtractedRun> {
  const { config, sparsity, epoch, backend, model } = await loadRunModel(dir, threshold, which);
  try {
    const extracted = plainNetFromModel(model, sparsity);
    const numClasses = model.layers[model.layers.length - 1].outputShape.at(-1)!;
    return { ...extracted, config, epoch, sparsity, numClasses, backend: backend.name };
  } finally {
    model.dispose();
  }
}

/** The plain equivalent of `model` pruned by `rule` (see the module comment). */
export function plainNetFromModel(model: Model, rule: PruneRule): Extracted {
  const masks: MaskCounts = { layers: {}, sparsifiable: 0, kept: 0 };
  const layers = model.blocks.map(({ entry, config, layer }, i): PlainLayer => {
    if (!entry.export) {
      const exportable = LAYERS.list().filter(([, e]) => e.export).map(([name]) => name);
      throw new SvdError('E_EXPORT', `layer ${layer.name} has type '${layer.type}', which has no plain tfjs equivalent in the exporter; exportable types: ${exportable.join(', ')}`, { path: `model.layers.${i}.type` });
    }
    if (isSparse(layer)) {
      const kept = keptCount(layer, rule);
      masks.layers[layer.name] = { size: layer.theta.size, kept };
      masks.sparsifiable += layer.theta.size;
      masks.kept += kept;
    }
    const params = layer.plainParams?.(rule) ?? variablesAsParams(layer);
    return { name: layer.name, type: entry.export.as, source: layer.type, config: entry.export.config(config, layer) as Record<string, unknown>, params };
  });
  return { net: { inputShape: [...model.inputShape], layers }, masks };
}

/** Every variable of `layer`, trainable first, as parameter arrays. */
function variablesAsParams(layer: Layer): ParamArray[] {
  return [...layer.trainable, ...layer.nonTrainable].map((v) => paramArray(paramName(v), v));
}
