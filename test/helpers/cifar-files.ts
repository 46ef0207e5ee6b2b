/**
 * Test helper: small CIFAR-10 / CIFAR-100 folders in either official layout (python pickle
 * batches, in any of the pickle dialects of pickle-writer.ts, or binary batches), laid out as
 * the official archives unpack, from deterministic generated images.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { b, encodePickle, UInt8Matrix, type PickleStyle, type PyValue } from './pickle-writer.js';

/** Bytes per image: 1024 red, 1024 green, 1024 blue. */
export const IMAGE_BYTES = 3072;

/** Generated images: planar RGB bytes and labels (coarse only for CIFAR-100). */
export interface CifarSplit {
  count: number;
  pixels: Uint8Array;
  labels: number[];
  coarse?: number[];
}

/** `count` images whose label is `i % classes` and whose pixels depend on index and label. */
export function makeCifarSplit(count: number, classes: number, seed = 1, coarseClasses?: number): CifarSplit {
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  const labels: number[] = [];
  const coarse: number[] = [];
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    const label = (i * 7 + seed) % classes;
    labels.push(label);
    if (coarseClasses) coarse.push(label % coarseClasses);
    for (let p = 0; p < IMAGE_BYTES; p++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const channel = Math.floor(p / 1024);
      pixels[i * IMAGE_BYTES + p] = (label * 23 + channel * 60 + (s >>> 24)) & 0xff;
    }
  }
  return { count, pixels, labels, ...(coarseClasses && { coarse }) };
}

/** Layout options. */
export interface CifarWriteOptions {
  format: 'python' | 'binary';
  /** Pickle dialect of python batches (default py2, as the official files). */
  style?: PickleStyle;
  /** Write into `root` itself instead of the archive's folder. */
  flat?: boolean;
  /** Leave out these files (to test incomplete folders). */
  omit?: string[];
}

/** Writes a CIFAR-10 folder under `root`; returns the folder holding the batches. */
export function writeCifar10(root: string, train: CifarSplit, test: CifarSplit, options: CifarWriteOptions): string {
  const dir = options.flat ? root : path.join(root, options.format === 'python' ? 'cifar-10-batches-py' : 'cifar-10-batches-bin');
  mkdirSync(dir, { recursive: true });
  const suffix = options.format === 'python' ? '' : '.bin';
  const parts = splitInto(train, 5);
  const files: Array<[string, CifarSplit, string]> = [
    ...parts.map((part, i): [string, CifarSplit, string] => [`data_batch_${i + 1}${suffix}`, part, `training batch ${i + 1} of 5`]),
    [`test_batch${suffix}`, test, 'testing batch 1 of 1'],
  ];
  for (const [name, split, label] of files) {
    if (options.omit?.includes(name)) continue;
    const bytes = options.format === 'python'
      ? encodePickle(cifarDict(split, label, [['labels', split.labels]]), options.style ?? 'py2')
      : binaryRecords(split, [split.labels]);
    writeFileSync(path.join(dir, name), bytes);
  }
  if (options.format === 'python') {
    writeFileSync(path.join(dir, 'batches.meta'), encodePickle(new Map<string, PyValue>([['num_cases_per_batch', 10000], ['label_names', ['airplane', 'automobile'].map(b)], ['num_vis', 3072]]), options.style ?? 'py2'));
  } else {
    writeFileSync(path.join(dir, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n');
  }
  return dir;
}

/** Writes a CIFAR-100 folder under `root` (splits need `coarse`); returns the batch folder. */
export function writeCifar100(root: string, train: CifarSplit, test: CifarSplit, options: CifarWriteOptions): string {
  const dir = options.flat ? root : path.join(root, options.format === 'python' ? 'cifar-100-python' : 'cifar-100-binary');
  mkdirSync(dir, { recursive: true });
  const suffix = options.format === 'python' ? '' : '.bin';
  for (const [name, split] of [[`train${suffix}`, train], [`test${suffix}`, test]] as const) {
    if (options.omit?.includes(name)) continue;
    const coarse = split.coarse ?? split.labels.map((l) => l % 20);
    const bytes = options.format === 'python'
      ? encodePickle(cifarDict(split, name, [['fine_labels', split.labels], ['coarse_labels', coarse]]), options.style ?? 'py2')
      : binaryRecords(split, [coarse, split.labels]);
    writeFileSync(path.join(dir, name), bytes);
  }
  return dir;
}

/** The dict of a python batch, keys in the order of the official files. */
function cifarDict(split: CifarSplit, batchLabel: string, labelLists: Array<[string, number[]]>): Map<string, PyValue> {
  const filenames = Array.from({ length: split.count }, (_, i) => b(`image_${i}.png`));
  return new Map<string, PyValue>([
    ['filenames', filenames],
    ['batch_label', b(batchLabel)],
    ...labelLists,
    ['data', new UInt8Matrix(split.count, IMAGE_BYTES, split.pixels)],
  ]);
}

/** Binary records: the label bytes of each list, then the 3072 pixels. */
function binaryRecords(split: CifarSplit, labelLists: number[][]): Buffer {
  const record = labelLists.length + IMAGE_BYTES;
  const out = Buffer.alloc(split.count * record);
  for (let i = 0; i < split.count; i++) {
    labelLists.forEach((list, j) => (out[i * record + j] = list[i]));
    out.set(split.pixels.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), i * record + labelLists.length);
  }
  return out;
}

/** Splits images into `n` consecutive parts of near-equal size (empty only with fewer than n images). */
function splitInto(split: CifarSplit, n: number): CifarSplit[] {
  const base = Math.floor(split.count / n);
  const extra = split.count % n;
  let start = 0;
  return Array.from({ length: n }, (_, i) => {
    const end = start + base + (i < extra ? 1 : 0);
    const part = {
      count: end - start,
      pixels: split.pixels.subarray(start * IMAGE_BYTES, end * IMAGE_BYTES),
      labels: split.labels.slice(start, end),
      ...(split.coarse && { coarse: split.coarse.slice(start, end) }),
    };
    start = end;
    return part;
  });
}

/** Image `i` of `split` as NHWC floats in [0,1] (what the loader should produce). */
export function expectedNhwc(split: CifarSplit, i: number): Float32Array {
  const out = new Float32Array(IMAGE_BYTES);
  for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) out[p * 3 + c] = split.pixels[i * IMAGE_BYTES + c * 1024 + p] / 255;
  return out;
}
