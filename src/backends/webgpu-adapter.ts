/**
 * The WebGPU adapter as svd sees it: what env.json and the log record of it (vendor,
 * architecture, device, description), whether it is a software one (Mesa's llvmpipe, i.e.
 * lavapipe, SwiftShader, Dawn's null backend: `auto` never takes those), and the Dawn flags that
 * choose it. Dawn's Node bindings take the first adapter of the platform's default backend
 * (Vulkan on Linux) whose device name contains the `adapter=` flag's text; svd sets that flag
 * from SVD_WEBGPU_ADAPTER.
 */

/** Environment variable naming the adapter to use (a part of its device name, as Dawn lists them). */
export const ADAPTER_ENV = 'SVD_WEBGPU_ADAPTER';

/** What env.json's `backend.adapter` holds. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software rasteriser (lavapipe, SwiftShader), not a GPU. */
  software: boolean;
  /** Its index in Dawn's list of adapters, when the process is pinned to one (SVD_WEBGPU_DEVICE, webgpu-device.ts). */
  index?: number;
}

/** The part of a GPUAdapter this module reads. */
export interface GpuAdapterLike {
  info: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
}

/** Device names of the software adapters Dawn may find. */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|null-backend/i;

/** The adapter's description for env.json and the log. */
export function describeAdapter(adapter: GpuAdapterLike): AdapterInfo {
  const { vendor = '', architecture = '', device = '', description = '', isFallbackAdapter = false } = adapter.info;
  const software = isFallbackAdapter || architecture === 'software' || SOFTWARE_NAMES.test(`${device} ${description}`);
  return { vendor, architecture, device, description, software };
}

/** Whether `info` is a software adapter (`auto` skips those). */
export function isSoftwareAdapter(info: AdapterInfo): boolean {
  return info.software;
}

/** Dawn's create() flags for the adapter named by SVD_WEBGPU_ADAPTER (none: Dawn's first). */
export function adapterFlags(adapter: string | null): string[] {
  return adapter ? [`adapter=${adapter}`] : [];
}
