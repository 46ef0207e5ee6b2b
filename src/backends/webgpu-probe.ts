/**
 * Which WebGPU adapter this machine has, asked in a short child process (webgpu-probe-child.ts)
 * before `backend: auto` loads Dawn here: Dawn prints warnings of its own on some adapters
 * (lavapipe's "maxDynamic...BuffersPerPipelineLayout artificially reduced"), straight to the
 * process's stderr, and a run that `auto` then leaves on wasm should not show them. The child's
 * stderr is discarded; only a hardware adapter makes `auto` load Dawn in this process.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AdapterInfo } from './webgpu-adapter.js';

/** What the probe found: the adapter (null: none), or why it could not tell. */
export type ProbeResult = { ok: true; adapter: AdapterInfo | null } | { ok: false; why: string };

const CHILD = fileURLToPath(new URL('./webgpu-probe-child.js', import.meta.url));
const TIMEOUT_MS = 30_000;

/** What each adapter name was found to be in this process (the machine does not change while it runs). */
const probed = new Map<string | null, ProbeResult>();

/** Probes the adapter `adapterName` (SVD_WEBGPU_ADAPTER; null: Dawn's choice) in a child process, once per process. */
export function probeAdapter(adapterName: string | null): ProbeResult {
  let result = probed.get(adapterName);
  if (!result) {
    result = probeOnce(adapterName);
    probed.set(adapterName, result);
  }
  return result;
}

function probeOnce(adapterName: string | null): ProbeResult {
  const env = { ...process.env, ...(adapterName ? { SVD_WEBGPU_ADAPTER: adapterName } : {}) };
  const r = spawnSync(process.execPath, [CHILD], { env, encoding: 'utf8', timeout: TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.error) return { ok: false, why: `the adapter probe did not run: ${r.error.message}` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    if (r.status === 0) return { ok: true, adapter: JSON.parse(line) as AdapterInfo | null };
  } catch {
    // fall through: not the probe's answer
  }
  return { ok: false, why: `the adapter probe ended with ${r.signal ?? `exit code ${r.status}`}` };
}
