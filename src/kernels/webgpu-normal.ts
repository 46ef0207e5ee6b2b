/**
 * Standard normal noise drawn on the GPU for the webgpu backend: a WGSL kernel with the
 * counter-based Philox4x32-10 generator (Salmon et al., SC 2011) and the Box-Muller transform.
 * Value i is the cosine (even i) or the sine (odd i) branch of Box-Muller on the first two words of
 * Philox block i / 2 under the key (seed, KEY_HIGH), so a draw is fixed by its seed and its size:
 * the LRT noise stays reproducible, and resumable from a checkpoint (its seeds come from the run's
 * noise stream, which checkpoints keep), with no host-to-device upload per step. Registered as
 * the tfjs kernel SvdStandardNormal for webgpu (normal-noise.ts uses it where it is registered).
 */
import * as tf from '@tensorflow/tfjs';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { DEVICE_NORMAL_KERNEL } from '../svd/normal-noise.js';
/** The high word of every Philox key (the low word is the draw's seed). */
export const KEY_HIGH = 0x853c49e6;

/** Philox4x32-10 and Box-Muller, one value per invocation. */
class PhiloxNormalProgram implements WebGPUProgram {
  variableNames: string[] = [];
  outputShape: number[];
  shaderKey = 'svdPhiloxNormal';
  uniforms = 'key0 : u32, key1 : u32,';
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];

  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatchLayout = webgpu_util.flatDispatchLayout(this.outputShape);
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
  }

  getUserCode(): string {
    return `
      fn mulhilo(a : u32, b : u32) -> vec2<u32> {
        let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;
        let ll = al * bl; let hl = ah * bl; let lh = al * bh; let hh = ah * bh;
        let mid = (ll >> 16u) + (hl & 0xffffu) + (lh & 0xffffu);
        let hi = hh + (hl >> 16u) + (lh >> 16u) + (mid >> 16u);
        let lo = (mid << 16u) | (ll & 0xffffu);
        return vec2<u32>(hi, lo);
      }
      fn philox(counter : vec4<u32>, key : vec2<u32>) -> vec4<u32> {
        var c = counter;
        var k = key;
        for (var round = 0; round < 10; round++) {
          let p0 = mulhilo(0xD2511F53u, c.x);
          let p1 = mulhilo(0xCD9E8D57u, c.z);
          c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
          k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
        }
        return c;
      }
      fn main(index : i32) {
        if (index < uniforms.size) {
          let bits = philox(vec4<u32>(u32(index) >> 1u, 0u, 0u, 0u), vec2<u32>(uniforms.key0, uniforms.key1));
          let u1 = (f32(bits.x >> 8u) + 0.5) / 16777216.0;
          let u2 = (f32(bits.y >> 8u) + 0.5) / 16777216.0;
          let r = sqrt(-2.0 * log(u1));
          let angle = 6.283185307179586 * u2;
          var value = r * cos(angle);
          if ((index & 1) == 1) { value = r * sin(angle); }
          setOutputAtIndex(index, value);
        }
      }
    `;
  }
}

tf.registerKernel({
  kernelName: DEVICE_NORMAL_KERNEL,
  backendName: 'webgpu',
  kernelFunc: ({ backend, attrs }) => {
    const { shape, seed } = attrs as unknown as { shape: number[]; seed: number };
    const program = new PhiloxNormalProgram([...shape]);
    return (backend as WebGPUBackend).runWebGPUProgram(program, [], 'float32', [{ type: 'uint32', data: [seed >>> 0] }, { type: 'uint32', data: [KEY_HIGH] }]);
  },
});
