/**
 * Reading one CIFAR batch file in either official format:
 * - python version: a pickled dict with a numpy uint8 `data` array [N, 3072] and label lists
 *   (`labels` for CIFAR-10; `fine_labels` and `coarse_labels` for CIFAR-100), read with the
 *   restricted, non-executing pickle reader (pickle.ts);
 * - binary version: N records of label byte(s) then 3072 pixel bytes (CIFAR-10: <label>;
 *   CIFAR-100: <coarse><fine>).
 * Pixels of an image are 1024 red, then 1024 green, then 1024 blue bytes, rows of 32.
 * Every structural problem is an E_DATA_FORMAT error naming the file.
 */
import { SvdError } from '../errors.js';
import { readRegularFile } from '../files/read.js';
import { NdArray, parsePickle, type PickleValue } from './pickle.js';
import type { CifarFormat } from './cifar-layouts.js';

/** Bytes per CIFAR image (32 x 32 x 3). */
export const CIFAR_IMAGE_BYTES = 3072;

/** Which labels to read from a batch. */
export interface LabelField {
  /** Key of the label list in a python batch (`labels`, `fine_labels`, `coarse_labels`). */
  key: string;
  /** Label bytes per record in a binary batch, and which of them to take. */
  binaryBytes: number;
  binaryIndex: number;
  /** Labels must be below this. */
  numClasses: number;
}

/** One batch: `count` images (planar RGB bytes) and their labels. */
export interface CifarBatch {
  count: number;
  pixels: Uint8Array;
  labels: Int32Array;
}

/** Reads the batch file `file` of `format`. */
export function readCifarBatch(file: string, format: CifarFormat, field: LabelField): CifarBatch {
  const bytes = readBytes(file);
  return format === 'python' ? pythonBatch(bytes, file, field) : binaryBatch(bytes, file, field);
}

/** Largest batch file read (256 MiB; the largest official one, CIFAR-100's python `train`, has 155 MB). */
export const MAX_CIFAR_BATCH_BYTES = 256 * 2 ** 20;

function readBytes(file: string): Uint8Array {
  const refuse = (why: string) => new SvdError('E_DATA_MISSING', `cannot read CIFAR file: ${why}`, { file });
  return readRegularFile(file, refuse, MAX_CIFAR_BATCH_BYTES, 'the 256 MiB a CIFAR batch file may have');
}

/** A batch from a python-version (pickle) file. */
function pythonBatch(bytes: Uint8Array, file: string, field: LabelField): CifarBatch {
  const value = parsePickle(bytes, file);
  const fail = (why: string) =>
    new SvdError('E_DATA_FORMAT', `not a CIFAR python batch: ${why}; expected a dict with a uint8 'data' array of shape [N, ${CIFAR_IMAGE_BYTES}] and a '${field.key}' list of N labels`, { file });
  if (!(value instanceof Map)) throw fail(`the pickle holds ${describe(value)}, not a dict`);
  const data = value.get('data');
  if (!(data instanceof NdArray) || data.data === null) throw fail(`'data' is ${describe(data ?? undefined)}`);
  if (data.dtype?.descr !== 'u1') throw fail(`'data' has dtype ${data.dtype?.descr ?? 'unknown'}, not uint8 (u1)`);
  if (data.shape.length !== 2 || data.shape[1] !== CIFAR_IMAGE_BYTES) throw fail(`'data' has shape [${data.shape.join(', ')}]`);
  if (data.fortranOrder) throw fail(`'data' is in Fortran order`);
  const count = data.shape[0];
  if (data.data.length !== count * CIFAR_IMAGE_BYTES) throw fail(`'data' holds ${data.data.length} bytes, its shape needs ${count * CIFAR_IMAGE_BYTES}`);
  const list = value.get(field.key);
  if (!Array.isArray(list)) throw fail(`'${field.key}' is ${describe(list ?? undefined)}${list === undefined ? ` (keys: ${[...value.keys()].join(', ')})` : ''}`);
  if (list.length !== count) throw fail(`'${field.key}' has ${list.length} labels for ${count} images`);
  const labels = new Int32Array(count);
  list.forEach((label, i) => {
    if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= field.numClasses) {
      throw fail(`'${field.key}'[${i}] is ${describe(label)}, not a class index 0..${field.numClasses - 1}`);
    }
    labels[i] = label;
  });
  return { count, pixels: data.data, labels };
}

/** A batch from a binary-version file. */
function binaryBatch(bytes: Uint8Array, file: string, field: LabelField): CifarBatch {
  const record = field.binaryBytes + CIFAR_IMAGE_BYTES;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new SvdError(
      'E_DATA_FORMAT',
      `not a CIFAR binary batch: ${bytes.length} bytes is not a whole number of ${record}-byte records (${field.binaryBytes} label byte${field.binaryBytes > 1 ? 's' : ''} + ${CIFAR_IMAGE_BYTES} pixels)`,
      { file },
    );
  }
  const count = bytes.length / record;
  const pixels = new Uint8Array(count * CIFAR_IMAGE_BYTES);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const base = i * record;
    const label = bytes[base + field.binaryIndex];
    if (label >= field.numClasses) {
      throw new SvdError('E_DATA_FORMAT', `CIFAR binary batch record ${i} has label ${label}, not a class index 0..${field.numClasses - 1}`, { file });
    }
    labels[i] = label;
    pixels.set(bytes.subarray(base + field.binaryBytes, base + record), i * CIFAR_IMAGE_BYTES);
  }
  return { count, pixels, labels };
}

/** A value as error messages describe it. */
function describe(v: PickleValue | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Map) return 'a dict';
  if (v instanceof Uint8Array) return 'a byte string';
  if (v instanceof NdArray) return `a numpy array of shape [${v.shape.join(', ')}]`;
  if (typeof v === 'object') return `a ${v.constructor.name}`;
  return JSON.stringify(v);
}
