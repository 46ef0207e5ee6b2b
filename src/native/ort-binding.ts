/**
 * onnxruntime-node's native session, used synchronously. The package's public API runs a session
 * only asynchronously (a Promise around the binding's synchronous `run`, in setImmediate), and a
 * tfjs kernel must return its output at once; so svd calls the binding that API wraps
 * (`onnxruntime-node/dist/binding.js`, the same `InferenceSession` class), with the package's own
 * `Tensor`. Inputs are read where they lie and outputs written into the buffers given (a view of
 * the wasm heap: no copy either way); buffers must be plain ArrayBuffers (the binding refuses
 * SharedArrayBuffers). Loaded once per thread; null when the package or its binary for this
 * platform is missing or its layout is not what this module expects.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A tensor as the binding takes it: the package's Tensor (float32 data over any ArrayBuffer). */
export type OrtTensor = object;

/** The binding's session (onnxruntime-node 1.x, binding `InferenceSession`). */
export interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  /** Runs the graph: `outputs` names map to preallocated tensors the results are written into. */
  run(inputs: Record<string, OrtTensor>, outputs: Record<string, OrtTensor>, options: object): unknown;
  dispose(): void;
}

/** What this module needs of onnxruntime-node. */
export interface OrtNative {
  /** A new, empty native session. */
  session(): NativeSession;
  /** A float32 tensor over `data` (not copied). */
  tensor(data: Float32Array, dims: readonly number[]): OrtTensor;
  version: string;
}

let loaded: OrtNative | null | undefined;
let whyNot = '';

/** onnxruntime-node's native session API, loaded on first use; null when it cannot be (`ortUnavailableReason` says why). */
export function ortNative(): OrtNative | null {
  if (loaded !== undefined) return loaded;
  try {
    const { binding, initOrt } = require('onnxruntime-node/dist/binding.js') as {
      binding: { InferenceSession: new () => NativeSession };
      initOrt: () => void;
    };
    const { Tensor } = require('onnxruntime-node') as { Tensor: new (type: string, data: Float32Array, dims: readonly number[]) => OrtTensor };
    const { version } = require('onnxruntime-node/package.json') as { version: string };
    if (typeof binding?.InferenceSession !== 'function' || typeof initOrt !== 'function' || typeof Tensor !== 'function') {
      throw new Error('its native binding does not have the expected InferenceSession');
    }
    initOrt();
    loaded = { session: () => new binding.InferenceSession(), tensor: (data, dims) => new Tensor('float32', data, dims), version };
  } catch (err) {
    whyNot = `onnxruntime-node: ${(err as Error).message.split('\n')[0]}`;
    loaded = null;
  }
  return loaded;
}

/** Why ortNative() returned null ('' before it was tried or when it loaded). */
export function ortUnavailableReason(): string {
  return whyNot;
}
