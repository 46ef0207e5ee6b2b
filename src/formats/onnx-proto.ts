/**
 * The ONNX file format through protobufjs and the official schema, `proto/onnx.proto` (copied
 * unchanged from github.com/onnx/onnx, Apache-2.0): ModelProto objects (camelCase field names,
 * as protobufjs gives them) to bytes and back. The one place svd encodes or decodes ONNX.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** Path of the committed onnx.proto (the repository's `proto/` folder, beside src/ and dist/). */
export const ONNX_PROTO_FILE = fileURLToPath(new URL('../../../proto/onnx.proto', import.meta.url));

/** TensorProto.DataType values svd writes or reads. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
/** AttributeProto.AttributeType values. */
export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;
/** The opset svd writes (ONNX's default domain) and the IR version of its files. */
export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 8;

let modelType: protobuf.Type | null = null;

/** onnx.ModelProto, loaded once. */
function modelProto(): protobuf.Type {
  modelType ??= protobuf.loadSync(ONNX_PROTO_FILE).lookupType('onnx.ModelProto');
  return modelType;
}

/** Serializes a ModelProto given as a plain object (fields in camelCase). */
export function encodeOnnxModel(model: Record<string, unknown>): Uint8Array {
  const type = modelProto();
  const problem = type.verify(model);
  if (problem) throw new Error(`invalid ONNX model: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/** Parses ModelProto bytes into a plain object (int64 as numbers, bytes as Uint8Array); throws on malformed bytes. */
export function decodeOnnxModel(bytes: Uint8Array): Record<string, unknown> {
  const type = modelProto();
  return type.toObject(type.decode(bytes), { longs: Number, enums: Number, bytes: Uint8Array as unknown as typeof String, defaults: false, arrays: true }) as Record<string, unknown>;
}
