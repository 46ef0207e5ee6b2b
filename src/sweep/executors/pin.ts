/**
 * How a job is pinned to what it may use: the environment its backend's entry asks for
 * (src/backends/: CUDA_VISIBLE_DEVICES for a device, SVD_WASM_THREADS for its cores), every
 * `auto` backend's for `auto`. Shared by the executors.
 */
import { candidateBackends } from '../../backends/select.js';

/** The environment of a job of `backend` holding `device` (null: none, or one the scheduler set) with `cpus` cores. */
export function pinEnv(backend: string, device: string | null, cpus: number): Record<string, string> {
  return Object.assign({}, ...candidateBackends(backend).map(([, e]) => e.pinJob(device, cpus))) as Record<string, string>;
}
