/**
 * The child process of webgpu-probe.ts: creates a Dawn instance, asks for the adapter `auto`
 * would get (SVD_WEBGPU_ADAPTER and SVD_WEBGPU_DEVICE as in the parent) and prints what it is as
 * one JSON line, `null` when there is none, or `{"error": ...}` when the pinned adapter cannot be
 * had. Dawn's own warnings (lavapipe's limits, for one) go to this process's stderr, which the
 * parent discards.
 */
import { describeAdapter, type GpuAdapterLike } from './webgpu-adapter.js';
import { importByName, runtimeFromEnv } from './backend.js';
import { chooseAdapter } from './webgpu-device.js';

const dawn = (await importByName('webgpu')) as { create(flags: string[]): { requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null> } };
const runtime = runtimeFromEnv();
const choice = await chooseAdapter((flags) => dawn.create(flags), runtime.gpuAdapter, runtime.gpuDevice);
if (choice.ok) {
  const adapter = await dawn.create(choice.flags).requestAdapter({ powerPreference: 'high-performance' });
  process.stdout.write(`${JSON.stringify(adapter ? describeAdapter(adapter) : null)}\n`);
} else {
  process.stdout.write(`${JSON.stringify({ error: choice.why })}\n`);
}
process.exit(0);
