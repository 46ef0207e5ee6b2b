/**
 * The snapshot files of a run directory, for the pictures of `svd report`: with
 * `training.snapshotEvery: N` the run writes, at the start of a fresh run, after about every N-th
 * epoch (denser early, where the weights change: `snapshotEpochs`) and after the last, one small
 * file `snapshots/epoch-NNNNNN.json` (written atomically) holding, for every Sparse VD layer, its
 * weights theta and its keep mask over the bounded block its layer entry names (src/layers/pictures.ts computes them: a dense kernel whole, a conv kernel's
 * leading block). Weights are stored as int8 times a per-layer scale, the mask as packed bits;
 * version 2 leaves the weights out (an empty `theta`) where the picture is drawn from the mask
 * alone (a dense kernel with a side of more than 300), version 1 files read as before.
 * docs/runs.md ("What a run writes") and docs/report.md describe the format.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig, SparsityConfig } from '../config/types.js';
import { SvdError } from '../errors.js';
import { writeJsonAtomic } from './atomic.js';
import { damaged, readRequiredRecord } from './records.js';
import { makeDirs } from './make-dirs.js';

const FORMAT = 'svd-snapshot';
const VERSION = 2;

/** A Sparse VD layer's weights and keep mask over its stored block. */
export interface LayerPicture {
  name: string;
  type: string;
  /** The whole kernel's shape in tfjs layout: dense [in, units], conv [kh, kw, in, filters]. */
  shape: number[];
  /** The stored block: the leading corner of the kernel (its layer entry's `snapshotBlock`). */
  block: number[];
  /** theta over the block, row-major; null where only the mask is kept (see the module comment). */
  theta: Float32Array | null;
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
  /** base64 of int8 values, block row-major; empty when not stored (version 2). */
  theta: string;
  /** base64 of the keep bits, block row-major, most significant bit first. */
  keep: string;
}

/** `snapshots/` of a run directory. */
export function snapshotsDir(runDir: string): string {
  return path.join(runDir, 'snapshots');
}

/**
 * The epochs after which a run of `epochs` epochs with `training.snapshotEvery: every` writes a
 * snapshot (0: the start): as many as evenly spaced snapshots would be (K + 1, K =
 * ceil(E / every)), spaced where the weights change most, early: the k-th after epoch
 * round(E * (k / K)^2), or one epoch after the one before where that is later, so gaps grow
 * from one epoch to about 2 * every at the end (200 epochs every 5: 41 snapshots, at epochs 0,
 * 1, ..., 8, 10, 13, 15, ... 181, 190, 200; every 1: every epoch). Runs written with the old
 * even spacing read the same: readers take whatever epochs the files have.
 */
export function snapshotEpochs(epochs: number, every: number): number[] {
  if (every <= 0 || epochs < 0) return [];
  const k = Math.max(1, Math.ceil(epochs / every));
  const out = [0];
  // round(E (i/K)^2) <= E - K + i, so the chain stays below E until i = K, where it is E
  for (let i = 1; i <= k; i++) out.push(Math.max(out[i - 1] + 1, Math.round(epochs * (i / k) ** 2)));
  return epochs === 0 ? [0] : out;
}

/** True when `training.snapshotEvery` asks for a snapshot after `epoch` (0: the start); see `snapshotEpochs`. */
export function snapshotDue(training: ExperimentConfig['training'], epoch: number): boolean {
  return snapshotEpochs(training.epochs, training.snapshotEvery ?? 0).includes(epoch);
}

/** Writes `snapshots/epoch-NNNNNN.json` atomically; returns its path. */
export function writeSnapshot(runDir: string, epoch: number, sparsity: Pick<SparsityConfig, 'threshold'>, pictures: readonly LayerPicture[]): string {
  const dir = snapshotsDir(runDir);
  makeDirs(dir);
  const file = path.join(dir, `epoch-${String(epoch).padStart(6, '0')}.json`);
  writeJsonAtomic(file, { format: FORMAT, version: VERSION, epoch, threshold: sparsity.threshold, layers: pictures.map(encodeLayer) });
  return file;
}

/** The snapshots of a run: those that read, oldest first, and the problem of each file that did not. */
export interface SnapshotIndex {
  snapshots: Snapshot[];
  damaged: SvdError[];
}

/** Every snapshot of the run in `runDir` (none: empty lists); a damaged file is listed, never fatal. */
export function readSnapshots(runDir: string): SnapshotIndex {
  const dir = snapshotsDir(runDir);
  const index: SnapshotIndex = { snapshots: [], damaged: [] };
  if (!fs.existsSync(dir)) return index;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    index.damaged.push(new SvdError('E_RUN_DIR', `cannot list the snapshots: ${(err as Error).message}`, { file: dir }, 2));
    return index;
  }
  for (const name of names.filter((n) => /^epoch-\d+\.json$/.test(n)).sort()) {
    const file = path.join(dir, name);
    try {
      const raw = readRequiredRecord<{ version: number; epoch: number; threshold: number; layers: StoredLayer[] }>('snapshot', file);
      index.snapshots.push({ epoch: raw.epoch, threshold: raw.threshold, layers: raw.layers.map((l, i) => decodeLayer(l, raw.version, file, i)) });
    } catch (err) {
      if (!(err instanceof SvdError)) throw err;
      index.damaged.push(err);
    }
  }
  return index;
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
  const theta = p.theta ?? new Float32Array(0);
  let max = 0;
  for (const v of theta) max = Math.max(max, Math.abs(v));
  const scale = max > 0 ? max / 127 : 1;
  const q = new Int8Array(theta.length);
  for (let i = 0; i < q.length; i++) q[i] = Math.round(theta[i] / scale);
  const bits = new Uint8Array(Math.ceil(p.keep.length / 8));
  for (let i = 0; i < p.keep.length; i++) if (p.keep[i]) bits[i >> 3] |= 0x80 >> (i & 7);
  return {
    name: p.name, type: p.type, shape: p.shape, block: p.block, size: p.size, kept: p.kept, scale,
    theta: Buffer.from(q.buffer).toString('base64'), keep: Buffer.from(bits).toString('base64'),
  };
}

function decodeLayer(s: StoredLayer, version: number, file: string, index: number): LayerPicture {
  const count = s.block.reduce((a, b) => a * b, 1);
  const q = new Int8Array(Buffer.from(s.theta, 'base64'));
  const bits = Buffer.from(s.keep, 'base64');
  const fits = s.block.length === s.shape.length && s.block.every((b, i) => b <= s.shape[i]) && (s.block.length === 2 || s.block.length === 4);
  const weights = q.length === count || (version >= 2 && q.length === 0);
  if (!fits || !weights || bits.length !== Math.ceil(count / 8)) {
    throw damaged('snapshot', file, `${q.length} weights and ${bits.length} mask bytes for a block [${s.block.join(', ')}] of [${s.shape.join(', ')}]`, undefined, `layers.${index}`);
  }
  const theta = q.length ? new Float32Array(count) : null;
  const keep = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    if (theta) theta[i] = q[i] * s.scale;
    keep[i] = (bits[i >> 3] >> (7 - (i & 7))) & 1;
  }
  return { name: s.name, type: s.type, shape: s.shape, block: s.block, size: s.size, kept: s.kept, theta, keep };
}
