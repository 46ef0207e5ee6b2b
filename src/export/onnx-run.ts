/**
 * Running an ONNX model with onnxruntime-node (its CPU execution provider, inside the npm
 * package): the logits of a whole split, in batches, for `svd eval EXPORT_DIR` on an onnx
 * export. Nothing of svd runs in between: the bytes go to onnxruntime as they are in the file.
 * onnxruntime-node is loaded on first use, not with the CLI: commands that neither evaluate an
 * onnx export nor train on wasm (whose native kernels load it, src/native/ort-binding.ts) never
 * need its native library, and the GPU check's bundle leaves it out.
 */
import type * as Ort from 'onnxruntime-node';
import { SvdError } from '../errors.js';
import { ONNX_INPUT, ONNX_OUTPUT } from './onnx-graph.js';

/** Examples per onnxruntime call. */
const BATCH = 1000;

/** The logits [count, classes] of the model in `bytes` for the `count` examples of `x` (per example `inputShape`). */
export async function onnxLogits(bytes: Uint8Array, x: Float32Array, count: number, inputShape: number[], classes: number, file: string): Promise<Float32Array> {
  const ort: typeof Ort = await import('onnxruntime-node');
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  } catch (err) {
    throw new SvdError('E_EXPORT_FORMAT', `onnxruntime cannot load the model: ${(err as Error).message}`, { file });
  }
  try {
    if (!session.inputNames.includes(ONNX_INPUT) || !session.outputNames.includes(ONNX_OUTPUT)) {
      throw new SvdError('E_EXPORT_FORMAT', `an svd onnx export has input '${ONNX_INPUT}' and output '${ONNX_OUTPUT}'; this model has inputs ${JSON.stringify(session.inputNames)}, outputs ${JSON.stringify(session.outputNames)}`, { file });
    }
    const size = inputShape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(count * classes);
    for (let start = 0; start < count; start += BATCH) {
      const n = Math.min(BATCH, count - start);
      const input = new ort.Tensor('float32', x.subarray(start * size, (start + n) * size), [n, ...inputShape]);
      let result: Ort.InferenceSession.OnnxValueMapType;
      try {
        result = await session.run({ [ONNX_INPUT]: input });
      } catch (err) {
        throw new SvdError('E_EXPORT_FORMAT', `onnxruntime failed on the model: ${(err as Error).message}`, { file });
      }
      const logits = result[ONNX_OUTPUT];
      if (logits.type !== 'float32' || logits.dims.length !== 2 || logits.dims[0] !== n || logits.dims[1] !== classes) {
        throw new SvdError('E_EXPORT_FORMAT', `output '${ONNX_OUTPUT}' is ${logits.type} [${logits.dims}], expected float32 [${n}, ${classes}]`, { file });
      }
      out.set(logits.data as Float32Array, start * classes);
    }
    return out;
  } finally {
    await session.release();
  }
}
