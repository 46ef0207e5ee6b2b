/**
 * `init.from: RUN_DIR | CHECKPOINT`: starts a model from a pretrained run's weights, as the paper
 * fine-tunes its VGG-like with Sparse VD from a dense network pretrained with binary dropout.
 *
 * The layers that hold weights are matched in order (layers without weights, such as dropout,
 * maxpool or activation, are skipped on both sides, so a dense baseline with dropout layers maps
 * onto a Sparse VD model without them): dense -> dense or dense-svd, conv2d -> conv2d or
 * conv2d-svd, batchnorm -> batchnorm, and Sparse VD -> the same Sparse VD type. A plain kernel
 * becomes theta, and log sigma^2 is set to `sparsity.logSigma2Init`; a Sparse VD source keeps its
 * log sigma^2. Biases and batchnorm statistics are copied. Optimizer state, epoch and random
 * state are not: the run starts at epoch 0. Everything is checked before any variable is set;
 * the first layer that does not match is named in an E_CHECKPOINT error (exit 2).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SvdError } from '../errors.js';
import { isSparse, type Layer } from '../layers/layer.js';
import type { Model } from '../layers/model.js';
import type { SparsityConfig } from '../config/types.js';
import { loadLatestCheckpoint, readCheckpoint, type Checkpoint } from './checkpoint.js';

/** A checkpoint to initialise from. */
export interface PretrainedSource {
  /** `init.from` as given. */
  from: string;
  checkpoint: Checkpoint;
}

/** What was loaded, for the run log. */
export interface InitReport {
  checkpoint: string;
  epoch: number;
  /** [target layer, source layer] names, in order. */
  layers: Array<[string, string]>;
}

/** Weight-holding layer families that can be mapped onto each other. */
type Family = 'dense' | 'conv' | 'batchnorm';

/** One weight-holding layer of the source checkpoint. */
interface SourceLayer {
  name: string;
  family: Family;
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
    if (fs.existsSync(path.join(dir, 'state.json'))) return { from, checkpoint: readCheckpoint(dir) };
    const folder = fs.existsSync(path.join(dir, 'checkpoints')) ? path.join(dir, 'checkpoints') : dir;
    const isCheckpoints = folder !== dir || fs.existsSync(path.join(dir, 'latest.json')) || fs.readdirSync(dir).some((n) => /^epoch-\d{6}$/.test(n));
    if (!isCheckpoints) {
      throw initError('neither a run directory (with checkpoints/) nor a checkpoint (with state.json)', dir);
    }
    const checkpoint = loadLatestCheckpoint(folder);
    if (!checkpoint) throw initError('this run has no checkpoint yet: let the pretraining run finish at least one epoch', dir);
    return { from, checkpoint };
  } catch (err) {
    if (err instanceof SvdError && err.exitCode === 2) throw err;
    throw initError(`cannot read the pretrained checkpoint: ${err instanceof Error ? err.message : String(err)}`, dir);
  }
}

/** Copies `source`'s weights into `model` as the module comment says; returns what went where. */
export function initFromPretrained(model: Model, source: PretrainedSource, sparsity: SparsityConfig): InitReport {
  const from = source.checkpoint.dir;
  const sources = sourceLayers(source.checkpoint);
  const targets = model.layers.map((layer, index) => ({ layer, index })).filter(({ layer }) => layer.trainable.length + layer.nonTrainable.length > 0);
  const pairs = targets.map((target, i) => ({ ...target, source: sources[i] }));
  for (const { layer, index, source: src } of pairs) {
    const where = `model.layers.${index} (${layer.name}, ${layer.type})`;
    if (!src) throw initError(`${where} has no counterpart: the pretrained model has ${sources.length} layers with weights, this model ${targets.length}`, from);
    checkPair(layer, src, where, from);
  }
  if (sources.length > targets.length) {
    const extra = sources.slice(targets.length).map((s) => s.name).join(', ');
    throw initError(`the pretrained model has ${sources.length} layers with weights, this model ${targets.length}: nothing takes ${extra}`, from);
  }
  for (const { layer, source: src } of pairs) assign(layer, src!, sparsity);
  return { checkpoint: from, epoch: source.checkpoint.epoch, layers: pairs.map(({ layer, source: src }) => [layer.name, src!.name]) };
}

/** Throws unless `layer` can take `src`'s weights (family, kind, every shape). */
function checkPair(layer: Layer, src: SourceLayer, where: string, from: string): void {
  const target = describeTarget(layer);
  const srcLabel = `pretrained layer '${src.name}' (${src.sparse ? `${src.family} Sparse VD` : src.family})`;
  if (target.family !== src.family) throw initError(`${where} is a ${target.family} layer but the matching ${srcLabel} is not`, from);
  if (src.sparse && !target.sparse) throw initError(`${where} is a plain layer but the matching ${srcLabel} is Sparse VD: initialise Sparse VD layers from plain ones, not the reverse`, from);
  for (const [param, variable] of target.params) {
    const saved = src.params.get(sourceParam(param, src));
    if (!saved) {
      if (param === 'logSigma2') continue;
      throw initError(`${where} has a ${param} but the matching ${srcLabel} has none (useBias differs?)`, from);
    }
    if (saved.shape.join('x') !== variable.shape.join('x')) {
      throw initError(`${where}: ${param} has shape [${variable.shape.join(', ')}] but the matching ${srcLabel} has [${saved.shape.join(', ')}] (another width or layer size?)`, from);
    }
  }
  for (const param of src.params.keys()) {
    if (![...target.params.keys()].some((p) => sourceParam(p, src) === param)) {
      throw initError(`${where} has no ${param} but the matching ${srcLabel} has one (useBias differs?)`, from);
    }
  }
}

/** Sets the variables of `layer` from `src`; log sigma^2 from `sparsity` when `src` has none. */
function assign(layer: Layer, src: SourceLayer, sparsity: SparsityConfig): void {
  for (const [param, variable] of describeTarget(layer).params) {
    const saved = src.params.get(sourceParam(param, src));
    tf.tidy(() => variable.assign(saved ? tf.tensor(saved.values, saved.shape) : tf.fill(variable.shape, sparsity.logSigma2Init)));
  }
}

/** The source parameter a target parameter takes: theta from a plain kernel. */
function sourceParam(param: string, src: SourceLayer): string {
  return param === 'theta' && !src.sparse ? 'kernel' : param;
}

/** A model layer's family, kind and variables by parameter name. */
function describeTarget(layer: Layer): { family: Family | null; sparse: boolean; params: Map<string, tf.Variable> } {
  const params = new Map([...layer.trainable, ...layer.nonTrainable].map((v) => [v.name.slice(v.name.lastIndexOf('/') + 1), v]));
  return { family: familyOf(params, (p) => params.get(p)?.rank), sparse: isSparse(layer), params };
}

/** The checkpoint's variables grouped by layer, in order, with their family. */
function sourceLayers(ckpt: Checkpoint): SourceLayer[] {
  const byLayer = new Map<string, Map<string, { shape: number[]; values: Float32Array }>>();
  for (const [name, value] of ckpt.variables) {
    const cut = name.lastIndexOf('/');
    const layer = name.slice(0, cut);
    if (!byLayer.has(layer)) byLayer.set(layer, new Map());
    byLayer.get(layer)!.set(name.slice(cut + 1), value);
  }
  return [...byLayer].map(([name, params]) => {
    const family = familyOf(params, (p) => params.get(p)?.shape.length);
    if (!family) throw initError(`pretrained layer '${name}' has parameters ${[...params.keys()].join(', ')}, which no layer family here takes`, ckpt.dir);
    return { name, family, sparse: params.has('theta'), params };
  });
}

/** dense (rank-2 weights), conv (rank-4 weights) or batchnorm, from parameter names and ranks. */
function familyOf(params: Map<string, unknown>, rank: (param: string) => number | undefined): Family | null {
  if (params.has('gamma') && params.has('movingMean')) return 'batchnorm';
  const weights = params.has('theta') ? 'theta' : params.has('kernel') ? 'kernel' : null;
  if (weights === null) return null;
  const r = rank(weights);
  return r === 2 ? 'dense' : r === 4 ? 'conv' : null;
}
