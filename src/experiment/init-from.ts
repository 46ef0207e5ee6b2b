/**
 * `init.from: RUN_DIR | CHECKPOINT | MODEL`: starts a model from a pretrained run's weights, as
 * the paper fine-tunes its VGG-like with Sparse VD from a dense network pretrained with binary
 * dropout, or from a user's own trained model (an .onnx file or a tfjs model.json, mapped onto
 * plain layers by src/import/), whose layers count as plain ones.
 *
 * The layers that hold weights are matched in order (layers without weights, such as dropout,
 * maxpool or activation, are skipped on both sides, so a dense baseline with dropout layers maps
 * onto a Sparse VD model without them). Two layers match when their entries name the same
 * `family` (src/layers/layer.ts; the pretrained run's layer types come from its resolved.json):
 * dense -> dense or dense-svd, conv2d -> conv2d or conv2d-svd, batchnorm -> batchnorm, and
 * Sparse VD -> the same Sparse VD type. A plain kernel
 * becomes theta, and log sigma^2 is set to `sparsity.logSigma2Init`; a Sparse VD source keeps its
 * log sigma^2. Biases and batchnorm statistics are copied. Optimizer state, epoch and random
 * state are not: the run starts at epoch 0. Everything is checked before any variable is set;
 * the first layer that does not match is named in an E_CHECKPOINT error (exit 2).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SvdError } from '../errors.js';
import { isSparse, paramName, type Layer, type LayerEntry } from '../layers/layer.js';
import { layerName, type Model } from '../layers/model.js';
import { LAYERS } from '../layers/registry.js';
import { LOG_SIGMA2, PLAIN_KERNEL, THETA } from '../layers/sparse-vd.js';
import type { LayerSpec, SparsityConfig } from '../config/types.js';
import { loadLatestCheckpoint, readCheckpoint, type Checkpoint } from '../store/checkpoint.js';
import { readJsonFile } from '../files/read.js';
import { importModel, isModelSource } from '../import/imported-model.js';
import type { PlainLayer } from '../layers/layer.js';

/** The source `from` names: a user's model file (see src/import/) or a run / checkpoint (loadPretrained). */
export async function loadInitSource(from: string): Promise<PretrainedSource> {
  if (!isModelSource(from)) return loadPretrained(from);
  const imported = await importModel(from);
  return { from, dir: imported.file, epoch: null, layers: plainSourceLayers(imported.layers, imported.file), notes: imported.notes };
}

/** The layers with weights of a plain network, as init.from sources (plain, not Sparse VD). */
export function plainSourceLayers(layers: readonly PlainLayer[], file: string): SourceLayer[] {
  return layers.filter((l) => l.params.length > 0).map((l) => {
    const family = LAYERS.get(l.type).family;
    if (!family) throw initError(`layer '${l.name}' (${l.type}) is of no layer family here, so nothing can take its weights`, file);
    return { name: l.name, family, sparse: false, params: new Map(l.params.map((p) => [p.name, { shape: p.shape, values: p.values }])) };
  });
}

/** The weights to initialise from: a checkpoint's, or an imported model's. */
export interface PretrainedSource {
  /** `init.from` as given. */
  from: string;
  /** The checkpoint directory or model file read, for messages and the run log. */
  dir: string;
  /** The checkpoint's epoch; null for an imported model. */
  epoch: number | null;
  /** Its layers with weights, in order. */
  layers: SourceLayer[];
  /** What was changed on the way in (imported models). */
  notes?: string[];
  /** The checkpoint, when the source is one. */
  checkpoint?: Checkpoint;
}

/** What was loaded, for the run log. */
export interface InitReport {
  checkpoint: string;
  epoch: number | null;
  /** What an imported model's reading changed (a final softmax left out). */
  notes?: string[];
  /** [target layer, source layer] names, in order. */
  layers: Array<[string, string]>;
}

/** One weight-holding layer of the source. */
export interface SourceLayer {
  name: string;
  family: string;
  sparse: boolean;
  params: Map<string, { shape: number[]; values: Float32Array }>;
}

/** An E_CHECKPOINT error about init.from that exits 2 (found before the run directory exists). */
function initError(message: string, file?: string): SvdError {
  return new SvdError('E_CHECKPOINT', message, { ...(file && { file }), path: 'init.from' }, 2);
}

/**
 * Reads the checkpoint `from` names: a run directory (its latest checkpoint), a run's
 * `checkpoints/` folder (its latest), or one `checkpoints/epoch-NNNNNN/` directory.
 * Relative paths are taken from the working directory.
 */
export function loadPretrained(from: string): PretrainedSource {
  const dir = path.resolve(process.cwd(), from);
  if (!fs.existsSync(dir)) throw initError('no such run directory or checkpoint', dir);
  try {
    if (fs.existsSync(path.join(dir, 'state.json'))) return withTypes(from, readCheckpoint(dir));
    const folder = fs.existsSync(path.join(dir, 'checkpoints')) ? path.join(dir, 'checkpoints') : dir;
    const isCheckpoints = folder !== dir || fs.existsSync(path.join(dir, 'latest.json')) || fs.readdirSync(dir).some((n) => /^epoch-\d{6}$/.test(n));
    if (!isCheckpoints) {
      throw initError('neither a run directory (with checkpoints/) nor a checkpoint (with state.json)', dir);
    }
    const checkpoint = loadLatestCheckpoint(folder);
    if (!checkpoint) throw initError('this run has no checkpoint yet: let the pretraining run finish at least one epoch', dir);
    return withTypes(from, checkpoint);
  } catch (err) {
    if (err instanceof SvdError && err.exitCode === 2) throw err;
    throw initError(`cannot read the pretrained checkpoint: ${err instanceof Error ? err.message : String(err)}`, dir);
  }
}

/**
 * `checkpoint` with the layer types of the run it belongs to: its resolved.json sits two levels
 * up (RUN/checkpoints/epoch-NNNNNN/).
 */
function withTypes(from: string, checkpoint: Checkpoint): PretrainedSource {
  return { from, dir: checkpoint.dir, epoch: checkpoint.epoch, layers: sourceLayers(checkpoint, runLayerTypes(checkpoint)), checkpoint };
}

/** The layer types, by layer name, of the run `checkpoint` belongs to. */
function runLayerTypes(checkpoint: Checkpoint): Map<string, string> {
  const file = path.join(path.dirname(path.dirname(checkpoint.dir)), 'resolved.json');
  if (!fs.existsSync(file)) throw initError(`the checkpoint is not inside a run directory (no ${file}): init.from reads the pretrained run's layer types from its resolved.json`, checkpoint.dir);
  const layers = (readJsonFile(file, (why) => initError(`cannot read the pretrained run's resolved.json: ${why}`, file)) as { model?: { layers?: unknown } } | null)?.model?.layers;
  if (!Array.isArray(layers) || !layers.every((l) => typeof (l as LayerSpec | null)?.type === 'string')) {
    throw initError('its model.layers is not a list of layers', file);
  }
  return new Map((layers as LayerSpec[]).map((spec, i) => [layerName(spec, i), spec.type]));
}

/** Copies `source`'s weights into `model` as the module comment says; returns what went where. */
export function initFromPretrained(model: Model, source: PretrainedSource, sparsity: SparsityConfig): InitReport {
  const from = source.dir;
  const sources = source.layers;
  const targets = model.blocks.map(({ layer, entry }, index) => ({ layer, entry, index })).filter(({ layer }) => layer.trainable.length + layer.nonTrainable.length > 0);
  const pairs = targets.map((target, i) => ({ ...target, source: sources[i] }));
  for (const { layer, entry, index, source: src } of pairs) {
    const where = `model.layers.${index} (${layer.name}, ${layer.type})`;
    if (!src) throw initError(`${where} has no counterpart: the pretrained model has ${sources.length} layers with weights, this model ${targets.length}`, from);
    checkPair(layer, entry, src, where, from);
  }
  if (sources.length > targets.length) {
    const extra = sources.slice(targets.length).map((s) => s.name).join(', ');
    throw initError(`the pretrained model has ${sources.length} layers with weights, this model ${targets.length}: nothing takes ${extra}`, from);
  }
  for (const { layer, source: src } of pairs) assign(layer, src!, sparsity);
  return { checkpoint: from, epoch: source.epoch, ...(source.notes?.length ? { notes: source.notes } : {}), layers: pairs.map(({ layer, source: src }) => [layer.name, src!.name]) };
}

/** Throws unless `layer` can take `src`'s weights (family, kind, every shape). */
function checkPair(layer: Layer, entry: LayerEntry, src: SourceLayer, where: string, from: string): void {
  const params = paramsOf(layer);
  const srcLabel = `pretrained layer '${src.name}' (${src.sparse ? `${src.family} Sparse VD` : src.family})`;
  if (!entry.family) throw initError(`${where} holds weights but its layer type has no init.from family, so nothing can start it`, from);
  if (entry.family !== src.family) throw initError(`${where} is a ${entry.family} layer but the matching ${srcLabel} is not`, from);
  if (src.sparse && !isSparse(layer)) throw initError(`${where} is a plain layer but the matching ${srcLabel} is Sparse VD: initialise Sparse VD layers from plain ones, not the reverse`, from);
  for (const [param, variable] of params) {
    const saved = src.params.get(sourceParam(param, src));
    if (!saved) {
      if (param === LOG_SIGMA2) continue;
      throw initError(`${where} has a ${param} but the matching ${srcLabel} has none (useBias differs?)`, from);
    }
    if (saved.shape.join('x') !== variable.shape.join('x')) {
      throw initError(`${where}: ${param} has shape [${variable.shape.join(', ')}] but the matching ${srcLabel} has [${saved.shape.join(', ')}] (another width or layer size?)`, from);
    }
  }
  for (const param of src.params.keys()) {
    if (![...params.keys()].some((p) => sourceParam(p, src) === param)) {
      throw initError(`${where} has no ${param} but the matching ${srcLabel} has one (useBias differs?)`, from);
    }
  }
}

/** Sets the variables of `layer` from `src`; log sigma^2 from `sparsity` when `src` has none. */
function assign(layer: Layer, src: SourceLayer, sparsity: SparsityConfig): void {
  for (const [param, variable] of paramsOf(layer)) {
    const saved = src.params.get(sourceParam(param, src));
    tf.tidy(() => variable.assign(saved ? tf.tensor(saved.values, saved.shape) : tf.fill(variable.shape, sparsity.logSigma2Init)));
  }
}

/** The source parameter a target parameter takes: theta from a plain kernel. */
function sourceParam(param: string, src: SourceLayer): string {
  return param === THETA && !src.sparse ? PLAIN_KERNEL : param;
}

/** A layer's variables by parameter name. */
function paramsOf(layer: Layer): Map<string, tf.Variable> {
  return new Map([...layer.trainable, ...layer.nonTrainable].map((v) => [paramName(v), v]));
}

/** The checkpoint's variables grouped by layer, in order, with their family from the run's layer types. */
function sourceLayers(checkpoint: Checkpoint, types: Map<string, string>): SourceLayer[] {
  const byLayer = new Map<string, Map<string, { shape: number[]; values: Float32Array }>>();
  for (const [name, value] of checkpoint.variables) {
    const cut = name.lastIndexOf('/');
    const layer = name.slice(0, cut);
    if (!byLayer.has(layer)) byLayer.set(layer, new Map());
    byLayer.get(layer)!.set(name.slice(cut + 1), value);
  }
  return [...byLayer].map(([name, params]) => {
    const type = types.get(name);
    const family = type !== undefined && LAYERS.has(type) ? LAYERS.get(type).family : undefined;
    if (!family) throw initError(`pretrained layer '${name}' (${type ?? 'not in the run\'s resolved.json'}) is of no layer family here, so nothing can take its weights`, checkpoint.dir);
    return { name, family, sparse: params.has(THETA), params };
  });
}
