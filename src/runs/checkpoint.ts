/**
 * Checkpoints: every model variable, the optimizer's state, the completed epoch, training
 * seconds and the random streams' state. Each is a directory `checkpoints/epoch-NNNNNN/` with
 * `state.json` and `tensors.bin`, written under a temporary name and renamed into place, then
 * `checkpoints/latest.json` is replaced atomically. A crash mid-write leaves the previous
 * checkpoint as the latest; loading falls back to the newest complete directory if latest.json is
 * missing or points at something broken. The two newest checkpoints are kept.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SvdError } from '../errors.js';
import { readJson, writeFileAtomic, writeJsonAtomic } from './atomic.js';
import type { RngState } from '../train/rng.js';

const FORMAT = 'svd-checkpoint';
const VERSION = 1;
const KEEP = 2;

/** One tensor's place in tensors.bin. */
interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
}

/** state.json of a checkpoint. */
interface CheckpointState {
  format: typeof FORMAT;
  version: number;
  epoch: number;
  seconds: number;
  rng: RngState;
  variables: TensorEntry[];
  optimizer: TensorEntry[];
  bytes: number;
}

/** A checkpoint read back into memory (tensors as typed arrays). */
export interface Checkpoint {
  dir: string;
  epoch: number;
  seconds: number;
  rng: RngState;
  variables: Map<string, { shape: number[]; values: Float32Array }>;
  optimizer: Array<{ name: string; shape: number[]; values: Float32Array }>;
}

/** What to save. */
export interface CheckpointInput {
  epoch: number;
  seconds: number;
  rng: RngState;
  variables: Map<string, tf.Variable>;
  optimizer: tf.Optimizer;
}

const dirName = (epoch: number) => `epoch-${String(epoch).padStart(6, '0')}`;

/** Writes a checkpoint into `checkpointsDir` and makes it the latest; returns its directory. */
export async function saveCheckpoint(checkpointsDir: string, input: CheckpointInput): Promise<string> {
  const optimizerWeights = await input.optimizer.getWeights();
  const tensors = [...[...input.variables].map(([name, v]) => ({ name, tensor: v as tf.Tensor })), ...optimizerWeights];
  const entries: TensorEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const { name, tensor } of tensors) {
    const values = (await tensor.data()) as Float32Array;
    entries.push({ name, shape: tensor.shape, offset });
    chunks.push(values instanceof Float32Array ? values : Float32Array.from(values));
    offset += values.length * 4;
  }
  const nVars = input.variables.size;
  const state: CheckpointState = {
    format: FORMAT, version: VERSION, epoch: input.epoch, seconds: input.seconds, rng: input.rng,
    variables: entries.slice(0, nVars), optimizer: entries.slice(nVars), bytes: offset,
  };
  const bin = new Uint8Array(offset);
  chunks.forEach((c, i) => bin.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), entries[i].offset));

  const final = path.join(checkpointsDir, dirName(input.epoch));
  const tmp = path.join(checkpointsDir, `.tmp-${dirName(input.epoch)}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  writeFileAtomic(path.join(tmp, 'tensors.bin'), bin);
  writeJsonAtomic(path.join(tmp, 'state.json'), state);
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(tmp, final);
  writeJsonAtomic(path.join(checkpointsDir, 'latest.json'), { epoch: input.epoch, dir: dirName(input.epoch) });
  pruneOld(checkpointsDir);
  return final;
}

/** The latest complete checkpoint in `checkpointsDir`, or null if there is none. */
export function loadLatestCheckpoint(checkpointsDir: string): Checkpoint | null {
  const candidates = listCheckpointDirs(checkpointsDir);
  const latest = readLatestPointer(checkpointsDir);
  if (latest && candidates.includes(latest)) {
    candidates.splice(candidates.indexOf(latest), 1);
    candidates.push(latest);
  }
  let lastError: Error | null = null;
  for (const name of candidates.reverse()) {
    try {
      return readCheckpoint(path.join(checkpointsDir, name));
    } catch (err) {
      lastError = err as Error;
    }
  }
  if (lastError) throw lastError;
  return null;
}

/** Reads one checkpoint directory, checking its format and sizes. */
export function readCheckpoint(dir: string): Checkpoint {
  const fail = (why: string) => new SvdError('E_CHECKPOINT', `checkpoint ${dir} is unusable: ${why}`, { file: dir });
  let state: CheckpointState;
  let bin: Buffer;
  try {
    state = readJson<CheckpointState>(path.join(dir, 'state.json'));
    bin = fs.readFileSync(path.join(dir, 'tensors.bin'));
  } catch (err) {
    throw fail((err as Error).message);
  }
  if (state.format !== FORMAT || state.version !== VERSION) throw fail(`not an ${FORMAT} v${VERSION} checkpoint`);
  if (bin.length !== state.bytes) throw fail(`tensors.bin has ${bin.length} bytes, expected ${state.bytes}`);
  const aligned = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length));
  const read = (e: TensorEntry) => {
    const size = e.shape.reduce((a, b) => a * b, 1);
    return { name: e.name, shape: e.shape, values: aligned.subarray(e.offset / 4, e.offset / 4 + size) };
  };
  return {
    dir, epoch: state.epoch, seconds: state.seconds, rng: state.rng,
    variables: new Map(state.variables.map((e) => { const t = read(e); return [t.name, { shape: t.shape, values: t.values }]; })),
    optimizer: state.optimizer.map(read),
  };
}

/** Copies a checkpoint's values into the model variables and (if given) the optimizer. */
export async function restoreCheckpoint(ckpt: Checkpoint, variables: Map<string, tf.Variable>, optimizer: tf.Optimizer | null): Promise<void> {
  for (const [name, v] of variables) {
    const saved = ckpt.variables.get(name);
    if (!saved) throw new SvdError('E_CHECKPOINT', `checkpoint ${ckpt.dir} has no variable '${name}' (was it written by another model?)`, { file: ckpt.dir });
    if (saved.shape.join('x') !== v.shape.join('x')) {
      throw new SvdError('E_CHECKPOINT', `checkpoint ${ckpt.dir}: variable '${name}' has shape [${saved.shape}], the model expects [${v.shape}]`, { file: ckpt.dir });
    }
    tf.tidy(() => v.assign(tf.tensor(saved.values, saved.shape)));
  }
  if (optimizer && ckpt.optimizer.length) {
    const weights = ckpt.optimizer.map((o) => ({ name: o.name, tensor: tf.tensor(o.values, o.shape) }));
    await optimizer.setWeights(weights);
    tf.dispose(weights.map((w) => w.tensor));
  }
}

function listCheckpointDirs(checkpointsDir: string): string[] {
  if (!fs.existsSync(checkpointsDir)) return [];
  return fs.readdirSync(checkpointsDir).filter((n) => /^epoch-\d{6}$/.test(n)).sort();
}

function readLatestPointer(checkpointsDir: string): string | null {
  try {
    return readJson<{ dir: string }>(path.join(checkpointsDir, 'latest.json')).dir;
  } catch {
    return null;
  }
}

function pruneOld(checkpointsDir: string): void {
  const dirs = listCheckpointDirs(checkpointsDir);
  for (const old of dirs.slice(0, Math.max(0, dirs.length - KEEP))) {
    fs.rmSync(path.join(checkpointsDir, old), { recursive: true, force: true });
  }
}
