/**
 * The ONNX graph an export is written into: the OnnxEmitter each plain layer's `plain.onnx`
 * appends its nodes to (src/layers/onnx-facet.ts), and the finished ModelProto object.
 * The graph's input is `input`, float32 [batch, ...inputShape] exactly as tfjs takes it (images
 * NHWC); its output is `logits`, [batch, classes]. Inside, images travel NCHW: one Transpose
 * before the first image op, one back before a flatten, so values keep tfjs's order.
 */
import type { OnnxAttribute, OnnxEmitter, OnnxLayout } from '../layers/onnx-facet.js';
import { ONNX_ACTIVATIONS, type ActivationName } from '../layers/activations.js';
import { ATTR, ONNX_FLOAT, ONNX_INT64, ONNX_IR_VERSION, ONNX_OPSET } from '../formats/onnx-proto.js';

/** The graph's input and output names. */
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'logits';

/** The layout inside the writer: the graph's own NHWC input image, before any image op. */
type Layout = OnnxLayout | 'nhwc';

/** A graph under construction; `prefix` names the current layer's initializers. */
export class OnnxGraph implements OnnxEmitter {
  shape: number[];
  layout: OnnxLayout;
  private current = ONNX_INPUT;
  private state: Layout;
  private prefix = '';
  private readonly nodes: Record<string, unknown>[] = [];
  private readonly initializers: Record<string, unknown>[] = [];
  private readonly sparseInitializers: Record<string, unknown>[] = [];
  private readonly names = new Set<string>();

  /** @param sparse write kernels as sparse initializers (values + int64 flat indices) where that is smaller. */
  constructor(private readonly inputShape: number[], private readonly sparse = false) {
    this.shape = [...inputShape];
    this.state = inputShape.length === 3 ? 'nhwc' : 'flat';
    this.layout = this.state === 'flat' ? 'flat' : 'nchw';
  }

  /** Starts the nodes of layer `name`, whose input has per-example `shape`. */
  beginLayer(name: string, shape: number[]): void {
    this.prefix = name;
    this.shape = [...shape];
  }

  toImage(image: number[]): void {
    if (this.state === 'nchw') return;
    if (this.state === 'flat') {
      this.push('Reshape', [this.current, this.int64s('shape', [-1, ...image])], {}, 'nhwc');
    }
    this.push('Transpose', [this.current], { perm: { ints: [0, 3, 1, 2] } }, 'nchw');
  }

  toFlat(): void {
    if (this.state === 'flat') return;
    if (this.state === 'nchw') this.push('Transpose', [this.current], { perm: { ints: [0, 2, 3, 1] } }, 'nhwc');
    this.push('Flatten', [this.current], { axis: { int: 1 } }, 'flat');
  }

  node(op: string, inputs: string[], attributes: Record<string, OnnxAttribute> = {}, layout?: OnnxLayout): void {
    this.push(op, [this.current, ...inputs], attributes, layout ?? this.state);
  }

  weight(name: string, shape: number[], values: Float32Array): string {
    const full = this.unique(`${this.prefix}/${name}`);
    let nnz = 0;
    for (const v of values) if (v !== 0) nnz++;
    if (this.sparse && name === 'kernel' && nnz * 12 < values.length * 4) {
      const kept = new Float32Array(nnz);
      const indices = new BigInt64Array(nnz);
      for (let i = 0, k = 0; i < values.length; i++) if (values[i] !== 0) [kept[k], indices[k++]] = [values[i], BigInt(i)];
      this.sparseInitializers.push({
        dims: shape,
        values: { name: full, dims: [nnz], dataType: ONNX_FLOAT, rawData: littleEndian(new Uint8Array(kept.buffer), 4) },
        indices: { name: `${full}/indices`, dims: [nnz], dataType: ONNX_INT64, rawData: littleEndian(new Uint8Array(indices.buffer), 8) },
      });
      return full;
    }
    const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    this.initializers.push({ name: full, dims: shape, dataType: ONNX_FLOAT, rawData: littleEndian(bytes, 4) });
    return full;
  }

  activation(name: string): void {
    const op = ONNX_ACTIVATIONS[name as ActivationName];
    if (op === undefined) throw new Error(`no ONNX op for activation '${name}'`);
    if (op === 'Softmax' && this.state === 'nhwc') this.toImage(this.shape); // over the channels: axis 1 of NCHW
    if (op) this.node(op, [], op === 'Softmax' ? { axis: { int: 1 } } : {});
  }

  /** The finished ModelProto object, its output [batch, classes] named `logits`. */
  model(classes: number, docString: string): Record<string, unknown> {
    this.toFlat();
    this.push('Identity', [this.current], {}, 'flat', ONNX_OUTPUT);
    const dims = (shape: number[]) => ({ dim: [{ dimParam: 'batch' }, ...shape.map((d) => ({ dimValue: d }))] });
    return {
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'svd',
      docString,
      graph: {
        name: 'svd',
        node: this.nodes,
        initializer: this.initializers,
        ...(this.sparseInitializers.length > 0 && { sparseInitializer: this.sparseInitializers }),
        input: [{ name: ONNX_INPUT, type: { tensorType: { elemType: ONNX_FLOAT, shape: dims(this.inputShape) } } }],
        output: [{ name: ONNX_OUTPUT, type: { tensorType: { elemType: ONNX_FLOAT, shape: dims([classes]) } } }],
      },
    };
  }

  private push(op: string, inputs: string[], attributes: Record<string, OnnxAttribute>, layout: Layout, output?: string): void {
    const out = output ?? this.unique(`${this.prefix || 'graph'}/${op}`);
    this.nodes.push({ opType: op, name: out, input: inputs, output: [out], attribute: Object.entries(attributes).map(([name, a]) => attribute(name, a)) });
    this.current = out;
    this.state = layout;
    this.layout = layout === 'flat' ? 'flat' : 'nchw';
  }

  private int64s(name: string, values: number[]): string {
    const full = this.unique(`${this.prefix}/${name}`);
    this.initializers.push({ name: full, dims: [values.length], dataType: ONNX_INT64, int64Data: values });
    return full;
  }

  private unique(name: string): string {
    let n = name;
    for (let i = 1; this.names.has(n); i++) n = `${name}_${i}`;
    this.names.add(n);
    return n;
  }
}

function attribute(name: string, a: OnnxAttribute): Record<string, unknown> {
  if ('int' in a) return { name, type: ATTR.INT, i: a.int };
  if ('float' in a) return { name, type: ATTR.FLOAT, f: a.float };
  return { name, type: ATTR.INTS, ints: a.ints };
}

/** `bytes` of `size`-byte values in little-endian order (ONNX's raw_data), whatever this machine's order. */
function littleEndian(bytes: Uint8Array, size: number): Uint8Array {
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] === 1) return bytes;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  return bytes;
}
