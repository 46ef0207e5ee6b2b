/**
 * The checkpoint format: every model variable, the optimizer's state (its weights, plus the
 * variables it holds beside them, such as Adam's exact accumulated beta powers), the
 * completed epoch, training seconds, the random streams' state and, for a checkpoint taken inside
 * an epoch (a graceful stop), the position in it. Each is a directory `checkpoints/epoch-NNNNNN/` (after NNNNNN complete epochs) or
 * `checkpoints/epoch-NNNNNN-step-SSSSSS/` (SSSSSS steps into the next one) with `state.json` and
 * `tensors.bin`, written under a temporary name and renamed into place, then
 * `checkpoints/latest.json` is replaced atomically. A crash mid-write leaves the previous
 * checkpoint as the latest; loading falls back to the newest complete directory if latest.json is
 * missing or points at something broken. The two newest checkpoints are kept, and the best one
 * by `training.keepBest` when `checkpoints/best.json` names it. A write that fails
 * (a full disk) removes its temporary directory and leaves the previous checkpoint as it was.
 * Gathering a training's tensors and putting them back is src/experiment/checkpoint-state.ts's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { SvdError } from '../errors.js';
import { writeFileSynced, writeJsonAtomic } from './atomic.js';
import { firstNonFinite } from '../files/finite.js';
import { readJsonFile, readRegularFile, regularFileSize } from '../files/read.js';

const FORMAT = 'svd-checkpoint';
/** 2 added `slots` and `within`; version 1 checkpoints are still read. */
const VERSION = 2;
const READABLE_VERSIONS = [1, 2];
const KEEP = 2;

/** One random stream's saved state (seedrandom's ARC4: its two pointers and 256-byte table). */
export interface StreamState {
  i: number;
  j: number;
  S: number[];
}
/** The run's random streams (src/train/rng.ts), by name. */
export type RngState = Record<'init' | 'data' | 'noise', StreamState>;

/**
 * A position inside epoch `epoch + 1` (after `step` of its steps): what a mid-epoch checkpoint
 * keeps so that training continues exactly as if it had never stopped.
 */
export interface EpochPosition {
  /** Steps of the epoch already taken. */
  step: number;
  /** The data stream's state when the epoch began (its shuffle is the first draw from it). */
  dataStart: StreamState;
  /** The epoch's running sums so far, exactly as the float32 scalars held them. */
  nll: number;
  kl: number;
  correct: number;
  /** Training examples seen in the epoch so far. */
  examples: number;
  /** Seconds spent in the epoch so far (wall clock; not part of the numbers). */
  seconds: number;
}

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
  /** Optimizer variables outside its weights, by property name; version 2. */
  slots?: TensorEntry[];
  /** A mid-epoch checkpoint: where in epoch `epoch + 1` it was taken; version 2. */
  within?: EpochPosition | null;
  bytes: number;
}

/** One saved tensor, read back. */
export interface SavedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** A checkpoint read back into memory (tensors as typed arrays). */
export interface Checkpoint {
  dir: string;
  /** Completed epochs. */
  epoch: number;
  seconds: number;
  rng: RngState;
  variables: Map<string, { shape: number[]; values: Float32Array }>;
  optimizer: SavedTensor[];
  slots: SavedTensor[];
  /** Set when the checkpoint was taken inside epoch `epoch + 1`. */
  within: EpochPosition | null;
}

/** A tensor to save, by name. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** What a checkpoint holds, as tensors (src/experiment/checkpoint-state.ts gathers them). */
export interface CheckpointInput {
  epoch: number;
  seconds: number;
  rng: RngState;
  /** Every model variable by logical name `${layer}/${param}`. */
  variables: NamedTensor[];
  /** The optimizer's weights (getWeights()). */
  optimizer: NamedTensor[];
  /** The optimizer's other variables, by property name (Adam's accumulated beta powers). */
  slots: NamedTensor[];
  /** A position inside epoch `epoch + 1` (a graceful stop); absent at the end of an epoch. */
  within?: EpochPosition | null;
}

const pad = (n: number) => String(n).padStart(6, '0');

/** The directory name of the checkpoint after `epoch` complete epochs (and `step` steps of the next). */
export function checkpointDirName(epoch: number, step?: number | null): string {
  return step ? `epoch-${pad(epoch)}-step-${pad(step)}` : `epoch-${pad(epoch)}`;
}

const DIR_PATTERN = /^epoch-(\d{6,})(?:-step-(\d{6,}))?$/;

/** Writes a checkpoint of `input`'s tensors into `checkpointsDir` and makes it the latest; returns its directory. */
export async function writeCheckpoint(checkpointsDir: string, input: CheckpointInput): Promise<string> {
  const groups = [input.variables, input.optimizer, input.slots];
  const entries: TensorEntry[][] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const group of groups) {
    const list: TensorEntry[] = [];
    for (const { name, tensor } of group) {
      const values = await tensor.data();
      list.push({ name, shape: tensor.shape, offset });
      chunks.push(values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>));
      offset += values.length * 4;
    }
    entries.push(list);
  }
  const within = input.within ?? null;
  const state: CheckpointState = {
    format: FORMAT, version: VERSION, epoch: input.epoch, seconds: input.seconds, rng: input.rng,
    variables: entries[0], optimizer: entries[1], slots: entries[2], within, bytes: offset,
  };
  const bin = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    bin.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
    at += c.byteLength;
  }

  const name = checkpointDirName(input.epoch, within?.step);
  const final = path.join(checkpointsDir, name);
  const tmp = path.join(checkpointsDir, `.tmp-${name}-${process.pid}`);
  try {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp);
    writeFileSynced(path.join(tmp, 'tensors.bin'), bin);
    writeFileSynced(path.join(tmp, 'state.json'), JSON.stringify(state) + '\n');
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(tmp, final);
    writeJsonAtomic(path.join(checkpointsDir, 'latest.json'), { epoch: input.epoch, ...(within && { step: within.step }), dir: name });
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 2 });
    const previous = readLatestPointer(checkpointsDir);
    const kept = previous && previous !== name ? `; the previous checkpoint ${previous} is intact` : '';
    throw new SvdError('E_CHECKPOINT', `cannot write checkpoint ${final}: ${(err as Error).message}${kept}`, { file: final }, 1);
  }
  pruneOld(checkpointsDir);
  return final;
}

/** Whether `checkpointsDir` holds a checkpoint directory (complete or not: readers check). */
export function hasCheckpoint(checkpointsDir: string): boolean {
  return listCheckpointDirs(checkpointsDir).length > 0;
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

/** Reads one checkpoint directory, checking its format, structure and sizes. */
export function readCheckpoint(dir: string): Checkpoint {
  const fail = (why: string) => new SvdError('E_CHECKPOINT', `checkpoint ${dir} is unusable: ${why}`, { file: dir });
  const readFail = (name: string) => (why: string, errno?: string) => fail(`${name}: ${errno === 'ENOENT' ? 'missing' : why}`);
  const state = readJsonFile(path.join(dir, 'state.json'), readFail('state.json')) as CheckpointState;
  const binFile = path.join(dir, 'tensors.bin');
  const problem = checkState(state, regularFileSize(binFile, readFail('tensors.bin')));
  if (problem) throw fail(problem);
  const bin = readRegularFile(binFile, readFail('tensors.bin'), state.bytes, `the ${state.bytes} bytes state.json declares`);
  if (bin.length !== state.bytes) throw fail(`tensors.bin has ${bin.length} bytes, expected ${state.bytes} (it changed while read)`);
  const aligned = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length));
  const read = (e: TensorEntry): SavedTensor => ({ name: e.name, shape: e.shape, values: aligned.subarray(e.offset / 4, e.offset / 4 + size(e.shape)) });
  // Checkpoints are only written with finite values (the trainer's guard): anything else is damage.
  for (const e of [...state.variables, ...state.optimizer, ...(state.slots ?? [])]) {
    const values = read(e).values;
    const i = firstNonFinite(values);
    if (i >= 0) throw fail(`tensors.bin: '${e.name}' holds ${values[i]} at index ${i} (the file is damaged)`);
  }
  return {
    dir, epoch: state.epoch, seconds: state.seconds, rng: state.rng,
    variables: new Map(state.variables.map((e) => { const t = read(e); return [t.name, { shape: t.shape, values: t.values }]; })),
    optimizer: state.optimizer.map(read),
    slots: (state.slots ?? []).map(read),
    within: state.within ?? null,
  };
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const isInt = (x: unknown, min = 0): x is number => Number.isSafeInteger(x) && (x as number) >= min;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** What is wrong with a parsed state.json (null: nothing) given tensors.bin's length. */
function checkState(state: CheckpointState, binBytes: number): string | null {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return 'state.json is not a JSON object';
  if (state.format !== FORMAT || !READABLE_VERSIONS.includes(state.version)) {
    return `state.json: not an ${FORMAT} checkpoint of version ${READABLE_VERSIONS.join(' or ')} (format ${JSON.stringify(state.format)}, version ${JSON.stringify(state.version)})`;
  }
  if (!isInt(state.epoch)) return `state.json: epoch must be a non-negative integer, got ${JSON.stringify(state.epoch)}`;
  if (!isNum(state.seconds)) return `state.json: seconds must be a number, got ${JSON.stringify(state.seconds)}`;
  for (const stream of ['init', 'data', 'noise'] as const) {
    const s = (state.rng as Partial<RngState> | undefined)?.[stream];
    if (!s || !isInt(s.i) || !isInt(s.j) || !Array.isArray(s.S) || s.S.length !== 256 || !s.S.every((v) => isInt(v) && v < 256)) {
      return `state.json: rng.${stream} is not a random stream state`;
    }
  }
  if (!isInt(state.bytes) || state.bytes % 4 !== 0) return `state.json: bytes must be a multiple of 4, got ${JSON.stringify(state.bytes)}`;
  if (binBytes !== state.bytes) return `tensors.bin has ${binBytes} bytes, expected ${state.bytes} (truncated or from another checkpoint)`;
  const lists: Array<[string, unknown]> = [['variables', state.variables], ['optimizer', state.optimizer], ['slots', state.slots ?? []]];
  for (const [key, list] of lists) {
    if (!Array.isArray(list)) return `state.json: ${key} must be a list`;
    for (const [i, e] of (list as Partial<TensorEntry>[]).entries()) {
      const where = `state.json: ${key}[${i}]`;
      if (typeof e?.name !== 'string') return `${where}: no name`;
      if (!Array.isArray(e.shape) || !e.shape.every((d) => isInt(d))) return `${where} (${e.name}): shape must be a list of non-negative integers`;
      if (!isInt(e.offset) || e.offset % 4 !== 0 || e.offset + 4 * size(e.shape) > binBytes) {
        return `${where} (${e.name}): offset ${JSON.stringify(e.offset)} with shape [${e.shape}] lies outside tensors.bin (${binBytes} bytes)`;
      }
    }
  }
  const w = state.within;
  if (w !== undefined && w !== null) {
    const ds = w.dataStart as Partial<RngState['data']> | undefined;
    const ok = typeof w === 'object' && isInt(w.step, 1) && isInt(w.examples) && isNum(w.nll) && isNum(w.kl) && isNum(w.correct) && isNum(w.seconds)
      && !!ds && isInt(ds.i) && isInt(ds.j) && Array.isArray(ds.S) && ds.S.length === 256;
    if (!ok) return 'state.json: within is not a position inside an epoch';
  }
  return null;
}

/**
 * Removes what a killed writer left in `checkpointsDir`: `.tmp-*` checkpoint directories and
 * temporary files of atomic writes. Only for a run no other process is writing.
 */
export function removeLeftovers(checkpointsDir: string): string[] {
  if (!fs.existsSync(checkpointsDir)) return [];
  const left = fs.readdirSync(checkpointsDir).filter((n) => n.startsWith('.tmp-') || /^\..+\.tmp-\d+-[a-z0-9]+$/.test(n));
  for (const n of left) fs.rmSync(path.join(checkpointsDir, n), { recursive: true, force: true });
  return left;
}

/** Checkpoint directory names in `checkpointsDir`, oldest first (by epoch, then step). */
function listCheckpointDirs(checkpointsDir: string): string[] {
  if (!fs.existsSync(checkpointsDir)) return [];
  const key = (n: string) => { const m = DIR_PATTERN.exec(n)!; return [Number(m[1]), Number(m[2] ?? 0)]; };
  return fs.readdirSync(checkpointsDir).filter((n) => DIR_PATTERN.test(n)).sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka[0] - kb[0] || ka[1] - kb[1];
  });
}

function readLatestPointer(checkpointsDir: string): string | null {
  try {
    const file = path.join(checkpointsDir, 'latest.json');
    const dir = (readJsonFile(file, (why) => new SvdError('E_CHECKPOINT', why, { file })) as { dir?: unknown } | null)?.dir;
    return typeof dir === 'string' && DIR_PATTERN.test(dir) ? dir : null;
  } catch {
    return null;
  }
}

function pruneOld(checkpointsDir: string): void {
  const dirs = listCheckpointDirs(checkpointsDir);
  const best = readBestPointer(checkpointsDir)?.dir;
  for (const old of dirs.slice(0, Math.max(0, dirs.length - KEEP)).filter((d) => d !== best)) {
    fs.rmSync(path.join(checkpointsDir, old), { recursive: true, force: true });
  }
}

/** checkpoints/best.json: the checkpoint of the best evaluated epoch by `training.keepBest`. */
export interface BestPointer {
  metric: string;
  value: number;
  epoch: number;
  /** The checkpoint directory's name in checkpoints/. */
  dir: string;
}

const BEST_FILE = 'best.json';

/** Records `best` (a checkpoint already written) as the one kept beside the rotated ones, and drops the previous best unless it is among them. */
export function markBestCheckpoint(checkpointsDir: string, best: BestPointer): void {
  writeJsonAtomic(path.join(checkpointsDir, BEST_FILE), best);
  pruneOld(checkpointsDir);
}

/** What checkpoints/best.json records, or null when there is none (or it is unreadable). */
export function readBestPointer(checkpointsDir: string): BestPointer | null {
  try {
    const file = path.join(checkpointsDir, BEST_FILE);
    const best = readJsonFile(file, (why) => new SvdError('E_CHECKPOINT', why, { file })) as Partial<BestPointer> | null;
    const ok = best && typeof best.metric === 'string' && isNum(best.value) && isInt(best.epoch) && typeof best.dir === 'string' && DIR_PATTERN.test(best.dir);
    return ok ? (best as BestPointer) : null;
  } catch {
    return null;
  }
}

/** The best checkpoint best.json names; E_CHECKPOINT (exit 2: nothing to give) when the run kept none. */
export function loadBestCheckpoint(checkpointsDir: string): Checkpoint {
  const best = readBestPointer(checkpointsDir);
  if (!best) throw new SvdError('E_CHECKPOINT', `no best checkpoint recorded (${BEST_FILE} is written by runs with training.keepBest)`, { file: path.join(checkpointsDir, BEST_FILE) }, 2);
  return readCheckpoint(path.join(checkpointsDir, best.dir));
}
