/**
 * Everything we add to or change in the tfjs wasm backend (4.22); importing this module
 * registers it all. See each module's header for why and for its timings.
 */
import './wasm-conv2d-backprop-filter.js';
import './wasm-max-pool-grad.js';
import './wasm-conv2d-backprop-input.js';
import './wasm-batch-mat-mul.js';
import './wasm-identity.js';
import './wasm-gather.js';
import './wasm-normal.js';
import './wasm-native.js'; // after the kernels it puts itself in front of
import './wasm-heap-guard.js'; // not a kernel: a failed heap allocation throws instead of corrupting the heap

/** The wasm kernels we register, with what we did to each, for logs and run metadata. */
export const WASM_KERNEL_PATCHES: Readonly<Record<string, 'added' | 'fixed' | 'faster'>> = {
  Conv2DBackpropFilter: 'added', // missing in 4.22
  MaxPoolGrad: 'fixed', // stock one mishandles windows with no value above FLT_MIN
  Conv2DBackpropInput: 'faster', // XNNPACK full convolution or product + col2im, stock for NCHW
  BatchMatMul: 'faster', // XNNPACK for transposed unbatched products, stock otherwise
  Identity: 'faster', // shares the input's memory instead of copying it
  Cast: 'faster', // to the same dtype: shares the input's memory
  GatherV2: 'faster', // along axis 0: row copies instead of element by element
  SvdStandardNormal: 'added', // the LRT noise written straight into the heap
};
