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

/** What each adapter name and index was found to be in this process (the machine does not change while it runs). */
const probed = new Map<string, ProbeResult>();

/**
 * Probes the adapter `adapterName` (SVD_WEBGPU_ADAPTER; null: Dawn's choice), or adapter `device`
 * of Dawn's list (SVD_WEBGPU_DEVICE; null: not pinned), in a child process, once per process.
 */
export function probeAdapter(adapterName: string | null, device: string | null = null): ProbeResult {
  const key = `${adapterName ?? ''}\u0000${device ?? ''}`;
  let result = probed.get(key);
  if (!result) {
    result = probeOnce(adapterName, device);
    probed.set(key, result);
  }
  return result;
}

function probeOnce(adapterName: string | null, device: string | null): ProbeResult {
  const env: NodeJS.ProcessEnv = { ...process.env, SVD_WEBGPU_ADAPTER: adapterName ?? '', SVD_WEBGPU_DEVICE: device ?? '' };
  const r = spawnSync(process.execPath, [CHILD], { env, encoding: 'utf8', timeout: TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.error) return { ok: false, why: `the adapter probe did not run: ${r.error.message}` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const answer = r.status === 0 ? (JSON.parse(line) as AdapterInfo | { error: string } | null) : undefined;
    if (answer && 'error' in answer) return { ok: false, why: answer.error };
    if (answer !== undefined) return { ok: true, adapter: answer };
  } catch {
    // fall through: not the probe's answer
  }
  return { ok: false, why: `the adapter probe ended with ${r.signal ?? `exit code ${r.status}`}` };
}
