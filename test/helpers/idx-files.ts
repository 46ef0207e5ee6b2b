/**
 * Test helpers that write IDX files (the MNIST format), raw or gzip, including deliberately
 * broken ones (wrong magic, truncated), and whole small MNIST-like folders.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** Options of the IDX writers. */
export interface WriteIdxOptions {
  /** Gzip the file (default: when the file name ends in .gz). */
  gzip?: boolean;
  /** Magic number to write instead of the correct one (0x0000 08 <rank>). */
  magic?: number;
  /** Drop this many bytes from the end of the (uncompressed) file. */
  truncateBy?: number;
  /** Append this many zero bytes to the (uncompressed) file. */
  extraBytes?: number;
}

/** The bytes of an unsigned-byte IDX file with `dims` and `data` (tweaked as `options` says). */
export function encodeIdx(dims: number[], data: Uint8Array, options: WriteIdxOptions = {}): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(options.magic ?? 0x0800 + dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  let bytes = Buffer.concat([header, Buffer.from(data), Buffer.alloc(options.extraBytes ?? 0)]);
  if (options.truncateBy) bytes = bytes.subarray(0, bytes.length - options.truncateBy);
  return bytes;
}

/** Writes an IDX file of `dims` and `data` to `file`; returns `file`. */
export function writeIdx(file: string, dims: number[], data: Uint8Array, options: WriteIdxOptions = {}): string {
  const bytes = encodeIdx(dims, data, options);
  const gzip = options.gzip ?? file.endsWith('.gz');
  writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
  return file;
}

/** Writes an IDX image file (count x rows x cols unsigned bytes); returns `file`. */
export function writeIdxImages(file: string, rows: number, cols: number, pixels: ArrayLike<number>, options: WriteIdxOptions = {}): string {
  const count = Math.floor(pixels.length / (rows * cols));
  return writeIdx(file, [count, rows, cols], Uint8Array.from(pixels), options);
}

/** Writes an IDX label file; returns `file`. */
export function writeIdxLabels(file: string, labels: ArrayLike<number>, options: WriteIdxOptions = {}): string {
  return writeIdx(file, [labels.length], Uint8Array.from(labels), options);
}

/** One split of a small MNIST-like set: pixels (count * rows * cols bytes) and labels. */
export interface IdxSplit {
  pixels: ArrayLike<number>;
  labels: ArrayLike<number>;
}

/** Options of `writeMnistFolder`. */
export interface WriteMnistFolderOptions {
  rows?: number;
  cols?: number;
  /** Write `<name>.gz` files. */
  gzip?: boolean;
  /** Use the dotted spelling `train-images.idx3-ubyte`. */
  dotted?: boolean;
  /** Write only these of the four files (default: all). */
  only?: Array<'trainImages' | 'trainLabels' | 'testImages' | 'testLabels'>;
}

/** Writes the four MNIST files for `train` and `test` into `dir`; returns the paths written. */
export function writeMnistFolder(dir: string, train: IdxSplit, test: IdxSplit, options: WriteMnistFolderOptions = {}): string[] {
  const rows = options.rows ?? 28;
  const cols = options.cols ?? 28;
  const name = (base: string): string => {
    const spelled = options.dotted ? base.replace(/-(idx\d)/, '.$1') : base;
    return path.join(dir, options.gzip ? `${spelled}.gz` : spelled);
  };
  const writers = {
    trainImages: () => writeIdxImages(name('train-images-idx3-ubyte'), rows, cols, train.pixels),
    trainLabels: () => writeIdxLabels(name('train-labels-idx1-ubyte'), train.labels),
    testImages: () => writeIdxImages(name('t10k-images-idx3-ubyte'), rows, cols, test.pixels),
    testLabels: () => writeIdxLabels(name('t10k-labels-idx1-ubyte'), test.labels),
  };
  const roles = options.only ?? (Object.keys(writers) as Array<keyof typeof writers>);
  return roles.map((role) => writers[role]());
}
