/**
 * The ZCA fit cache: fitting ZCA on CIFAR's 50000 x 3072 training set takes minutes, so the fit
 * (mean and matrix) is stored in `<cacheDir>/zca-<dataset>-n<count>-eps<epsilon>-<hash>.bin` and
 * reused when the same training data (after `trainLimit`; the hash is over its exact values) is
 * whitened with the same epsilon. Files are written atomically; an unreadable or mismatched file
 * is refitted and replaced, and a folder that cannot be written only costs the refit next time.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { SvdError } from '../errors.js';
import { readRegularFile } from '../files/read.js';
import { writeFileAtomic } from '../store/atomic.js';
import { makeDirs } from '../store/make-dirs.js';
import { fitZca, type ZcaFit } from './zca.js';

const MAGIC = 'svd-zca-v1\n';
/** Most bytes a cache file's header (magic and JSON line, padded) may have; it is under 300. */
const ZCA_HEADER_BYTES = 1024;

/** Where and under which name a fit is cached. */
export interface ZcaCacheOptions {
  /** Cache folder (created when missing); null: no cache. */
  dir: string | null;
  /** Dataset name, part of the file name. */
  dataset: string;
}

/** A fit and how it was obtained. */
export interface ZcaResult {
  fit: ZcaFit;
  /** The cache file, or null when there is no cache folder. */
  cacheFile: string | null;
  /** True when the fit was read from the cache. */
  cached: boolean;
  /** Seconds spent fitting (0 when cached). */
  fitSeconds: number;
}

/**
 * The ZCA fit of `train` (count x dim) with `epsilon`, from the cache when it holds one for
 * exactly these values, else fitted (and cached).
 */
export async function cachedZcaFit(train: Float32Array, dim: number, epsilon: number, options: ZcaCacheOptions): Promise<ZcaResult> {
  const count = train.length / dim;
  const hash = createHash('sha256').update(`${dim}:${epsilon}:`).update(new Uint8Array(train.buffer, train.byteOffset, train.byteLength)).digest('hex');
  const file = options.dir === null ? null : path.join(options.dir, `zca-${safe(options.dataset)}-n${count}-eps${epsilon}-${hash.slice(0, 16)}.bin`);
  if (file !== null) {
    const hit = readFit(file, hash, dim, epsilon, count);
    if (hit) return { fit: hit, cacheFile: file, cached: true, fitSeconds: 0 };
  }
  if (dim * Math.min(dim, count) >= 1e6) {
    process.stderr.write(`svd: fitting ZCA whitening on ${count} training images of ${dim} values (slow for large sets: minutes on CIFAR; done once${file ? `, cached in ${file}` : ''})\n`);
  }
  const began = performance.now();
  const fit = await fitZca(train, dim, epsilon);
  const fitSeconds = (performance.now() - began) / 1000;
  if (file !== null) writeFit(file, hash, fit);
  return { fit, cacheFile: file, cached: false, fitSeconds };
}

/** The fit stored in `file` if it exists and matches, else null. */
function readFit(file: string, hash: string, dim: number, epsilon: number, count: number): ZcaFit | null {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, (why) => new SvdError('E_DATA_FORMAT', why, { file }), ZCA_HEADER_BYTES + 4 * (dim + dim * dim));
  } catch {
    return null;
  }
  const headerEnd = bytes.indexOf(0x0a, MAGIC.length);
  if (bytes.subarray(0, MAGIC.length).toString('latin1') !== MAGIC || headerEnd < 0) return null;
  let header: { hash?: string; dim?: number; epsilon?: number; count?: number; offset?: number };
  try {
    header = JSON.parse(bytes.subarray(MAGIC.length, headerEnd).toString('utf8'));
  } catch {
    return null;
  }
  const offset = header.offset ?? -1;
  if (header.hash !== hash || header.dim !== dim || header.epsilon !== epsilon || header.count !== count) return null;
  if (offset % 4 !== 0 || offset <= headerEnd || bytes.length !== offset + 4 * (dim + dim * dim)) return null;
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + bytes.length));
  return { dim, epsilon, count, mean: floats.slice(0, dim), matrix: floats.slice(dim) };
}

/** Writes `fit` to `file` atomically; a failure is reported on stderr and otherwise ignored. */
function writeFit(file: string, hash: string, fit: ZcaFit): void {
  try {
    makeDirs(path.dirname(file));
    const probe = Buffer.from(`${MAGIC}${JSON.stringify({ hash, dim: fit.dim, epsilon: fit.epsilon, count: fit.count, offset: 0 })}\n`);
    const offset = Math.ceil((probe.length + 16) / 4) * 4;
    let header = `${MAGIC}${JSON.stringify({ hash, dim: fit.dim, epsilon: fit.epsilon, count: fit.count, offset })}`;
    header = header.padEnd(offset - 1, ' ') + '\n';
    const out = new Uint8Array(offset + 4 * (fit.dim + fit.dim * fit.dim));
    out.set(Buffer.from(header, 'latin1'), 0);
    const floats = new Float32Array(out.buffer, offset);
    floats.set(fit.mean, 0);
    floats.set(fit.matrix, fit.dim);
    writeFileAtomic(file, out);
  } catch (err) {
    process.stderr.write(`svd: warning: could not cache the ZCA fit in ${file}: ${(err as Error).message}\n`);
  }
}

/** A dataset name safe in a file name. */
function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
