/**
 * An ONNX model as svd plain layers (see imported-model.ts). The graph must be a chain: every
 * node reads the one before it (its other inputs being initializers). Supported ops (default
 * domain, float32): Gemm, MatMul (+ Add of a bias), Conv, MaxPool, AveragePool,
 * BatchNormalization, Relu, Tanh, Sigmoid, Softmax, Flatten, Reshape, Transpose (between NHWC and
 * NCHW), GlobalAveragePool, Dropout, Identity. Layouts are followed exactly: an input [N, C, H, W]
 * (ONNX's own convention, PyTorch's; svd's own exports take NHWC) becomes svd's [H, W, C], kernels are transposed to tfjs's
 * layout, and a flatten of NCHW features (PyTorch's order) reorders the next dense layer's rows
 * to tfjs's NHWC order. Anything else is an E_IMPORT error (exit 2) naming the node and what is
 * supported.
 */
import { SvdError } from '../errors.js';
import type { ParamArray, PlainLayer } from '../layers/layer.js';
import { onnxPads } from '../layers/geometry.js';
import { ONNX_ACTIVATIONS } from '../layers/activations.js';
import { LAYERS } from '../layers/registry.js';
import { readOnnxModel, type OnnxNodeProto } from '../formats/onnx-read.js';
import { preprocessingOf, type ImportedModel } from './imported.js';

/** The ops svd maps onto its layers. */
export const SUPPORTED_ONNX_OPS = [
  'Gemm', 'MatMul', 'Add', 'Conv', 'MaxPool', 'AveragePool', 'BatchNormalization', 'Relu', 'Tanh', 'Sigmoid', 'Softmax',
  'Flatten', 'Reshape', 'Transpose', 'GlobalAveragePool', 'Dropout', 'Identity',
];

type State = 'nhwc' | 'nchw' | 'flat' | 'pooled';
type Attr = NonNullable<OnnxNodeProto['attribute']>[number];

/** Reads the ONNX model in `file` as plain layers. */
export function importOnnx(file: string): ImportedModel {
  const onnx = readOnnxModel(file, 'E_IMPORT');
  const graph = onnx.model.graph!;
  const nodes = graph.node!;
  const unsupported = (node: OnnxNodeProto, why: string) =>
    new SvdError('E_IMPORT', `node '${node.name || node.opType}' (${node.opType}): ${why}; svd imports chains of ${SUPPORTED_ONNX_OPS.join(', ')}`, { file, path: `graph.node.${node.name || node.opType}` }, 2);
  const inputs = (graph.input ?? []).filter((v) => !onnx.tensors.has(v.name ?? ''));
  if (inputs.length !== 1) throw new SvdError('E_IMPORT', `the graph has ${inputs.length} inputs besides its initializers; svd imports models of one input`, { file }, 2);
  const dims = (inputs[0].type?.tensorType?.shape?.dim ?? []).map((d) => d.dimValue ?? 0);
  const perExample = dims.slice(1);
  if (!(perExample.length === 1 || perExample.length === 3) || !perExample.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new SvdError('E_IMPORT', `input '${inputs[0].name}' has dims [${dims}]; svd imports [batch, features] or [batch, 4 image dims] with fixed sizes`, { file }, 2);
  }
  // An image input is NCHW (ONNX's convention) unless svd wrote the file or a transpose to NCHW comes before any image op.
  const firstImageOp = nodes.find((n) => ['Transpose', 'Conv', 'MaxPool', 'AveragePool', 'BatchNormalization', 'GlobalAveragePool'].includes(n.opType ?? ''));
  const nhwcInput = perExample.length === 3 && (onnx.model.producerName === 'svd' || (firstImageOp?.opType === 'Transpose' && ints(firstImageOp, 'perm')?.join() === '0,3,1,2'));
  let state: State = perExample.length === 1 ? 'flat' : nhwcInput ? 'nhwc' : 'nchw';
  let shape = perExample.length === 1 ? [...perExample] : nhwcInput ? [...perExample] : [perExample[1], perExample[2], perExample[0]];
  const inputShape = [...shape];
  /** After a flatten of NCHW features: [c, h, w], so the next dense layer's rows are reordered. */
  let chw: number[] | null = null;
  let current = inputs[0].name!;
  let normalize: string | null = null;
  const layers: PlainLayer[] = [];
  const notes: string[] = [];
  const names = new Map<string, number>();
  const taken = new Set<string>();
  /** The node's layer: its name up to the op (svd's exports name nodes `<layer>/<Op>`, PyTorch's `/<module>/<Op>`), else `<type>_<n>`. */
  const layerName = (type: string, node: OnnxNodeProto) => {
    const prefix = (node.name ?? '').replace(/\/[^/]*$/, '').replace(/^\//, '').replace(/[^A-Za-z0-9_.-]+/g, '_');
    if (prefix && !taken.has(prefix)) {
      taken.add(prefix);
      return prefix;
    }
    for (;;) {
      const n = names.get(type) ?? 0;
      names.set(type, n + 1);
      if (!taken.has(`${type}_${n}`)) {
        taken.add(`${type}_${n}`);
        return `${type}_${n}`;
      }
    }
  };
  const weight = (node: OnnxNodeProto, index: number, what: string): { dims: number[]; values: Float32Array } => {
    const t = onnx.tensors.get(node.input?.[index] ?? '');
    if (!t || !(t.values instanceof Float32Array)) throw unsupported(node, `its ${what} (input ${index}) is not a float32 initializer`);
    return t as { dims: number[]; values: Float32Array };
  };
  const emit = (type: string, config: Record<string, unknown>, params: ParamArray[], node: OnnxNodeProto) => {
    const entry = LAYERS.get(type);
    try {
      shape = entry.outputShape(entry.config({ type, ...config }), shape);
    } catch (err) {
      throw unsupported(node, (err as Error).message);
    }
    layers.push({ name: layerName(type, node), type, source: `onnx ${node.opType}`, config, params });
  };
  const toFlat = (node: OnnxNodeProto, skip: boolean) => {
    if (state === 'flat') return;
    if (state === 'pooled') {
      state = 'flat';
      return;
    }
    if (state === 'nchw' && !(shape[2] === 1 || shape[0] * shape[1] === 1)) chw = [shape[2], shape[0], shape[1]];
    if (skip) shape = [shape.reduce((a, b) => a * b, 1)];
    else emit('flatten', {}, [], node);
    state = 'flat';
  };

  for (const [index, node] of nodes.entries()) {
    const op = node.opType ?? '';
    if ((node.input?.[0] ?? '') !== current) throw unsupported(node, `it reads '${node.input?.[0]}', not the output of the node before it ('${current}'): the graph is not a chain`);
    if ((node.output ?? []).length < 1) throw unsupported(node, 'it has no output');
    current = node.output![0];
    const pre = preprocessingOf(node.name ?? '');
    if (pre !== undefined && pre !== null) normalize = pre;
    const skip = pre !== undefined; // an svd export's own preprocessing: followed for the layout, not imported
    const last = layers[layers.length - 1];
    switch (op) {
      case 'Identity':
      case 'Dropout':
        break;
      case 'Transpose': {
        const perm = ints(node, 'perm')?.join();
        if (state === 'nhwc' && perm === '0,3,1,2') state = 'nchw';
        else if (state === 'nchw' && perm === '0,2,3,1') state = 'nhwc';
        else throw unsupported(node, `perm [${perm}] on a ${state} tensor (svd follows NHWC <-> NCHW transposes only)`);
        break;
      }
      case 'Flatten': {
        if ((int(node, 'axis') ?? 1) !== 1) throw unsupported(node, 'axis must be 1');
        toFlat(node, skip);
        break;
      }
      case 'Reshape': {
        const target = onnx.tensors.get(node.input?.[1] ?? '')?.values;
        if (!Array.isArray(target)) throw unsupported(node, 'its shape is not an int64 initializer');
        const size = shape.reduce((a, b) => a * b, 1);
        if (target.length === 2 && (target[1] === size || target[1] === -1)) toFlat(node, skip);
        else if (target.length === 4 && state === 'flat' && target.slice(1).reduce((a, b) => a * b, 1) === size && target.slice(1).every((d) => d > 0)) {
          if (skip) shape = target.slice(1);
          else emit('reshape', { targetShape: target.slice(1) }, [], node);
          state = 'nhwc';
        } else throw unsupported(node, `shape [${target}] on a ${state} input [${shape}] (svd reshapes to [batch, features], or features to [batch, h, w, c])`);
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        if (skip) break;
        if (state !== 'flat') throw unsupported(node, `it needs a [batch, features] input; add a Flatten (the tensor is ${state})`);
        if (op === 'Gemm' && ((float(node, 'alpha') ?? 1) !== 1 || (float(node, 'beta') ?? 1) !== 1 || (int(node, 'transA') ?? 0) !== 0)) throw unsupported(node, 'alpha, beta must be 1 and transA 0');
        const b = weight(node, 1, 'weight matrix');
        if (b.dims.length !== 2) throw unsupported(node, `its weight has dims [${b.dims}], not 2`);
        const transB = op === 'Gemm' && (int(node, 'transB') ?? 0) === 1;
        const [k, n] = transB ? [b.dims[1], b.dims[0]] : b.dims;
        if (k !== shape[0]) throw unsupported(node, `its weight takes ${k} features, the input has ${shape[0]}`);
        let kernel = transB ? transpose2d(b.values, n, k) : Float32Array.from(b.values);
        if (chw) kernel = nhwcRows(kernel, chw, n);
        chw = null;
        const params: ParamArray[] = [{ name: 'kernel', shape: [k, n], values: kernel }];
        if (op === 'Gemm' && node.input?.[2]) {
          const c = weight(node, 2, 'bias');
          if (c.values.length !== n) throw unsupported(node, `its bias has ${c.values.length} values for ${n} units (svd takes one per unit)`);
          params.push({ name: 'bias', shape: [n], values: Float32Array.from(c.values) });
        }
        emit('dense', { units: n, activation: 'linear', useBias: params.length === 2 }, params, node);
        break;
      }
      case 'Add': {
        if (skip) break;
        const c = onnx.tensors.get(node.input?.[1] ?? '');
        const units = last && last.type === 'dense' ? (last.config.units as number) : -1;
        if (!last || last.type !== 'dense' || last.config.useBias || last.config.activation !== 'linear' || !(c?.values instanceof Float32Array) || c.values.length !== units) {
          throw unsupported(node, 'svd reads Add only as the bias of the MatMul right before it');
        }
        last.params.push({ name: 'bias', shape: [units], values: Float32Array.from(c.values) });
        last.config.useBias = true;
        break;
      }
      case 'Conv': {
        if (skip) break;
        if (state !== 'nchw') throw unsupported(node, `it needs an image input (the tensor is ${state})`);
        const w = weight(node, 1, 'filters');
        if (w.dims.length !== 4 || w.dims[1] !== shape[2]) throw unsupported(node, `filters of dims [${w.dims}] on ${shape[2]} input channels (svd takes [filters, channels, kh, kw], group 1)`);
        if ((int(node, 'group') ?? 1) !== 1 || (ints(node, 'dilations') ?? [1, 1]).some((d) => d !== 1)) throw unsupported(node, 'group and dilations must be 1');
        const [filters, , kh, kw] = w.dims;
        const strides = pair(ints(node, 'strides') ?? [1, 1]);
        const padding = paddingOf(node, shape, [kh, kw], strides, unsupported);
        const params: ParamArray[] = [{ name: 'kernel', shape: [kh, kw, shape[2], filters], values: oihwToHwio(w.values, w.dims) }];
        if (node.input?.[2]) params.push({ name: 'bias', shape: [filters], values: Float32Array.from(weight(node, 2, 'bias').values) });
        emit('conv2d', { filters, kernelSize: [kh, kw], strides, padding, activation: 'linear', useBias: params.length === 2 }, params, node);
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        if (skip) break;
        if (state !== 'nchw') throw unsupported(node, `it needs an image input (the tensor is ${state})`);
        if ((int(node, 'ceil_mode') ?? 0) !== 0 || (ints(node, 'dilations') ?? [1, 1]).some((d) => d !== 1)) throw unsupported(node, 'ceil_mode must be 0 and dilations 1');
        const size = pair(ints(node, 'kernel_shape') ?? []);
        const strides = pair(ints(node, 'strides') ?? [1, 1]);
        const padding = paddingOf(node, shape, size, strides, unsupported);
        if (op === 'AveragePool' && padding === 'same' && (int(node, 'count_include_pad') ?? 0) !== 0) throw unsupported(node, "count_include_pad must be 0 with padding (svd's mean leaves the padding out)");
        emit(op === 'MaxPool' ? 'maxpool' : 'avgpool', { poolSize: size, strides, padding }, [], node);
        break;
      }
      case 'GlobalAveragePool': {
        if (skip) break;
        if (state !== 'nchw') throw unsupported(node, `it needs an image input (the tensor is ${state})`);
        emit('globalavgpool', {}, [], node);
        state = 'pooled';
        break;
      }
      case 'BatchNormalization': {
        if (skip) break;
        if (state === 'nhwc' || state === 'pooled') throw unsupported(node, `it needs an NCHW image or [batch, features] (the tensor is ${state})`);
        const channels = shape[shape.length - 1];
        const params = ['gamma', 'beta', 'movingMean', 'movingVariance'].map((name, i) => {
          const t = weight(node, i + 1, name);
          if (t.values.length !== channels) throw unsupported(node, `${name} has ${t.values.length} values for ${channels} channels`);
          return { name, shape: [channels], values: Float32Array.from(t.values) };
        });
        emit('batchnorm', { momentum: 0.99, epsilon: float(node, 'epsilon') ?? 1e-5 }, params, node);
        break;
      }
      case 'Relu':
      case 'Tanh':
      case 'Sigmoid':
      case 'Softmax': {
        if (skip) break;
        const name = Object.entries(ONNX_ACTIVATIONS).find(([, o]) => o === op)![0];
        if (op === 'Softmax') {
          const axis = int(node, 'axis') ?? -1;
          if (!(axis === 1 || (axis === -1 && state !== 'nchw'))) throw unsupported(node, 'softmax must be over the channels or features');
          if (index === nodes.length - 1 || nodes.slice(index + 1).every((n) => n.opType === 'Identity')) {
            notes.push(`the final Softmax (node '${node.name || op}') is left out: svd trains on logits, and the argmax is the same`);
            break;
          }
        }
        const weighted = last && (last.type === 'dense' || last.type === 'conv2d') && last.config.activation === 'linear';
        if (weighted) last.config.activation = name;
        else emit('activation', { activation: name }, [], node);
        break;
      }
      default:
        throw unsupported(node, 'this op is not supported');
    }
  }
  if (state !== 'flat' && state !== 'pooled') throw new SvdError('E_IMPORT', `the graph ends in an image (${state} [${shape}]); svd imports classifiers whose output is [batch, classes]`, { file }, 2);
  if (!layers.some((l) => l.params.length > 0)) throw new SvdError('E_IMPORT', 'the graph has no layer with weights to start from', { file }, 2);
  return { file, format: 'onnx', inputShape, normalize, layers, notes };
}

/** 'valid' or 'same' (tfjs's) for the explicit pads or auto_pad of `node`; other paddings are refused. */
function paddingOf(node: OnnxNodeProto, shape: number[], size: [number, number], strides: [number, number], unsupported: (n: OnnxNodeProto, why: string) => SvdError): 'valid' | 'same' {
  const auto = node.attribute?.find((a) => a.name === 'auto_pad')?.s;
  const autoPad = auto ? Buffer.from(auto).toString('utf8') : 'NOTSET';
  if (autoPad === 'VALID') return 'valid';
  if (autoPad === 'SAME_UPPER') return 'same';
  if (autoPad !== 'NOTSET') throw unsupported(node, `auto_pad ${autoPad} (svd pads as SAME_UPPER or not at all)`);
  const pads = ints(node, 'pads') ?? [0, 0, 0, 0];
  if (pads.every((p) => p === 0)) return 'valid';
  const same = onnxPads(shape, { size, strides, padding: 'same' });
  if (pads.join() === same.join()) return 'same';
  throw unsupported(node, `pads [${pads}] are neither none nor tfjs's 'same' [${same}] for this input`);
}

function attr(node: OnnxNodeProto, name: string): Attr | undefined {
  return node.attribute?.find((a) => a.name === name);
}
function int(node: OnnxNodeProto, name: string): number | undefined {
  return attr(node, name)?.i;
}
function float(node: OnnxNodeProto, name: string): number | undefined {
  return attr(node, name)?.f;
}
function ints(node: OnnxNodeProto, name: string): number[] | undefined {
  return attr(node, name)?.ints;
}
function pair(values: number[]): [number, number] {
  return [values[0] ?? 1, values[1] ?? values[0] ?? 1];
}

/** [rows, cols] row-major -> [cols, rows]. */
function transpose2d(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

/** A dense kernel [c*h*w, n] whose rows follow NCHW order, reordered to tfjs's NHWC order. */
function nhwcRows(kernel: Float32Array, [c, h, w]: number[], n: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const from = (ch * h + y) * w + x;
    const to = (y * w + x) * c + ch;
    out.set(kernel.subarray(from * n, (from + 1) * n), to * n);
  }
  return out;
}

/** ONNX conv filters [out, in, kh, kw] in tfjs's layout [kh, kw, in, out]. */
function oihwToHwio(values: Float32Array, [o, i, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    out[((y * kw + x) * i + b) * o + a] = values[((a * i + b) * kh + y) * kw + x];
  }
  return out;
}
