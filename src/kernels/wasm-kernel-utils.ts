/**
 * Helpers for the kernels we add to, or put in place of, the tfjs wasm backend's own:
 * calling a registered wasm kernel directly, and replacing a stock kernel while keeping
 * it (and its setup hook) for the cases ours leaves to it.
 */
// The stock wasm kernels must be registered before any module here replaces one; a later
// first import of the package would otherwise re-register them over ours.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type { BackendWasm };
export type TensorInfo = tf.TensorInfo;

/** Arguments of a wasm kernel function, with typed inputs and attributes. */
export interface WasmKernelArgs<Inputs, Attrs> {
  inputs: Inputs;
  backend: BackendWasm;
  attrs: Attrs;
}

/** Calls the kernel currently registered for `name` on 'wasm'; its output is the caller's to dispose. */
export function runWasmKernel(name: string, backend: BackendWasm, inputs: tf.NamedTensorInfoMap, attrs: object = {}): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm kernel '${name}' is not registered`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as TensorInfo;
}

/** A new tensor with x's axes permuted. */
export function transpose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return runWasmKernel('Transpose', backend, { x }, { perm });
}

/** Our replacements, by kernel name, so that replacing twice is a no-op. */
const replacements = new Map<string, tf.KernelConfig>();

/**
 * Registers a wasm kernel in place of the stock one. `makeKernelFunc` receives the stock
 * kernel function (for fallbacks); the stock setup/dispose hooks are kept, since the
 * stock function needs its setup. Safe to call repeatedly.
 */
export function replaceWasmKernel(name: string, makeKernelFunc: (stock: tf.KernelFunc) => tf.KernelFunc): void {
  const current = tf.getKernel(name, 'wasm');
  if (current !== undefined && current === replacements.get(name)) return;
  if (current === undefined) throw new Error(`no stock wasm kernel '${name}' to replace`);
  const replacement: tf.KernelConfig = { ...current, kernelFunc: makeKernelFunc(current.kernelFunc) };
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel(replacement);
  replacements.set(name, replacement);
}
