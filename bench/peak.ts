/**
 * This machine's peak the way training reaches it: a large single-precision matrix product
 * through the active tfjs backend (on wasm, onnxruntime's native kernels on one thread where they
 * load, the path every large product and convolution of a step takes, else XNNPACK's SIMD
 * kernels; src/kernels/wasm-native.ts). The best of a few timed
 * products, in GFLOP/s; the benchmark divides each model's achieved rate by it.
 */
import * as tf from '@tensorflow/tfjs';

/** Side of the square matrices: large enough to run at full speed, small enough for any heap (3 x 4 MiB). */
const SIDE = 1024;

/** GFLOP/s of the best of `repeats` [SIDE, SIDE] x [SIDE, SIDE] products on the active backend, after one warm-up. */
export async function matMulPeakGflops(repeats = 5): Promise<number> {
  const a = tf.randomUniform([SIDE, SIDE]);
  const b = tf.randomUniform([SIDE, SIDE]);
  const once = async (): Promise<number> => {
    const began = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    const ms = performance.now() - began;
    c.dispose();
    return ms;
  };
  await once();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) best = Math.min(best, await once());
  a.dispose();
  b.dispose();
  return (2 * SIDE ** 3) / (best / 1000) / 1e9;
}
