/**
 * CIFAR-10 and CIFAR-100 (`data.dataset: cifar10 | cifar100`): 50000 training and 10000 test
 * 32x32 colour images, read from either official layout (python pickle batches or binary
 * batches, cifar-layouts.ts) in `data.root` (default `data/cifar10`, `data/cifar100`).
 * CIFAR-100 has 100 fine labels (default) and 20 coarse ones (`data.labels: coarse`).
 * Only the batch files the limits need are read; limits apply before normalization statistics.
 */
import path from 'node:path';
import type { DataConfig } from '../config/types.js';
import { SvdError } from '../errors.js';
import { classCount, type Dataset, type DatasetEntry, type Split } from './dataset.js';
import { CIFAR10, CIFAR100, locateCifarFiles, type CifarFiles, type CifarSpec } from './cifar-layouts.js';
import { CIFAR_IMAGE_BYTES, readCifarBatch, type CifarBatch, type LabelField } from './cifar-read.js';
import { normalizeSplits, zcaOptions } from './normalize.js';

const SIDE = 32;
const CHANNELS = 3;
const PLANE = SIDE * SIDE;

/** How each label set is stored, per dataset. */
const LABEL_FIELDS: Record<CifarSpec['name'], Record<string, Omit<LabelField, 'numClasses'>>> = {
  cifar10: { labels: { key: 'labels', binaryBytes: 1, binaryIndex: 0 } },
  cifar100: {
    fine: { key: 'fine_labels', binaryBytes: 2, binaryIndex: 1 },
    coarse: { key: 'coarse_labels', binaryBytes: 2, binaryIndex: 0 },
  },
};

/** Reads, checks, limits, scales to [0,1] (NHWC) and normalizes one CIFAR dataset. */
export async function loadCifar(spec: CifarSpec, entry: DatasetEntry, data: DataConfig): Promise<Dataset> {
  const root = path.resolve(process.cwd(), data.root ?? entry.defaultRoot);
  const field = labelField(spec, entry, data.labels);
  const files = locateCifarFiles(spec, root);
  const sources: string[] = [];
  const train = readSplit(files, files.train, field, data.trainLimit, sources);
  const test = readSplit(files, files.test, field, data.testLimit, sources);
  const stats = await normalizeSplits(data.normalize, train.x, test.x, [SIDE, SIDE, CHANNELS], spec.name, zcaOptions(data, root, spec.name));
  return {
    name: spec.name,
    inputShape: [SIDE, SIDE, CHANNELS],
    numClasses: field.numClasses,
    train,
    test,
    sources,
    preprocessing: { format: files.layout.format, labels: field.key, normalize: stats.mode, ...(stats.zca && { zca: stats.zca }) },
    normalization: stats,
  };
}

/** The label field `labels` (null: the default set) chooses, or an E_CONFIG_CHECK error. */
function labelField(spec: CifarSpec, entry: DatasetEntry, labels: string | null | undefined): LabelField {
  const fields = LABEL_FIELDS[spec.name];
  const names = Object.keys(fields);
  const chosen = labels ?? names[0];
  if (!entry.labelSets && labels != null) {
    throw new SvdError('E_CONFIG_CHECK', `dataset '${spec.name}' has one set of labels; remove data.labels (it applies to cifar100: fine, coarse)`, { path: 'data.labels' });
  }
  const stored = fields[chosen];
  if (!stored) throw new SvdError('E_CONFIG_CHECK', `dataset '${spec.name}' has no '${chosen}' labels; known: ${names.join(', ')}`, { path: 'data.labels' });
  return { ...stored, numClasses: classCount(entry, labels) };
}

/** Reads batch files in order until `limit` (null: all) images are in; returns them as a Split. */
function readSplit(found: CifarFiles, files: string[], field: LabelField, limit: number | null, sources: string[]): Split {
  const batches: CifarBatch[] = [];
  let count = 0;
  for (const file of files) {
    if (limit !== null && count >= limit) break;
    const batch = readCifarBatch(file, found.layout.format, field);
    sources.push(file);
    batches.push(batch);
    count += batch.count;
  }
  const total = limit === null ? count : Math.min(limit, count);
  const x = new Float32Array(total * CIFAR_IMAGE_BYTES);
  const y = new Int32Array(total);
  let at = 0;
  for (const batch of batches) {
    const take = Math.min(batch.count, total - at);
    toNhwc(batch.pixels, take, x, at);
    y.set(batch.labels.subarray(0, take), at);
    at += take;
  }
  return { x, y, count: total };
}

/** Float32 value of every byte / 255. */
const UNIT_SCALE = Float32Array.from({ length: 256 }, (_, byte) => byte / 255);

/** Writes `count` planar-RGB images of `pixels` into `out` (NHWC, [0,1]) from image `at` on. */
function toNhwc(pixels: Uint8Array, count: number, out: Float32Array, at: number): void {
  for (let n = 0; n < count; n++) {
    const src = n * CIFAR_IMAGE_BYTES;
    const dst = (at + n) * CIFAR_IMAGE_BYTES;
    for (let p = 0; p < PLANE; p++) {
      const o = dst + p * CHANNELS;
      out[o] = UNIT_SCALE[pixels[src + p]];
      out[o + 1] = UNIT_SCALE[pixels[src + PLANE + p]];
      out[o + 2] = UNIT_SCALE[pixels[src + 2 * PLANE + p]];
    }
  }
}

/** The registry entry of a CIFAR dataset. */
function entryFor(spec: CifarSpec, labelSets: Record<string, number> | undefined, numClasses: number): DatasetEntry {
  const entry: DatasetEntry = {
    inputShape: [SIDE, SIDE, CHANNELS],
    numClasses,
    ...(labelSets && { labelSets }),
    defaultRoot: `data/${spec.name}`,
    load: (data) => loadCifar(spec, entry, data),
  };
  return entry;
}

/** CIFAR-10: 10 classes. */
export const CIFAR10_ENTRY = entryFor(CIFAR10, undefined, 10);
/** CIFAR-100: 100 fine classes by default, 20 coarse ones with `data.labels: coarse`. */
export const CIFAR100_ENTRY = entryFor(CIFAR100, { fine: 100, coarse: 20 }, 100);
