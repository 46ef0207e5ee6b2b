/**
 * Reading an ONNX file svd is given (an onnx export for `svd eval`, a user's model for
 * `init.from`): through the one safe reader (a regular file of at most 1 GiB), decoded with the
 * official schema (onnx-proto.ts), and checked before any weight is allocated: a graph in
 * ONNX's default domain, initializers (and sparse initializers, densified) of float32 (or int64) with sizes that add up (their
 * declared shapes bounded in all), external data only in files of the model's own folder and
 * within them. Any problem is an error with `code` naming the file (and the tensor or node).
 */
import * as path from 'node:path';
import { SvdError, type ErrorCode } from '../errors.js';
import { firstNonFinite } from '../files/finite.js';
import { fileInFolder, readFileRange, readRegularFile, regularFileSize, MAX_READ_BYTES } from '../files/read.js';
import { decodeOnnxModel, ONNX_FLOAT, ONNX_INT64 } from './onnx-proto.js';

/** The most values the initializers of one model may declare in all (2^28: 1 GiB of float32). */
export const MAX_ONNX_VALUES = 2 ** 28;

/** A decoded ONNX model: the fields svd reads (protobufjs's camelCase names). */
export interface OnnxModel {
  irVersion?: number;
  producerName?: string;
  opsetImport?: Array<{ domain?: string; version?: number }>;
  graph?: OnnxGraphProto;
}
export interface OnnxGraphProto {
  node?: OnnxNodeProto[];
  initializer?: OnnxTensorProto[];
  sparseInitializer?: Array<{ dims?: number[]; values?: OnnxTensorProto; indices?: OnnxTensorProto }>;
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
}
export interface OnnxNodeProto {
  name?: string;
  opType?: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: Array<{ name?: string; type?: number; i?: number; f?: number; ints?: number[]; floats?: number[]; s?: Uint8Array; t?: OnnxTensorProto }>;
}
export interface OnnxTensorProto {
  name?: string;
  dims?: number[];
  dataType?: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int64Data?: number[];
  dataLocation?: number;
  externalData?: Array<{ key?: string; value?: string }>;
}
export interface OnnxValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: Array<{ dimValue?: number; dimParam?: string }> } } };
}

/** A read model: its bytes (for a runtime) and what they decode to. */
export interface ReadOnnx {
  file: string;
  bytes: Buffer;
  model: OnnxModel;
  /** Initializers by name, values read and checked (float32 or int64 as numbers). */
  tensors: Map<string, { dims: number[]; values: Float32Array | number[] }>;
}

/** Reads and checks the ONNX model in `file` (see the module comment). */
export function readOnnxModel(file: string, code: ErrorCode): ReadOnnx {
  const bad = (why: string, where?: string) => new SvdError(code, `not a usable ONNX model: ${why}`, { file, ...(where && { path: where }) }, 2);
  const bytes = readRegularFile(file, (why) => bad(why), MAX_READ_BYTES);
  let model: OnnxModel;
  try {
    model = decodeOnnxModel(bytes) as OnnxModel;
  } catch (err) {
    throw bad(`the protobuf does not decode as onnx.ModelProto (${(err as Error).message}); truncated, or not an .onnx file`);
  }
  const graph = model.graph;
  if (!graph || !Array.isArray(graph.node) || graph.node.length === 0) throw bad('it has no graph with nodes (truncated, or not an .onnx file)');
  const opset = (model.opsetImport ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  if (!opset || !Number.isSafeInteger(opset.version)) throw bad('it imports no opset of the default ONNX domain');
  const foreign = graph.node.find((n) => (n.domain ?? '') !== '' && n.domain !== 'ai.onnx');
  if (foreign) throw bad(`node '${foreign.name ?? foreign.opType}' is in domain '${foreign.domain}'; svd reads ops of the default ONNX domain only`, `graph.node.${foreign.name ?? ''}`);
  const tensors = new Map<string, { dims: number[]; values: Float32Array | number[] }>();
  let declared = 0;
  for (const [i, t] of (graph.initializer ?? []).entries()) {
    const name = t.name ?? `#${i}`;
    const where = `graph.initializer.${name}`;
    const dims = t.dims ?? [];
    if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`initializer '${name}' has dims [${dims}], not a list of sizes`, where);
    const size = dims.reduce((a, b) => a * b, 1);
    declared += size;
    if (declared > MAX_ONNX_VALUES) throw bad(`initializer '${name}' of dims [${dims}] brings the model to ${declared} values, more than the ${MAX_ONNX_VALUES} (1 GiB of float32) svd loads`, where);
    tensors.set(name, { dims, values: tensorValues(t, size, path.dirname(file), (why) => bad(`initializer '${name}': ${why}`, where)) });
  }
  for (const [i, s] of (graph.sparseInitializer ?? []).entries()) {
    const name = s.values?.name ?? `#${i}`;
    const where = `graph.sparse_initializer.${name}`;
    const dims = s.dims ?? [];
    if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`sparse initializer '${name}' has dims [${dims}], not a list of sizes`, where);
    const size = dims.reduce((a, b) => a * b, 1);
    declared += size;
    if (declared > MAX_ONNX_VALUES) throw bad(`sparse initializer '${name}' of dims [${dims}] brings the model to ${declared} values, more than the ${MAX_ONNX_VALUES} (1 GiB of float32) svd loads`, where);
    const refuse = (why: string) => bad(`sparse initializer '${name}': ${why}`, where);
    if (!s.values || !s.indices) throw refuse('it needs values and indices');
    const nnz = (s.values.dims ?? [])[0] ?? 0;
    if ((s.values.dims ?? []).length !== 1 || nnz > size) throw refuse(`values of dims [${s.values.dims}] for a tensor of ${size} values`);
    const values = tensorValues(s.values, nnz, path.dirname(file), refuse);
    const indexDims = s.indices.dims ?? [];
    if (s.indices.dataType !== ONNX_INT64 || indexDims.length !== 1 || indexDims[0] !== nnz) throw refuse(`indices must be int64 of dims [${nnz}] (linear indices), got type ${s.indices.dataType} dims [${indexDims}]`);
    const indices = tensorValues(s.indices, nnz, path.dirname(file), refuse) as number[];
    const dense = new Float32Array(size);
    for (let k = 0; k < nnz; k++) {
      const at = indices[k];
      if (!Number.isSafeInteger(at) || at < 0 || at >= size) throw refuse(`index ${at} is outside the tensor's ${size} values`);
      dense[at] = values[k];
    }
    tensors.set(name, { dims, values: dense });
  }
  return { file, bytes, model, tensors };
}

/** The values of initializer `t` of `size` values: raw_data, the typed field, or external data in `dir`. */
function tensorValues(t: OnnxTensorProto, size: number, dir: string, bad: (why: string) => SvdError): Float32Array | number[] {
  if (t.dataType === ONNX_INT64) {
    if (t.rawData && t.rawData.length > 0) {
      if (t.rawData.length !== size * 8) throw bad(`raw_data has ${t.rawData.length} bytes, dims need ${size * 8}`);
      const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
      return Array.from({ length: size }, (_, i) => Number(view.getBigInt64(8 * i, true)));
    }
    if ((t.int64Data ?? []).length !== size) throw bad(`int64_data has ${(t.int64Data ?? []).length} values, dims need ${size}`);
    return t.int64Data!;
  }
  if (t.dataType !== ONNX_FLOAT) throw bad(`data type ${t.dataType} is not supported (float32 weights, int64 shapes)`);
  let raw: Uint8Array | undefined = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  if (t.dataLocation === 1) raw = externalData(t, size * 4, dir, bad);
  let values: Float32Array;
  if (raw) {
    if (raw.length !== size * 4) throw bad(`holds ${raw.length} bytes of data, dims need ${size * 4}`);
    values = new Float32Array(size);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < size; i++) values[i] = view.getFloat32(4 * i, true);
  } else {
    if ((t.floatData ?? []).length !== size) throw bad(`float_data has ${(t.floatData ?? []).length} values, dims need ${size}`);
    values = Float32Array.from(t.floatData!);
  }
  const at = firstNonFinite(values);
  if (at >= 0) throw bad(`holds ${values[at]} at index ${at}; weights must be finite`);
  return values;
}

/** The `bytes` bytes of external data a tensor names: a file in `dir`, at its offset, within the file. */
function externalData(t: OnnxTensorProto, bytes: number, dir: string, bad: (why: string) => SvdError): Buffer {
  const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const file = fileInFolder(dir, entries.get('location'), (why) => bad(`external data location ${why}`));
  const offset = Number(entries.get('offset') ?? 0);
  const length = Number(entries.get('length') ?? bytes);
  if (!Number.isSafeInteger(offset) || offset < 0 || length !== bytes) throw bad(`external data offset ${entries.get('offset')} / length ${entries.get('length')} do not describe the ${bytes} bytes its dims need`);
  const size = regularFileSize(file, (why) => bad(`external data file ${file}: ${why}`));
  if (offset + length > size) throw bad(`external data [${offset}, ${offset + length}) runs past the end of ${file} (${size} bytes)`);
  return readFileRange(file, (why) => bad(`external data file ${file}: ${why}`), offset, length);
}
