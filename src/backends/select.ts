/**
 * Picks the TensorFlow.js backend: a registered one by name, or `auto`, the first of the
 * registry's `auto` entries that starts (tensorflow, then webgpu on a hardware adapter, then wasm, then cpu), with why the faster
 * ones were skipped. An explicit request that cannot be met is an E_BACKEND error (exit 2).
 */
import { SvdError } from '../errors.js';
import { runtimeFromEnv, type ActivateOptions, type BackendEntry, type BackendInfo, type BackendRequest, type RuntimeOptions } from './backend.js';
import { quietCpuNotice } from './cpu.js';
import { BACKENDS } from './registry.js';

export type { BackendInfo, BackendRequest } from './backend.js';

/** `auto` and every registered backend: what `backend:` and `--backend` accept. */
export function backendChoices(): string[] {
  return ['auto', ...BACKENDS.names()];
}

/** The backends a request may end up on, in the order `auto` tries them: every `auto` entry for `auto`, else the named one (none when it is unknown). */
export function candidateBackends(requested: string): Array<[string, BackendEntry]> {
  if (requested === 'auto') return BACKENDS.list().filter(([, e]) => e.auto);
  return BACKENDS.has(requested) ? [[requested, BACKENDS.get(requested)]] : [];
}

/**
 * Activates the requested backend (awaiting its initialisation) and describes it. Safe to call
 * again, with the same or another request. `how.byName` false asks as `auto` would (the benchmark
 * trying every backend): a backend may then refuse what it takes when named (a software GPU adapter).
 * @throws SvdError E_BACKEND (exit code 2) when an explicit request cannot be met.
 */
export async function selectBackend(requested: BackendRequest, runtime: RuntimeOptions = runtimeFromEnv(), how: ActivateOptions = { byName: true }): Promise<BackendInfo> {
  quietCpuNotice();
  if (requested === 'auto') return selectAuto(runtime);
  if (!BACKENDS.has(requested)) throw new SvdError('E_BACKEND', `unknown backend "${requested}"; known: ${backendChoices().join(', ')}`);
  const entry = BACKENDS.get(requested);
  const result = await entry.activate(runtime, how);
  if (result.ok) return describe(requested, result.info, requested);
  throw new SvdError('E_BACKEND', `backend "${requested}" is not available: ${result.why}; ${result.advice ?? entry.advice}`, {});
}

/** The first `auto` backend that starts, with why others were skipped. */
async function selectAuto(runtime: RuntimeOptions): Promise<BackendInfo> {
  const skipped: string[] = [];
  for (const [name, entry] of candidateBackends('auto')) {
    const result = await entry.activate(runtime, { byName: false });
    if (result.ok) return { ...describe(name, result.info, 'auto'), ...(skipped.length > 0 && { reason: skipped.join('; ') }) };
    skipped.push(result.why);
  }
  throw new SvdError('E_BACKEND', `no TensorFlow.js backend is available: ${skipped.join('; ')}`, {});
}

/** The info of the activated backend `name` with what was asked for, in env.json's key order. */
function describe(name: string, info: Omit<BackendInfo, 'name' | 'requested'>, requested: BackendRequest): BackendInfo {
  return { name, requested, ...info };
}
