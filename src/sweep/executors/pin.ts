/**
 * How a job is pinned to what it may use: the environment its backend's entry asks for
 * (src/backends/: CUDA_VISIBLE_DEVICES for a device, SVD_WASM_THREADS for its cores), every
 * `auto` backend's for `auto`. Shared by the executors.
 */
import { BACKENDS } from '../../backends/registry.js';

/** The environment of a job of `backend` holding `device` (null: none, or one the scheduler set) with `cpus` cores. */
export function pinEnv(backend: string, device: string | null, cpus: number): Record<string, string> {
  const entries = backend === 'auto' ? BACKENDS.list().filter(([, e]) => e.auto).map(([, e]) => e) : BACKENDS.has(backend) ? [BACKENDS.get(backend)] : [];
  return Object.assign({}, ...entries.map((e) => e.pinJob(device, cpus))) as Record<string, string>;
}
