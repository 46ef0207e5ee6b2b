/**
 * Picks the TensorFlow.js backend. 'auto' prefers the native 'tensorflow' backend
 * (@tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node, both optional), then 'wasm'
 * (with our kernels, src/kernels/wasm-kernels.ts: the Conv2DBackpropFilter that 4.22's
 * wasm lacks, a fixed MaxPoolGrad, faster Conv2DBackpropInput and transposed BatchMatMul),
 * then the slow pure-JS 'cpu'. An explicit request that cannot be met is an
 * E_BACKEND error. The cpu backend's one-time "looks like you are running TensorFlow.js in
 * Node.js" console notice is swallowed (see primeCpuBackendQuietly).
 */
import * as tf from '@tensorflow/tfjs';
import { SvdError } from '../errors.js';

/** A backend a user can ask for. */
export type BackendRequest = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** What selectBackend settled on, for logs and run metadata. */
export interface BackendInfo {
  /** The active backend, as tf.getBackend() reports it. */
  name: string;
  requested: BackendRequest;
  /** The npm package that provided the backend. */
  package?: string;
  /** wasm only: whether the SIMD binary is in use. */
  simd?: boolean;
  /** wasm only: whether the multi-threaded binary is in use. */
  threads?: boolean;
  /** wasm only: threads XNNPACK runs its operators on (the calling thread included). */
  threadsCount?: number;
  /** Why faster backends were skipped, e.g. "@tensorflow/tfjs-node-gpu: not installed". */
  reason?: string;
}

/** Native packages that provide the 'tensorflow' backend, best first. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';
const CPU_PACKAGE = '@tensorflow/tfjs-backend-cpu';

/** Outcome of trying one backend: its info, or why it is unavailable. */
type Attempt = { ok: true; info: BackendInfo } | { ok: false; why: string };

/**
 * Activates the requested backend (awaiting its initialisation) and describes it.
 * Safe to call again, with the same or another request.
 * @throws SvdError E_BACKEND (exit code 2) when an explicit request cannot be met.
 */
export async function selectBackend(requested: BackendRequest): Promise<BackendInfo> {
  primeCpuBackendQuietly();
  switch (requested) {
    case 'tensorflow':
      return orThrow(requested, await tryNative(requested),
        'install @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node, or use --backend wasm');
    case 'wasm':
      return orThrow(requested, await tryWasm(requested),
        `reinstall ${WASM_PACKAGE}, or use --backend cpu`);
    case 'cpu':
      return orThrow(requested, await tryCpu(requested), 'reinstall @tensorflow/tfjs');
    case 'auto':
      return selectAuto();
  }
}

/** The first backend that works, in order tensorflow, wasm, cpu, with why others were skipped. */
async function selectAuto(): Promise<BackendInfo> {
  const skipped: string[] = [];
  for (const attempt of [tryNative, tryWasm, tryCpu]) {
    const result = await attempt('auto');
    if (result.ok) {
      return skipped.length > 0 ? { ...result.info, reason: skipped.join('; ') } : result.info;
    }
    skipped.push(result.why);
  }
  throw new SvdError('E_BACKEND', `no TensorFlow.js backend is available: ${skipped.join('; ')}`, {});
}

function orThrow(requested: BackendRequest, result: Attempt, advice: string): BackendInfo {
  if (result.ok) return result.info;
  throw new SvdError('E_BACKEND', `backend "${requested}" is not available: ${result.why}; ${advice}`, {});
}

/** Loads the first native package that imports and activates 'tensorflow'. */
async function tryNative(requested: BackendRequest): Promise<Attempt> {
  const failures: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    try {
      await importByName(pkg);
    } catch (err) {
      failures.push(`${pkg}: ${describeImportError(pkg, err)}`);
      continue;
    }
    if (await activate('tensorflow')) return { ok: true, info: { name: tf.getBackend(), requested, package: pkg } };
    failures.push(`${pkg}: loaded, but backend "tensorflow" did not initialise`);
  }
  return { ok: false, why: failures.join('; ') };
}

/**
 * Threads of the XNNPACK pool of the wasm backend when this process first initialises it:
 * SVD_XNNPACK_THREADS, default 1 (the single-threaded SIMD build). Fixed for the life of the
 * process once the backend is up. More than 1 starts the threaded-SIMD build
 * (src/kernels/wasm-threads.ts): XNNPACK then splits each convolution / matrix product over the
 * threads, which pays on large operators only and loses when the cores are busy; this project's
 * training steps use the cores through worker threads instead (training.workers,
 * src/train/parallel-step.ts, whose default follows SVD_WASM_THREADS), one backend thread each.
 */
export function xnnpackThreadsWanted(): number {
  const fromEnv = Number(process.env.SVD_XNNPACK_THREADS);
  return Number.isInteger(fromEnv) && fromEnv >= 1 ? Math.min(8, fromEnv) : 1;
}

/**
 * Loads the wasm backend plus our kernels for it and activates it: the threaded-SIMD build with
 * an XNNPACK pool of `xnnpackThreadsWanted()` threads where that is asked for and starts
 * (src/kernels/wasm-threads.ts), else the single-threaded one.
 */
async function tryWasm(requested: BackendRequest): Promise<Attempt> {
  let threaded: typeof import('../kernels/wasm-threads.js');
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    await import('../kernels/wasm-kernels.js');
    threaded = await import('../kernels/wasm-threads.js');
  } catch (err) {
    return { ok: false, why: `${WASM_PACKAGE}: ${describeImportError(WASM_PACKAGE, err)}` };
  }
  if (!threaded.wasmInitialised() && xnnpackThreadsWanted() > 1) await threaded.initWasmThreaded(xnnpackThreadsWanted());
  if (!(await activate('wasm'))) return { ok: false, why: `${WASM_PACKAGE}: backend "wasm" did not initialise` };
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  const threadsCount = threaded.wasmThreadsCount();
  return { ok: true, info: { name: tf.getBackend(), requested, package: WASM_PACKAGE, simd, threads, threadsCount } };
}

async function tryCpu(requested: BackendRequest): Promise<Attempt> {
  if (!(await activate('cpu'))) return { ok: false, why: `${CPU_PACKAGE}: backend "cpu" did not initialise` };
  return { ok: true, info: { name: tf.getBackend(), requested, package: CPU_PACKAGE } };
}

/** tf.setBackend, false instead of a throw when the backend is unknown or fails to start. */
async function activate(name: string): Promise<boolean> {
  if (tf.findBackendFactory(name) === null) return false;
  try {
    return (await tf.setBackend(name)) && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** import() through a variable, so TypeScript does not need the optional package's types. */
async function importByName(moduleName: string): Promise<unknown> {
  return import(moduleName);
}

/** "not installed" when the package itself is missing, else the first line of the loader's message. */
function describeImportError(pkg: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
  if (notFound && message.includes(`'${pkg}'`)) return 'not installed';
  return message.split('\n')[0] ?? message;
}

/**
 * The cpu backend prints a notice ("Hi, looks like you are running TensorFlow.js in
 * Node.js. To speed things up dramatically, install our node backend...") through
 * tfjs's log.warn on its first write. That is its only trigger (nothing is printed on
 * import), and log.warn stays quiet while the PROD flag is set; so we make that first
 * write here with PROD set, then restore the flag. Other tfjs warnings stay on.
 */
function primeCpuBackendQuietly(): void {
  const env = tf.env();
  const wasProd = env.getBool('PROD');
  env.set('PROD', true);
  try {
    const cpu = tf.findBackend('cpu');
    if (cpu) cpu.disposeData(cpu.write(new Float32Array(1), [1], 'float32'));
  } catch {
    // Without a cpu backend there is no notice to swallow.
  } finally {
    env.set('PROD', wasProd);
  }
}
