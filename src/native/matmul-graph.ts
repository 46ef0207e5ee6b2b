/**
 * One matrix product C = op(A) op(B) (op: identity or transpose) as an ONNX Gemm graph, for
 * onnxruntime's CPU kernels (MLAS): A [m, k] (or [k, m] transposed), B [k, n] (or [n, k]).
 */
import { ATTR, ONNX_FLOAT, ONNX_IR_VERSION, ONNX_OPSET, encodeOnnxModel } from '../formats/onnx-proto.js';

/** The product's sizes and transposes. */
export interface MatMulGeometry {
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
}

/** Input and output names and (2-D) shapes of the graph. */
export function matMulSignature(g: MatMulGeometry): { inputs: Array<[string, number[]]>; output: [string, number[]] } {
  return { inputs: [['a', g.transposeA ? [g.k, g.m] : [g.m, g.k]], ['b', g.transposeB ? [g.n, g.k] : [g.k, g.n]]], output: ['c', [g.m, g.n]] };
}

const valueInfo = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });

/** The ONNX model bytes of the product. */
export function matMulGraphBytes(g: MatMulGeometry): Uint8Array {
  const { inputs, output } = matMulSignature(g);
  return encodeOnnxModel({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'svd',
    graph: {
      name: 'matmul',
      node: [{ opType: 'Gemm', input: ['a', 'b'], output: ['c'], attribute: [{ name: 'transA', type: ATTR.INT, i: g.transposeA ? 1 : 0 }, { name: 'transB', type: ATTR.INT, i: g.transposeB ? 1 : 0 }] }],
      input: inputs.map(([n, d]) => valueInfo(n, d)),
      output: [valueInfo(...output)],
    },
  });
}
