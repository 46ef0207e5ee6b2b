/**
 * One 2-D convolution, or one of its two gradients, as a small ONNX graph on NHWC tensors (tfjs's
 * layout), for onnxruntime's CPU kernels (MLAS). Each graph transposes its inputs to ONNX's NCHW
 * and back inside onnxruntime, whose optimizer folds those transposes into its own blocked layout.
 * - forward:  y = Conv(x, W)                                        x [n,h,w,c], W [kh,kw,c,f]
 * - dx:       dx = ConvTranspose(dy, W), pads and output padding giving back [h, w]
 * - dW:       dW[kh,kw,c,f] = sum over n, oh, ow of x[n, oh*sh+kh-top, ow*sw+kw-left, c] dy[n,oh,ow,f],
 *             a Conv of x seen as [c, n, h, w] (batch c, channels n) with dy seen as filters
 *             [f, n, oh, ow], dilated by the forward strides, cropped to [kh, kw].
 */
import { ATTR, ONNX_FLOAT, ONNX_INT64, ONNX_IR_VERSION, ONNX_OPSET, encodeOnnxModel } from '../formats/onnx-proto.js';

/** The geometry of a convolution, as tfjs's computeConv2DInfo gives it (NHWC, dilation 1). */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padInfo: { top: number; bottom: number; left: number; right: number };
}

/** The three graphs. */
export type ConvGraphKind = 'forward' | 'dx' | 'dW';

type Node = { opType: string; input: string[]; output: string[]; attribute?: object[] };

const ints = (name: string, values: number[]) => ({ name, type: ATTR.INTS, ints: values });
const transpose = (input: string, output: string, perm: number[]): Node => ({ opType: 'Transpose', input: [input], output: [output], attribute: [ints('perm', perm)] });
const valueInfo = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
const int64s = (name: string, values: number[]) => ({ name, dataType: ONNX_INT64, dims: [values.length], int64Data: values });

/** NHWC -> NCHW, HWIO -> OIHW, NCHW -> NHWC, and a tensor's first axis swapped behind the others. */
const TO_NCHW = [0, 3, 1, 2];
const HWIO_TO_OIHW = [3, 2, 0, 1];
const TO_NHWC = [0, 2, 3, 1];
const LAST_FIRST = [3, 0, 1, 2];

/** Input and output names and shapes of graph `kind` for geometry `g`. */
export function convGraphSignature(kind: ConvGraphKind, g: ConvGeometry): { inputs: Array<[string, number[]]>; output: [string, number[]] } {
  const x: number[] = [g.batch, g.inHeight, g.inWidth, g.inChannels];
  const w: number[] = [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels];
  const dy: number[] = [g.batch, g.outHeight, g.outWidth, g.outChannels];
  if (kind === 'forward') return { inputs: [['x', x], ['w', w]], output: ['y', dy] };
  if (kind === 'dx') return { inputs: [['dy', dy], ['w', w]], output: ['dx', x] };
  return { inputs: [['x', x], ['dy', dy]], output: ['dw', w] };
}

/** The nodes (and integer constants) of graph `kind`. */
function nodesOf(kind: ConvGraphKind, g: ConvGeometry): { nodes: Node[]; constants: object[] } {
  const { top, bottom, left, right } = g.padInfo;
  const strides = [g.strideHeight, g.strideWidth];
  const kernel = [g.filterHeight, g.filterWidth];
  if (kind === 'forward') {
    return {
      nodes: [
        transpose('x', 'xc', TO_NCHW), transpose('w', 'wc', HWIO_TO_OIHW),
        { opType: 'Conv', input: ['xc', 'wc'], output: ['yc'], attribute: [ints('kernel_shape', kernel), ints('strides', strides), ints('pads', [top, left, bottom, right])] },
        transpose('yc', 'y', TO_NHWC),
      ],
      constants: [],
    };
  }
  if (kind === 'dx') {
    // out = s (o - 1) + k - begin - end + outputPadding must give back the input's size
    const end = (s: number, o: number, k: number, begin: number, size: number) => s * (o - 1) + k - begin - size;
    const endH = end(g.strideHeight, g.outHeight, g.filterHeight, top, g.inHeight);
    const endW = end(g.strideWidth, g.outWidth, g.filterWidth, left, g.inWidth);
    const extra = [Math.max(0, -endH), Math.max(0, -endW)];
    return {
      nodes: [
        transpose('dy', 'dyc', TO_NCHW), transpose('w', 'wc', HWIO_TO_OIHW),
        { opType: 'ConvTranspose', input: ['dyc', 'wc'], output: ['dxc'], attribute: [ints('kernel_shape', kernel), ints('strides', strides), ints('pads', [top, left, endH + extra[0], endW + extra[1]]), ints('output_padding', extra)] },
        transpose('dxc', 'dx', TO_NHWC),
      ],
      constants: [],
    };
  }
  // dW: pad bottom/right only as far as the last filter tap reaches; taps past the filter are cropped
  const reach = (o: number, s: number, k: number, size: number, begin: number) => Math.max(0, (o - 1) * s + k - size - begin);
  const padBottom = reach(g.outHeight, g.strideHeight, g.filterHeight, g.inHeight, top);
  const padRight = reach(g.outWidth, g.strideWidth, g.filterWidth, g.inWidth, left);
  const fullH = g.inHeight + top + padBottom - (g.outHeight - 1) * g.strideHeight;
  const fullW = g.inWidth + left + padRight - (g.outWidth - 1) * g.strideWidth;
  const crop = fullH !== g.filterHeight || fullW !== g.filterWidth;
  const nodes: Node[] = [
    transpose('x', 'xt', LAST_FIRST), transpose('dy', 'dyt', LAST_FIRST),
    { opType: 'Conv', input: ['xt', 'dyt'], output: ['full'], attribute: [ints('kernel_shape', [g.outHeight, g.outWidth]), ints('dilations', strides), ints('pads', [top, left, padBottom, padRight])] },
  ];
  if (crop) nodes.push({ opType: 'Slice', input: ['full', 'starts', 'ends', 'axes'], output: ['cropped'] });
  nodes.push(transpose(crop ? 'cropped' : 'full', 'dw', [2, 3, 0, 1]));
  return { nodes, constants: crop ? [int64s('starts', [0, 0]), int64s('ends', kernel), int64s('axes', [2, 3])] : [] };
}

/** The ONNX model bytes of graph `kind` for geometry `g`. */
export function convGraphBytes(kind: ConvGraphKind, g: ConvGeometry): Uint8Array {
  const { inputs, output } = convGraphSignature(kind, g);
  const { nodes, constants } = nodesOf(kind, g);
  return encodeOnnxModel({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'svd',
    graph: { name: `conv-${kind}`, node: nodes, initializer: constants, input: inputs.map(([n, d]) => valueInfo(n, d)), output: [valueInfo(...output)] },
  });
}
