/**
 * Turns an exhausted wasm heap into an error instead of memory corruption.
 *
 * The wasm heap is 32-bit: it grows up to 4 GiB - 64 KiB and no further. When it is full,
 * Emscripten's malloc returns 0 (NULL), and tfjs 4.22's BackendWasm.move does not check:
 * it registers the new tensor at address 0, and the kernel that asked for it writes its
 * output there, over the C/C++ static data and malloc's own state at the bottom of the
 * heap. The process then dies later and elsewhere: `memory access out of bounds` in
 * _malloc, `Aborted()` in registerTensor, `divide by zero`. (The full-width VGG-like
 * network at batch 100 needs more than 4 GiB for one training step and ended that way.)
 *
 * Here every wasm backend's JS-side malloc (tensor allocation: BackendWasm.move, which
 * makeOutput and write go through) throws a clear error when it gets NULL, before anything
 * is registered or written; the heap stays usable. Allocations inside the C++ kernels and
 * XNNPACK are not covered. Importing this module installs the guard; safe to repeat.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** What of the Emscripten module the guard uses. */
interface WasmModule {
  _malloc(bytes: number): number;
  HEAPU8: Uint8Array;
}

/** Marks a malloc wrapper of ours, so that it is installed once per module. */
const GUARDED = Symbol('svd.guardedMalloc');

type Malloc = ((bytes: number) => number) & { [GUARDED]?: true };

/** Bytes as MiB, for messages. */
function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** Error for a failed wasm heap allocation. */
export class WasmHeapExhaustedError extends Error {
  constructor(readonly bytes: number, readonly heapBytes: number) {
    super(`wasm heap exhausted: could not allocate ${bytes} bytes (${mib(bytes)}); the heap is at ${mib(heapBytes)} ` +
      'and a 32-bit wasm heap cannot grow past 4096 MiB. Use a smaller batch or model (model.width), or the tensorflow backend.');
    this.name = 'WasmHeapExhaustedError';
  }
}

/**
 * Wraps the module's `_malloc` with a NULL check, unless it already is wrapped. Emscripten's
 * `_malloc` starts as a stub that replaces itself with the raw export on its first call, so
 * this is re-checked before every allocation and wraps whatever is there then.
 */
export function guardMalloc(wasm: WasmModule): void {
  const current = wasm._malloc as Malloc;
  if (current[GUARDED]) return;
  const guarded: Malloc = (bytes: number) => {
    const pointer = current.call(wasm, bytes);
    if (pointer >>> 0 === 0) throw new WasmHeapExhaustedError(bytes, wasm.HEAPU8.length);
    return pointer;
  };
  guarded[GUARDED] = true;
  wasm._malloc = guarded;
}

type Move = (this: BackendWasm, dataId: object, values: unknown, shape: number[], dtype: tf.DataType, refCount: number) => void;
const proto = BackendWasm.prototype as unknown as { move: Move & { [GUARDED]?: true } };

/** Puts the NULL check in front of every wasm backend's tensor allocation; safe to call repeatedly. */
export function installWasmHeapGuard(): void {
  if (proto.move[GUARDED]) return;
  const move = proto.move;
  const guardedMove: Move & { [GUARDED]?: true } = function (this: BackendWasm, dataId, values, shape, dtype, refCount) {
    guardMalloc((this as unknown as { wasm: WasmModule }).wasm);
    return move.call(this, dataId, values, shape, dtype, refCount);
  };
  guardedMove[GUARDED] = true;
  proto.move = guardedMove;
}

installWasmHeapGuard();
