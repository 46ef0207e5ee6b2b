/**
 * The LRT noise kernel (DEVICE_NORMAL_KERNEL) for the wasm backend: the same generator and stream
 * as the CPU path of src/svd/normal-noise.ts (xoshiro128** and the ziggurat, so the values are
 * bit for bit those of every other CPU backend), written straight into a tensor on the wasm heap
 * instead of a fresh Float32Array that tf.tensor then copies there. The VGG-like at k = 0.25 draws
 * 6.9 million normals a step: 27 MB allocated, copied and collected per step without this.
 */
import * as tf from '@tensorflow/tfjs';
import './wasm-kernel-utils.js'; // the stock wasm kernels are registered first
import type { BackendWasm } from './wasm-kernel-utils.js';
import { DEVICE_NORMAL_KERNEL, fillStandardNormal } from '../svd/normal-noise.js';

/** Registers the kernel for 'wasm' unless one already is; safe to call repeatedly. */
export function registerWasmNormal(): void {
  if (tf.getKernel(DEVICE_NORMAL_KERNEL, 'wasm') !== undefined) return;
  tf.registerKernel({
    kernelName: DEVICE_NORMAL_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ backend, attrs }) => {
      const { shape, seed } = attrs as unknown as { shape: number[]; seed: number };
      const wasm = backend as unknown as BackendWasm;
      const out = wasm.makeOutput(shape, 'float32');
      fillStandardNormal(wasm.typedArrayFromHeap(out) as Float32Array, seed);
      return out;
    },
  });
}

registerWasmNormal();
