/**
 * The `sparse` export format: only the surviving weights, plus the dense parameters that remain.
 *
 * Layout of an export directory in this format:
 *   svd-export.json   the manifest (see manifest.ts); its `sparse` member is a SparseLayout:
 *                     { file: "weights.bin", bytes, byteOrder: "little-endian", layers: [...] }
 *   weights.bin       every array back to back, each starting at a multiple of 4 bytes
 *                     (zero padding in between), little-endian.
 * `preprocess` (optional) lists the run's input normalization as plain layers, applied first.
 * Each entry of `layers` (and `preprocess`) is { name, type, source, config, params }: `type` is a plain layer
 * type (a registered layer type with a `plain` facet: dense, conv2d, maxpool, ...), `config` its
 * attributes, `params` its parameter arrays in tfjs weight order. A parameter is either
 *   { name, shape, encoding: "dense", values: ref }            shape's product float32 values, or
 *   { name, shape, encoding: "csr", rows, cols, nnz, rowPtr: ref, colIndex: ref, values: ref }
 * where a ref is { dtype, offset, length } (dtype uint8 | uint16 | uint32 | float32, offset in
 * bytes into weights.bin, length in elements). A CSR parameter is the array in tfjs layout
 * viewed as a row-major matrix [rows = product of all but the last axis, cols = last axis]
 * (dense kernel [in, units]; conv kernel [kh*kw*in, filters]); rowPtr has rows + 1 entries
 * of the smallest unsigned type holding nnz, colIndex nnz entries of the smallest one holding
 * cols - 1, values nnz float32. Kernels are stored as CSR whenever that is smaller than dense;
 * biases and batchnorm parameters are dense. Missing entries are zeros.
 */
import * as os from 'node:os';
import { SvdError } from '../errors.js';
import { firstNonFinite } from '../files/finite.js';
import { findParam, isPlainType, isWeighted, outWidth, sizeOf, widthKeyOf, type PlainLayer, type PlainNet, type ParamArray } from './plain-net.js';
import { ELEMENT_BYTES, csrBytes, csrProblem, countNonzero, newArray, toCsr, fromCsr, type Csr, type ElementType, type FormatArray } from './csr.js';

/** The binary file of a sparse export. */
export const SPARSE_WEIGHTS = 'weights.bin';

/** Where one array lies in the binary file. */
export interface ArrayRef {
  dtype: ElementType;
  /** Byte offset into the binary file (a multiple of 4). */
  offset: number;
  /** Number of elements. */
  length: number;
}

/** One stored parameter. */
export type TensorLayout =
  | { name: string; shape: number[]; encoding: 'dense'; values: ArrayRef }
  | { name: string; shape: number[]; encoding: 'csr'; rows: number; cols: number; nnz: number; rowPtr: ArrayRef; colIndex: ArrayRef; values: ArrayRef };

/** One layer of the layout. */
export interface SparseLayerLayout {
  name: string;
  type: string;
  source: string;
  config: Record<string, unknown>;
  params: TensorLayout[];
}

/** The `sparse` member of a sparse export's manifest. */
export interface SparseLayout {
  file: typeof SPARSE_WEIGHTS;
  /** Size of the binary file. */
  bytes: number;
  byteOrder: 'little-endian';
  layers: SparseLayerLayout[];
  /** The run's input normalization as plain layers, applied before `layers` (absent: none). */
  preprocess?: SparseLayerLayout[];
}

/** Encodes `net` into its layout and binary file contents. */
export function encodeSparse(net: PlainNet): { layout: SparseLayout; bin: Uint8Array } {
  requireLittleEndian();
  const chunks: Array<{ offset: number; bytes: Uint8Array }> = [];
  let end = 0;
  const put = (array: FormatArray, dtype: ElementType): ArrayRef => {
    const offset = Math.ceil(end / 4) * 4;
    chunks.push({ offset, bytes: new Uint8Array(array.buffer, array.byteOffset, array.byteLength) });
    end = offset + array.byteLength;
    return { dtype, offset, length: array.length };
  };
  const encodeLayer = (layer: PlainLayer): SparseLayerLayout => ({
    name: layer.name,
    type: layer.type,
    source: layer.source,
    config: layer.config,
    params: layer.params.map((p) => encodeParam(p, put)),
  });
  const preprocess = net.preprocess?.map(encodeLayer);
  const layers = net.layers.map(encodeLayer);
  const bytes = Math.ceil(end / 4) * 4;
  const bin = new Uint8Array(bytes);
  for (const c of chunks) bin.set(c.bytes, c.offset);
  return { layout: { file: SPARSE_WEIGHTS, bytes, byteOrder: 'little-endian', layers, ...(preprocess && { preprocess }) }, bin };
}

function encodeParam(p: ParamArray, put: (a: FormatArray, t: ElementType) => ArrayRef): TensorLayout {
  const cols = p.shape[p.shape.length - 1] ?? 1;
  const rows = p.values.length / Math.max(1, cols);
  if (p.name === 'kernel' && p.shape.length >= 2 && csrBytes(rows, cols, countNonzero(p.values)) < p.values.byteLength) {
    const csr = toCsr(p.values, rows, cols);
    const rowPtr = put(csr.rowPtr, elementTypeOf(csr.rowPtr));
    const colIndex = put(csr.colIndex, elementTypeOf(csr.colIndex));
    const values = put(csr.values, 'float32');
    return { name: p.name, shape: p.shape, encoding: 'csr', rows, cols, nnz: csr.values.length, rowPtr, colIndex, values };
  }
  return { name: p.name, shape: p.shape, encoding: 'dense', values: put(p.values, 'float32') };
}

/** The most parameter values a sparse export may declare in all (2^28: 1 GiB of float32), checked before any is allocated. */
export const MAX_EXPORT_VALUES = 2 ** 28;

/**
 * Reads a sparse export back into a PlainNet (kernels densified). Every offset, length, type,
 * shape and CSR invariant is checked, and the values must be finite; the shapes, in all, may
 * not declare more than MAX_EXPORT_VALUES values, checked before anything is densified. A
 * problem is an E_EXPORT_FORMAT error naming `manifestFile` (with the manifest key) or `binFile`.
 */
export function decodeSparse(layout: SparseLayout, inputShape: number[], bin: Uint8Array, manifestFile: string, binFile: string): PlainNet {
  requireLittleEndian();
  const bad = (where: string, why: string) => new SvdError('E_EXPORT_FORMAT', `malformed sparse export: ${why}`, { file: manifestFile, path: where });
  if (!layout || !Array.isArray(layout.layers)) throw bad('sparse', 'the manifest has no sparse.layers list');
  if (bin.length !== layout.bytes) throw sizeMismatch(bin.length, layout.bytes, binFile);

  const read = (ref: ArrayRef | undefined, where: string, dtype?: ElementType): FormatArray => {
    if (!ref || !(ref.dtype in ELEMENT_BYTES) || (dtype && ref.dtype !== dtype)) throw bad(where, `expected an array of ${dtype ?? 'a known type'}, found ${JSON.stringify(ref?.dtype)}`);
    const size = ELEMENT_BYTES[ref.dtype];
    const { offset, length } = ref;
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset % size !== 0) throw bad(where, `bad offset ${offset} or length ${length}`);
    if (offset + length * size > bin.length) throw bad(where, `array [${offset}, ${offset + length * size}) runs past the end of ${binFile} (${bin.length} bytes)`);
    const out = newArray(ref.dtype, length);
    new Uint8Array(out.buffer).set(bin.subarray(offset, offset + length * size));
    return out;
  };
  const finite = (values: Float32Array, where: string, tensor: string): Float32Array => {
    const i = firstNonFinite(values);
    if (i >= 0) throw new SvdError('E_EXPORT_FORMAT', `malformed sparse export: '${tensor}' holds ${values[i]} at index ${i} (an export holds finite values only; the file is damaged)`, { file: binFile, path: where });
    return values;
  };

  let declared = 0;
  const decodeLayer = (key: string) => (l: SparseLayerLayout, i: number): PlainLayer => {
    const where = `sparse.${key}.${i}`;
    if (!isPlainType(l?.type)) throw bad(`${where}.type`, `unknown layer type ${JSON.stringify(l?.type)}`);
    if (typeof l.name !== 'string') throw bad(`${where}.name`, 'the layer has no name');
    if (!l.config || typeof l.config !== 'object' || Array.isArray(l.config)) throw bad(`${where}.config`, 'config is not a mapping');
    if (!Array.isArray(l.params)) throw bad(`${where}.params`, 'params is not a list');
    const params = l.params.map((t, j): ParamArray => {
      const at = `${where}.params.${j}`;
      if (typeof t?.name !== 'string') throw bad(`${at}.name`, 'the parameter has no name');
      const tensor = `${l.name}/${t.name}`;
      if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`${at}.shape`, 'shape must be a list of sizes');
      const size = sizeOf(t.shape);
      declared += size;
      if (declared > MAX_EXPORT_VALUES) {
        throw bad(`${at}.shape`, `shape [${t.shape}] of '${tensor}' brings the export to ${declared} values, more than the ${MAX_EXPORT_VALUES} (1 GiB of float32) svd loads`);
      }
      if (t.encoding === 'dense') {
        const values = read(t.values, `${at}.values`, 'float32') as Float32Array;
        if (values.length !== size) throw bad(`${at}.values`, `${values.length} values for shape [${t.shape}]`);
        return { name: t.name, shape: t.shape, values: finite(values, `${at}.values`, tensor) };
      }
      if (t.encoding !== 'csr') throw bad(`${at}.encoding`, `unknown encoding ${JSON.stringify((t as { encoding?: unknown })?.encoding)}`);
      if (t.name !== 'kernel' || t.shape.length < 2) throw bad(`${at}.encoding`, `'${tensor}' is stored as CSR, but only kernels are (biases and other parameters are dense)`);
      const cols = t.shape[t.shape.length - 1];
      if (t.cols !== cols || t.rows !== (cols === 0 ? 0 : size / cols)) throw bad(at, `rows x cols = ${t.rows} x ${t.cols} does not match shape [${t.shape}] (rows: the product of all but the last axis, cols: the last)`);
      const csr: Csr = {
        rows: t.rows,
        cols: t.cols,
        rowPtr: read(t.rowPtr, `${at}.rowPtr`) as Csr['rowPtr'],
        colIndex: read(t.colIndex, `${at}.colIndex`) as Csr['colIndex'],
        values: finite(read(t.values, `${at}.values`, 'float32') as Float32Array, `${at}.values`, tensor),
      };
      if (csr.rowPtr instanceof Float32Array || csr.colIndex instanceof Float32Array) throw bad(at, 'CSR indices must be unsigned integers');
      const problem = csrProblem(csr) ?? (csr.values.length !== t.nnz ? `nnz is ${t.nnz} but ${csr.values.length} values are stored` : null);
      if (problem) throw bad(at, problem);
      return { name: t.name, shape: t.shape, values: fromCsr(csr) };
    });
    const layer: PlainLayer = { name: l.name, type: l.type, source: l.source, config: l.config, params };
    const kernel = findParam(layer, 'kernel');
    if (isWeighted(layer) && kernel && outWidth(layer) !== kernel.shape[kernel.shape.length - 1]) {
      throw bad(`${where}.config.${widthKeyOf(layer)}`, `${JSON.stringify(outWidth(layer))} does not match the kernel's shape [${kernel.shape}]`);
    }
    return layer;
  };
  if (layout.preprocess !== undefined && !Array.isArray(layout.preprocess)) throw bad('sparse.preprocess', 'preprocess is not a list');
  const preprocess = layout.preprocess?.map(decodeLayer('preprocess'));
  const layers = layout.layers.map(decodeLayer('layers'));
  return { inputShape, layers, ...(preprocess && { preprocess }) };
}

/** The error for a binary file of `actual` bytes where the manifest says `declared`. */
export function sizeMismatch(actual: number, declared: unknown, binFile: string): SvdError {
  return new SvdError('E_EXPORT_FORMAT', `malformed sparse export: the file has ${actual} bytes, the manifest (sparse.bytes) says ${JSON.stringify(declared)}; it was truncated or replaced`, { file: binFile });
}

function elementTypeOf(a: FormatArray): ElementType {
  return a instanceof Uint8Array ? 'uint8' : a instanceof Uint16Array ? 'uint16' : a instanceof Uint32Array ? 'uint32' : 'float32';
}

function requireLittleEndian(): void {
  if (os.endianness() !== 'LE') throw new SvdError('E_EXPORT', 'the sparse format is little-endian; this machine is big-endian, which is not supported');
}
