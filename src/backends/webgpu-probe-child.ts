/**
 * The child process of webgpu-probe.ts: creates a Dawn instance, asks for the adapter `auto`
 * would get (SVD_WEBGPU_ADAPTER as in the parent) and prints what it is as one JSON line, or
 * `null` when there is none. Dawn's own warnings (lavapipe's limits, for one) go to this
 * process's stderr, which the parent discards.
 */
import { adapterFlags, describeAdapter, type GpuAdapterLike } from './webgpu-adapter.js';
import { importByName } from './backend.js';

const dawn = (await importByName('webgpu')) as { create(flags: string[]): { requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null> } };
const adapter = await dawn.create(adapterFlags(process.env.SVD_WEBGPU_ADAPTER || null)).requestAdapter({ powerPreference: 'high-performance' });
process.stdout.write(`${JSON.stringify(adapter ? describeAdapter(adapter) : null)}\n`);
process.exit(0);
