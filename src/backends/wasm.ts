/**
 * `wasm`: @tensorflow/tfjs-backend-wasm with our kernels for it (src/kernels/wasm-kernels.ts: the
 * Conv2DBackpropFilter that 4.22's wasm lacks, a fixed MaxPoolGrad, faster Conv2DBackpropInput,
 * transposed BatchMatMul and GatherV2), and its convolutions and large matrix products on
 * onnxruntime-node's native CPU kernels where that loads (src/kernels/wasm-native.ts, one
 * onnxruntime thread per backend thread). One backend thread per process by default; more than one
 * XNNPACK thread (RuntimeOptions.xnnpackThreads) starts the threaded-SIMD build
 * (src/kernels/wasm-threads.ts), which pays on large operators only and loses when the cores are
 * busy: training steps use the cores through worker threads instead (training.workers,
 * src/train/parallel-step.ts), one backend thread each, by default one per CPU core this process
 * has (SVD_WASM_THREADS, which `svd sweep` sets to each job's share).
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { activateTfBackend, describeImportError, packageVersion, type BackendEntry } from './backend.js';
import { ortNative, ortUnavailableReason } from '../native/ort-binding.js';
import { NATIVE_THREADS } from '../native/ort-sessions.js';

const require = createRequire(import.meta.url);
const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

/**
 * Turns the native kernels (src/kernels/wasm-native.ts) on where onnxruntime-node loads and the
 * heap is not shared (the threaded build's is), one onnxruntime thread per backend thread (the
 * cores are used by training.workers); says what runs them, or why nothing does.
 */
async function startNativeKernels(wanted: boolean, sharedHeap: boolean): Promise<string> {
  const why = !wanted ? 'SVD_NATIVE=0' : sharedHeap ? 'the threaded wasm build (SVD_XNNPACK_THREADS) shares its heap, which onnxruntime-node cannot read' : null;
  const ort = why ? null : ortNative();
  (await import('../kernels/wasm-native.js')).setNativeKernels(ort !== null);
  if (ort) return `onnxruntime-node ${ort.version}, ${NATIVE_THREADS} thread${NATIVE_THREADS === 1 ? '' : 's'}`;
  return `off: ${why ?? ortUnavailableReason()}`;
}

/** `wasm`. */
export const wasm: BackendEntry = {
  description: 'WebAssembly with SIMD (@tensorflow/tfjs-backend-wasm), on the CPU cores through worker threads',
  auto: true,
  capabilities: { workers: true, devices: false, heap: { bytes: 4 * 2 ** 30, what: 'a 32-bit WebAssembly heap' } },
  async activate(runtime) {
    let threaded: typeof import('../kernels/wasm-threads.js');
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      await import('../kernels/wasm-kernels.js');
      threaded = await import('../kernels/wasm-threads.js');
    } catch (err) {
      return { ok: false, why: `${WASM_PACKAGE}: ${describeImportError(WASM_PACKAGE, err)}` };
    }
    if (!threaded.wasmInitialised() && runtime.xnnpackThreads > 1) await threaded.initWasmThreaded(runtime.xnnpackThreads);
    if (!(await activateTfBackend('wasm'))) return { ok: false, why: `${WASM_PACKAGE}: backend "wasm" did not initialise` };
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    const native = await startNativeKernels(runtime.native, threads);
    return { ok: true, info: { package: WASM_PACKAGE, simd, threads, threadsCount: threaded.wasmThreadsCount(), native } };
  },
  advice: `reinstall ${WASM_PACKAGE}, or use --backend cpu`,
  versions: () => ({ 'tfjs-backend-wasm': packageVersion(WASM_PACKAGE, require), 'onnxruntime-node': packageVersion('onnxruntime-node', require) }),
  defaultWorkers: (cpus) => cpus,
  pinJob: (_device, cpus) => ({ SVD_WASM_THREADS: String(cpus) }),
};
