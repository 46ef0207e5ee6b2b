/**
 * Weight snapshots for the pictures of `svd report`: with `training.snapshotEvery: N` the runner
 * writes, at the start of a fresh run, after every N-th epoch and after the last, one small file
 * `snapshots/epoch-NNNNNN.json` (written atomically) holding, for every Sparse VD layer, its
 * weights theta and its keep mask (log alpha < threshold) over a bounded block:
 * dense kernels [in, units] the first 100 x 100 corner, conv kernels [kh, kw, in, filters] every
 * kernel position of the first 32 input channels and 64 filters (LeNet-5's filters in full).
 * Weights are stored as int8 times a per-layer scale, the mask as packed bits; the README's
 * "What a run writes" describes the format.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig, SparsityConfig } from '../config/types.js';
import { isSparse, type Layer } from '../layers/layer.js';
import { logAlpha } from '../svd/log-alpha.js';
import { writeJsonAtomic } from './atomic.js';

const FORMAT = 'svd-snapshot';
const VERSION = 1;
/** Rows and columns kept of a dense kernel. */
export const DENSE_BLOCK = 100;
/** Input channels and filters kept of a conv kernel. */
export const CONV_MAX_IN = 32;
export const CONV_MAX_FILTERS = 64;

/** A Sparse VD layer's weights and keep mask over its stored block. */
export interface LayerPicture {
  name: string;
  type: string;
  /** The whole kernel's shape in tfjs layout: dense [in, units], conv [kh, kw, in, filters]. */
  shape: number[];
  /** The stored block: the leading corner of the kernel (`blockShape(shape)`). */
  block: number[];
  /** theta over the block, row-major. */
  theta: Float32Array;
  /** 1 where the weight is kept, 0 where pruned, over the block. */
  keep: Uint8Array;
  /** Weights of the whole layer and how many of them are kept. */
  size: number;
  kept: number;
}

/** A snapshot read back. */
export interface Snapshot {
  epoch: number;
  threshold: number;
  layers: LayerPicture[];
}

/** One layer in a snapshot file. */
interface StoredLayer {
  name: string;
  type: string;
  shape: number[];
  block: number[];
  size: number;
  kept: number;
  /** theta = int8 value * scale. */
  scale: number;
  /** base64 of int8 values, block row-major. */
  theta: string;
  /** base64 of the keep bits, block row-major, most significant bit first. */
  keep: string;
}

/** The block of a kernel of `shape` that pictures show and snapshots store. */
export function blockShape(shape: readonly number[]): number[] {
  if (shape.length === 4) return [shape[0], shape[1], Math.min(shape[2], CONV_MAX_IN), Math.min(shape[3], CONV_MAX_FILTERS)];
  if (shape.length === 2) return [Math.min(shape[0], DENSE_BLOCK), Math.min(shape[1], DENSE_BLOCK)];
  return [...shape];
}

/** The pictures' data of every Sparse VD layer of `layers` at `sparsity.threshold` (reads tensors synchronously). */
export function layerPictures(layers: readonly Layer[], sparsity: Pick<SparsityConfig, 'threshold' | 'logAlphaClip'>): LayerPicture[] {
  return layers.filter(isSparse).map((layer) => {
    const shape = layer.theta.shape;
    const block = blockShape(shape);
    const [theta, keep, kept] = tf.tidy(() => {
      const keepAll = tf.cast(tf.less(logAlpha(layer.theta, layer.logSigma2, sparsity.logAlphaClip), sparsity.threshold), 'int32');
      const begin = shape.map(() => 0);
      return [tf.slice(layer.theta, begin, block), tf.slice(keepAll, begin, block), tf.sum(keepAll)];
    });
    const picture: LayerPicture = {
      name: layer.name, type: layer.type, shape: [...shape], block,
      theta: Float32Array.from(theta.dataSync()), keep: Uint8Array.from(keep.dataSync()),
      size: layer.theta.size, kept: kept.dataSync()[0],
    };
    tf.dispose([theta, keep, kept]);
    return picture;
  });
}

/** `snapshots/` of a run directory. */
export function snapshotsDir(runDir: string): string {
  return path.join(runDir, 'snapshots');
}

/** True when `training.snapshotEvery` asks for a snapshot after `epoch` (0: the start). */
export function snapshotDue(training: ExperimentConfig['training'], epoch: number): boolean {
  const every = training.snapshotEvery ?? 0;
  return every > 0 && (epoch % every === 0 || epoch === training.epochs);
}

/** Writes the snapshot of `layers` after `epoch` when the config asks for one; returns its file or null. */
export function snapshotIfDue(runDir: string, config: ExperimentConfig, epoch: number, layers: readonly Layer[]): string | null {
  if (!snapshotDue(config.training, epoch)) return null;
  return writeSnapshot(runDir, epoch, config.sparsity, layerPictures(layers, config.sparsity));
}

/** Writes `snapshots/epoch-NNNNNN.json` atomically; returns its path. */
export function writeSnapshot(runDir: string, epoch: number, sparsity: Pick<SparsityConfig, 'threshold'>, pictures: readonly LayerPicture[]): string {
  const dir = snapshotsDir(runDir);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `epoch-${String(epoch).padStart(6, '0')}.json`);
  writeJsonAtomic(file, { format: FORMAT, version: VERSION, epoch, threshold: sparsity.threshold, layers: pictures.map(encodeLayer) });
  return file;
}

/** Every snapshot of the run in `runDir`, oldest first (none: an empty list). */
export function readSnapshots(runDir: string): Snapshot[] {
  const dir = snapshotsDir(runDir);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .filter((name) => /^epoch-\d+\.json$/.test(name))
    .sort()
    .map((name) => {
      const raw = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as { format: string; version: number; epoch: number; threshold: number; layers: StoredLayer[] };
      if (raw.format !== FORMAT || raw.version !== VERSION) throw new Error(`${path.join(dir, name)}: not an ${FORMAT} version ${VERSION} file`);
      return { epoch: raw.epoch, threshold: raw.threshold, layers: raw.layers.map(decodeLayer) };
    });
}

/** Removes the snapshots after `epoch` (a resumed run trains those epochs again). */
export function dropSnapshotsAfter(runDir: string, epoch: number): void {
  const dir = snapshotsDir(runDir);
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    const match = /^epoch-(\d+)\.json$/.exec(name);
    if (match && Number(match[1]) > epoch) fs.rmSync(path.join(dir, name), { force: true });
  }
}

function encodeLayer(p: LayerPicture): StoredLayer {
  let max = 0;
  for (const v of p.theta) max = Math.max(max, Math.abs(v));
  const scale = max > 0 ? max / 127 : 1;
  const q = new Int8Array(p.theta.length);
  for (let i = 0; i < q.length; i++) q[i] = Math.round(p.theta[i] / scale);
  const bits = new Uint8Array(Math.ceil(p.keep.length / 8));
  for (let i = 0; i < p.keep.length; i++) if (p.keep[i]) bits[i >> 3] |= 0x80 >> (i & 7);
  return {
    name: p.name, type: p.type, shape: p.shape, block: p.block, size: p.size, kept: p.kept, scale,
    theta: Buffer.from(q.buffer).toString('base64'), keep: Buffer.from(bits).toString('base64'),
  };
}

function decodeLayer(s: StoredLayer): LayerPicture {
  const count = s.block.reduce((a, b) => a * b, 1);
  const q = new Int8Array(Buffer.from(s.theta, 'base64'));
  const bits = Buffer.from(s.keep, 'base64');
  if (q.length !== count || bits.length !== Math.ceil(count / 8)) throw new Error(`snapshot layer ${s.name}: ${q.length} weights for a block of ${count}`);
  const theta = new Float32Array(count);
  const keep = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    theta[i] = q[i] * s.scale;
    keep[i] = (bits[i >> 3] >> (7 - (i & 7))) & 1;
  }
  return { name: s.name, type: s.type, shape: s.shape, block: s.block, size: s.size, kept: s.kept, theta, keep };
}
