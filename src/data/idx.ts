/**
 * Reader for IDX files, the format the original MNIST files use (http://yann.lecun.com/exdb/mnist/):
 * a big-endian header (magic number, then one uint32 per dimension) followed by the data.
 * Only unsigned-byte data (type code 0x08) is read, raw or gzip-compressed, and never more of
 * it than the header declares. Every check that fails is an E_DATA_FORMAT error naming the
 * file, what was expected and what was found.
 */
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { SvdError } from '../errors.js';
import { MAX_READ_BYTES, readFileRange, regularFileSize, type Refuse } from '../files/read.js';

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
  const { dims, data } = readIdx(file, IDX_IMAGES_MAGIC);
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
  return readIdx(file, IDX_LABELS_MAGIC).data;
}

/** True when `bytes` start with the gzip magic bytes 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Compressed bytes read first to find the header of a gzip file (its own header, then the IDX header). */
const GZIP_HEAD_BYTES = 1 << 20;

/**
 * The IDX array in `file` (raw, or gzip when it starts with the gzip magic), reading no more
 * than its header declares: the header comes first (from the start of the file, or of its
 * decompressed stream), then a raw file of another size is refused unread, and decompression
 * stops at the header's size, so a gzip bomb costs no more memory than an honest file.
 * @throws SvdError E_DATA_MISSING if the file cannot be read or is not a regular file, E_DATA_FORMAT if it is malformed.
 */
function readIdx(file: string, expectedMagic: number): IdxArray {
  const refuse: Refuse = (why) => new SvdError('E_DATA_MISSING', `cannot read IDX file: ${why}`, { file });
  const size = regularFileSize(file, refuse);
  const head = readFileRange(file, refuse, 0, Math.min(size, GZIP_HEAD_BYTES));
  if (!isGzip(head)) {
    const { dims, headerLength, dataLength } = parseIdxHeader(head, expectedMagic, file);
    checkDataLength(size, headerLength, dataLength, file, dims);
    return parseIdx(readFileRange(file, refuse, 0, size), expectedMagic, file);
  }
  const { headerLength, dataLength } = parseIdxHeader(gunzip(head, file, null, true), expectedMagic, file);
  const expected = headerLength + dataLength;
  // deflate's stored blocks add 5 bytes per 64 KiB; the gzip header and trailer a few more
  const mostCompressed = expected + Math.ceil(expected / 1000) + GZIP_HEAD_BYTES;
  if (size > mostCompressed) {
    throw formatError(file, `the compressed file has ${size} bytes, more than the ${expected} bytes its header declares could need`);
  }
  return parseIdx(gunzip(readFileRange(file, refuse, 0, size), file, expected + 1, false), expectedMagic, file);
}

/**
 * `raw` decompressed: at most `maxBytes` of it (more is refused), or, for `partial`, as much as
 * a prefix of a gzip file gives.
 */
function gunzip(raw: Uint8Array, file: string, maxBytes: number | null, partial: boolean): Uint8Array {
  try {
    return gunzipSync(raw, { ...(partial && { finishFlush: zlibConstants.Z_SYNC_FLUSH }), ...(maxBytes !== null && { maxOutputLength: maxBytes }) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw formatError(file, `the file decompresses to more than the ${maxBytes! - 1} bytes its IDX header declares; decompression was stopped there`);
    }
    throw formatError(file, `file starts with the gzip magic bytes but does not decompress: ${(err as Error).message}`);
  }
}

/** The header of IDX `bytes` (at least its first bytes): its dimensions, its length and the data bytes it declares. */
function parseIdxHeader(bytes: Uint8Array, expectedMagic: number, file: string): { dims: number[]; headerLength: number; dataLength: number } {
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
  const dataLength = dims.reduce((a, b) => a * b, 1);
  if (dataLength > MAX_READ_BYTES - headerLength) {
    throw formatError(file, `the header says ${dims.join(' x ')} = ${dataLength} data bytes, more than the ${MAX_READ_BYTES} bytes svd reads from one file`);
  }
  return { dims, headerLength, dataLength };
}

/**
 * Parses IDX `bytes` that must carry `expectedMagic` (unsigned bytes of a given rank) and be
 * exactly header + product(dims) bytes long. `file` only names the source in errors.
 * The returned `data` is a view into `bytes`.
 */
export function parseIdx(bytes: Uint8Array, expectedMagic: number, file: string): IdxArray {
  const { dims, headerLength, dataLength } = parseIdxHeader(bytes, expectedMagic, file);
  checkDataLength(bytes.length, headerLength, dataLength, file, dims);
  return { dims, data: bytes.subarray(headerLength) };
}

/** Throws unless the file is exactly header + the declared data bytes long. */
function checkDataLength(actual: number, headerLength: number, dataLength: number, file: string, dims?: number[]): void {
  const expected = headerLength + dataLength;
  if (actual === expected) return;
  const header = `the header says ${dims ? `${dims.join(' x ')} = ` : ''}${dataLength} data bytes (${expected} bytes with the ${headerLength}-byte header)`;
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
