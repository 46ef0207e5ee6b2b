/**
 * `webgpu`: @tensorflow/tfjs-backend-webgpu on Dawn's Node bindings (the optional `webgpu`
 * package, which ships a prebuilt dawn.node per platform): Vulkan on Linux, Metal on macOS, D3D12
 * on Windows. `auto` takes it only on a hardware adapter; a software one (Mesa's llvmpipe, i.e.
 * lavapipe, or SwiftShader: correct, but slower than wasm) only when asked for by name.
 * Reads on webgpu are asynchronous (dataSync needs OffscreenCanvas, which Node lacks).
 * SVD_WEBGPU_ADAPTER chooses among several adapters by device name (webgpu-adapter.ts); a sweep
 * job is pinned to the n-th adapter of Dawn's list with SVD_WEBGPU_DEVICE (webgpu-device.ts).
 */
import { createRequire } from 'node:module';
import { activateTfBackend, describeImportError, importByName, packageVersion, type BackendEntry } from './backend.js';
import { ADAPTER_ENV, describeAdapter, isSoftwareAdapter, type AdapterInfo, type GpuAdapterLike } from './webgpu-adapter.js';
import { DEVICE_ENV, chooseAdapter } from './webgpu-device.js';
import { probeAdapter } from './webgpu-probe.js';

const require = createRequire(import.meta.url);
const DAWN_PACKAGE = 'webgpu';
const TFJS_PACKAGE = '@tensorflow/tfjs-backend-webgpu';
/** What to install when there is no adapter at all. */
const NO_DRIVER = 'no WebGPU adapter: Dawn found no Vulkan driver (install your GPU\'s Vulkan driver, e.g. NVIDIA\'s, or Mesa\'s software one: apt-get install -t bookworm-backports mesa-vulkan-drivers)';

/** What the `webgpu` package exports. */
interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null> };
  globals: Record<string, unknown>;
}

/** What to do when the adapter a job is pinned to cannot be had. */
const PIN_ADVICE = `pin it to an adapter of that list (svd sweep --devices takes their indexes), or unset ${DEVICE_ENV}`;

/** The Dawn instance of this process, for the adapter name and index it was created with. */
let found: { key: string; gpu: unknown; info: AdapterInfo } | null = null;

/** Why `auto` passes over a software adapter. */
function softwareOnly(info: AdapterInfo): string {
  return `${DAWN_PACKAGE}: only a software adapter (${info.description || info.device}), slower than wasm; auto never takes one (ask for it with --backend webgpu)`;
}

/** `webgpu`. */
export const webgpu: BackendEntry = {
  description: 'WebGPU (@tensorflow/tfjs-backend-webgpu on Dawn, package webgpu): Vulkan, Metal or D3D12 GPUs',
  auto: true,
  // `svd sweep --devices` pins a job to adapter N of Dawn's list (SVD_WEBGPU_DEVICE, webgpu-device.ts).
  capabilities: { workers: false, devices: true, gpu: true },
  async activate(runtime, how) {
    let dawn: DawnModule;
    try {
      dawn = (await importByName(DAWN_PACKAGE)) as DawnModule;
    } catch (err) {
      return { ok: false, why: `${DAWN_PACKAGE}: ${describeImportError(DAWN_PACKAGE, err)}` };
    }
    // `auto` asks a child process first, so that a machine it leaves on wasm never shows Dawn's warnings (webgpu-probe.ts).
    if (!how.byName && !found) {
      const probe = probeAdapter(runtime.gpuAdapter, runtime.gpuDevice);
      if (!probe.ok) return { ok: false, why: `${DAWN_PACKAGE}: ${probe.why}` };
      if (probe.adapter === null) return { ok: false, why: `${DAWN_PACKAGE}: ${NO_DRIVER}` };
      if (isSoftwareAdapter(probe.adapter)) return { ok: false, why: softwareOnly(probe.adapter) };
    }
    const g = globalThis as unknown as Record<string, unknown> & { navigator?: { gpu?: unknown } };
    for (const [key, value] of Object.entries(dawn.globals)) if (!(key in g)) g[key] = value;
    // One Dawn instance per process: tfjs keeps the device of the first activation, and with an
    // instance made per activation, a test process switching backends aborted at exit
    // ("terminate called after throwing an instance of 'std::system_error'").
    const key = `${runtime.gpuAdapter ?? ''}\u0000${runtime.gpuDevice ?? ''}`;
    if (!found || found.key !== key) {
      // A job of `svd sweep --devices` is pinned to adapter SVD_WEBGPU_DEVICE of Dawn's list (webgpu-device.ts).
      const choice = await chooseAdapter((flags) => dawn.create(flags), runtime.gpuAdapter, runtime.gpuDevice);
      if (!choice.ok) return { ok: false, why: `${DAWN_PACKAGE}: ${choice.why}`, advice: PIN_ADVICE };
      let gpu: ReturnType<DawnModule['create']>;
      let adapter: GpuAdapterLike | null;
      try {
        gpu = dawn.create(choice.flags);
        adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      } catch (err) {
        // Dawn names the adapters it has when the pinned one is not among them.
        const pinned = runtime.gpuAdapter ? `${ADAPTER_ENV}=${runtime.gpuAdapter}: ` : '';
        return { ok: false, why: `${DAWN_PACKAGE}: ${pinned}${(err as Error).message.replace(/\s*\n\s*/g, ' ')}` };
      }
      if (adapter === null) return { ok: false, why: `${DAWN_PACKAGE}: ${NO_DRIVER}` };
      found = { key, gpu, info: { ...describeAdapter(adapter), ...(choice.index !== null && { index: choice.index }) } };
    }
    const { gpu, info } = found;
    if (isSoftwareAdapter(info) && !how.byName) {
      return { ok: false, why: softwareOnly(info) };
    }
    g.navigator ??= {};
    g.navigator.gpu = gpu;
    try {
      await import('@tensorflow/tfjs-backend-webgpu');
      await import('../kernels/webgpu-normal.js');
    } catch (err) {
      return { ok: false, why: `${TFJS_PACKAGE}: ${describeImportError(TFJS_PACKAGE, err)}` };
    }
    if (!(await activateTfBackend('webgpu'))) return { ok: false, why: `${TFJS_PACKAGE}: backend "webgpu" did not initialise on ${info.description || info.device}` };
    return { ok: true, info: { package: TFJS_PACKAGE, adapter: info } };
  },
  advice: `install the webgpu package (npm install webgpu) and a Vulkan driver for your GPU, or use --backend wasm`,
  versions: () => ({ 'tfjs-backend-webgpu': packageVersion(TFJS_PACKAGE, require), webgpu: packageVersion(DAWN_PACKAGE, require) }),
  defaultWorkers: () => 1,
  pinJob: (device): Record<string, string> => (device === null ? {} : { [DEVICE_ENV]: device }),
};
