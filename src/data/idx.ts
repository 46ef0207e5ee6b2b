/**
 * Reader for IDX files, the format the original MNIST files use (http://yann.lecun.com/exdb/mnist/):
 * a big-endian header (magic number, then one uint32 per dimension) followed by the data.
 * Only unsigned-byte data (type code 0x08) is read, raw or gzip-compressed. Every check that
 * fails is an E_DATA_FORMAT error naming the file, what was expected and what was found.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { SvdError } from '../errors.js';

/** IDX magic of an unsigned-byte, rank-3 file (images: count x rows x cols). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** IDX magic of an unsigned-byte, rank-1 file (labels: count). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** IDX type code of unsigned bytes, the only element type read here. */
const IDX_UBYTE = 0x08;

/** Images read from an IDX file: `pixels` holds count * rows * cols bytes, row-major. */
export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

/** A parsed IDX array of unsigned bytes: its dimensions and its data (a view, not a copy). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Reads an IDX image file (magic 0x00000803), raw or gzip.
 * @throws SvdError E_DATA_MISSING if unreadable, E_DATA_FORMAT if malformed.
 */
export function readIdxImages(file: string): IdxImages {
  const { dims, data } = parseIdx(readIdxBytes(file), IDX_IMAGES_MAGIC, file);
  const [count, rows, cols] = dims as [number, number, number];
  if (rows === 0 || cols === 0) {
    throw formatError(file, `expected images of at least 1 x 1 pixels, found ${rows} x ${cols}`);
  }
  return { count, rows, cols, pixels: data };
}

/**
 * Reads an IDX label file (magic 0x00000801), raw or gzip. Label values are not range-checked.
 * @throws SvdError E_DATA_MISSING if unreadable, E_DATA_FORMAT if malformed.
 */
export function readIdxLabels(file: string): Uint8Array {
  return parseIdx(readIdxBytes(file), IDX_LABELS_MAGIC, file).data;
}

/** True when `bytes` start with the gzip magic bytes 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The IDX bytes of `file`: its contents, gunzipped when they start with the gzip magic.
 * @throws SvdError E_DATA_MISSING if the file cannot be read, E_DATA_FORMAT if gunzip fails.
 */
export function readIdxBytes(file: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw new SvdError('E_DATA_MISSING', `cannot read IDX file: ${(err as Error).message}`, { file });
  }
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw);
  } catch (err) {
    throw formatError(file, `file starts with the gzip magic bytes but does not decompress: ${(err as Error).message}`);
  }
}

/**
 * Parses IDX `bytes` that must carry `expectedMagic` (unsigned bytes of a given rank) and be
 * exactly header + product(dims) bytes long. `file` only names the source in errors.
 * The returned `data` is a view into `bytes`.
 */
export function parseIdx(bytes: Uint8Array, expectedMagic: number, file: string): IdxArray {
  const rank = expectedMagic & 0xff;
  const headerLength = 4 + 4 * rank;
  if (bytes.length < 4) {
    throw formatError(file, `file is ${bytes.length} bytes long, too short for the 4-byte IDX magic number (expected ${hex(expectedMagic)}: ${describeMagic(expectedMagic)})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    throw formatError(file, `expected IDX magic number ${hex(expectedMagic)} (${describeMagic(expectedMagic)}), found ${hex(magic)} (${describeMagic(magic)})`);
  }
  if (bytes.length < headerLength) {
    throw formatError(file, `file is truncated: the IDX header of a rank-${rank} file needs ${headerLength} bytes, the file has ${bytes.length}`);
  }
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  checkDataLength(bytes.length, headerLength, dims, file);
  return { dims, data: bytes.subarray(headerLength) };
}

/** Throws unless the file is exactly header + product(dims) bytes long. */
function checkDataLength(actual: number, headerLength: number, dims: number[], file: string): void {
  const dataLength = dims.reduce((a, b) => a * b, 1);
  const expected = headerLength + dataLength;
  if (actual === expected) return;
  const header = `the header says ${dims.join(' x ')} = ${dataLength} data bytes (${expected} bytes with the ${headerLength}-byte header)`;
  const problem = actual < expected ? `file is truncated: ${header}, but the file has only ${actual}` : `file is too long: ${header}, but the file has ${actual} (${actual - expected} extra)`;
  throw formatError(file, problem);
}

/** An E_DATA_FORMAT error about an IDX file. */
function formatError(file: string, message: string): SvdError {
  return new SvdError('E_DATA_FORMAT', `bad IDX file: ${message}`, { file });
}

/** `0x00000803` */
function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

/** What an IDX magic number means, in words: "unsigned bytes, 3 dimensions". */
function describeMagic(magic: number): string {
  const zeros = magic >>> 16;
  const type = (magic >>> 8) & 0xff;
  const rank = magic & 0xff;
  if (zeros !== 0) return 'not an IDX file';
  const typeName = IDX_TYPES[type];
  if (!typeName) return `unknown IDX element type 0x${type.toString(16).padStart(2, '0')}`;
  const what = type === IDX_UBYTE && rank === 3 ? ': images' : type === IDX_UBYTE && rank === 1 ? ': labels' : '';
  return `${typeName}, ${rank} dimension${rank === 1 ? '' : 's'}${what}`;
}

/** IDX element type codes and their names. */
const IDX_TYPES: Record<number, string> = {
  0x08: 'unsigned bytes',
  0x09: 'signed bytes',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};
