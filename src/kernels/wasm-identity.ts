/**
 * `Identity` and same-dtype `Cast` for the tfjs wasm backend that share the input's memory
 * (reference-counted, as the cpu backend and the wasm `Reshape` do) instead of copying it.
 * tfjs-core clones every tensor it saves for a gradient (Identity), and `mul`'s gradient casts
 * float32 to float32: on the wasm backend each was a full copy. A LeNet-5 training step made 30
 * such copies of weight- and activation-sized tensors (about 6 ms of a 240 ms step here).
 * Sharing is safe because wasm kernels write only into the outputs they allocate.
 */
import { replaceWasmKernel, type BackendWasm, type TensorInfo, type WasmKernelArgs } from './wasm-kernel-utils.js';

type IdentityArgs = WasmKernelArgs<{ x: TensorInfo }, { dtype?: string }>;

/** The same data under a new reference; the engine disposes each reference separately. */
function share(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Puts the sharing Identity and Cast in front of the stock kernels; safe to call repeatedly. */
export function registerWasmIdentity(): void {
  replaceWasmKernel('Identity', (stock) => (args) => {
    const { inputs: { x }, backend } = args as unknown as IdentityArgs;
    return x.dtype === 'string' ? stock(args) : share(backend, x);
  });
  replaceWasmKernel('Cast', (stock) => (args) => {
    const { inputs: { x }, attrs: { dtype }, backend } = args as unknown as IdentityArgs;
    return x.dtype === dtype && dtype !== 'string' ? share(backend, x) : stock(args);
  });
}

registerWasmIdentity();
