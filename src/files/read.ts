/**
 * The one way svd reads a file it is given (configs, dataset files, checkpoints, exports):
 * only a regular file (a FIFO, socket, device or directory is refused before anything blocks:
 * stat first, then a non-blocking open checked again with fstat), only inside the folder it
 * belongs to when a manifest names it, and only up to a size the caller justifies (a fixed
 * limit, or what a header or manifest declares); a larger file is refused unread. Every
 * refusal is the caller's own SvdError, made by its `Refuse`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SvdError } from '../errors.js';

/** Makes the caller's error from the reason (`not a regular file (a FIFO)`, `no such file`, ...) and the errno code, if any. */
export type Refuse = (why: string, errno?: string) => SvdError;

/** The most bytes any reader reads in one piece (1 GiB): a bound on one allocation, whatever a file declares. */
export const MAX_READ_BYTES = 2 ** 30;

/** The most bytes a JSON record svd writes (a manifest, a checkpoint's state, a snapshot) is read with (64 MiB). */
export const MAX_RECORD_BYTES = 64 * 2 ** 20;

/** The JSON value in the regular file `file` of at most `maxBytes` bytes; a syntax error is refused with its message. */
export function readJsonFile(file: string, refuse: Refuse, maxBytes = MAX_RECORD_BYTES): unknown {
  const text = readTextFile(file, refuse, maxBytes, `the ${maxBytes} bytes such a file may have`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw refuse((err as Error).message);
  }
}

/** What a non-regular file is, in words: `a directory`, `a FIFO`, ... */
function kindOf(stats: fs.Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a file';
}

/** Words for a file-system error. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  return (err as Error).message;
}

/** The size of `file`, refused (by `refuse`) unless it is a regular file (symbolic links are followed). */
export function regularFileSize(file: string, refuse: Refuse): number {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(file);
  } catch (err) {
    throw refuse(describeFsError(err), (err as NodeJS.ErrnoException).code);
  }
  if (!stats.isFile()) throw refuse(`not a regular file (${kindOf(stats)})`);
  return stats.size;
}

/**
 * The whole of the regular file `file`, refused unread when it has more than `maxBytes` bytes
 * (`limit` says where the bound comes from, e.g. `the 1 MiB a config may have`).
 */
export function readRegularFile(file: string, refuse: Refuse, maxBytes: number, limit = `the ${maxBytes} bytes svd reads`): Buffer {
  const size = regularFileSize(file, refuse);
  const bound = maxBytes > MAX_READ_BYTES ? `the ${MAX_READ_BYTES} bytes svd reads at once` : limit;
  if (size > Math.min(maxBytes, MAX_READ_BYTES)) throw refuse(`too large (${size} bytes, more than ${bound})`);
  return readFileRange(file, refuse, 0, size);
}

/** The text (UTF-8) of the regular file `file`, as `readRegularFile` reads it. */
export function readTextFile(file: string, refuse: Refuse, maxBytes: number, limit?: string): string {
  return readRegularFile(file, refuse, maxBytes, limit).toString('utf8');
}

/** Bytes [start, start + length) of the regular file `file` (fewer when the file ends first). */
export function readFileRange(file: string, refuse: Refuse, start: number, length: number): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    throw refuse(describeFsError(err), (err as NodeJS.ErrnoException).code);
  }
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) throw refuse(`not a regular file (${kindOf(stats)})`);
    const want = Math.max(0, Math.min(length, stats.size - start, MAX_READ_BYTES));
    const out = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const n = fs.readSync(fd, out, got, want - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return got === want ? out : out.subarray(0, got);
  } catch (err) {
    if (err instanceof SvdError) throw err;
    throw refuse(describeFsError(err), (err as NodeJS.ErrnoException).code);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The path of `name`, a file a manifest names, inside `dir`: a plain file name, never an
 * absolute path, a path with a folder in it or `..`; anything else is refused with `refuse`.
 */
export function fileInFolder(dir: string, name: unknown, refuse: Refuse): string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || name !== path.basename(name) || name.includes('\\') || name.includes('\0')) {
    throw refuse(`${JSON.stringify(name)} must be a file name in the same folder (${dir})`);
  }
  return path.join(dir, name);
}
