/**
 * The multi-threaded (threaded-SIMD) build of the tfjs wasm backend under Node.js, which
 * tfjs 4.22 leaves off there (the WASM_HAS_MULTITHREAD_SUPPORT flag is false when IS_NODE,
 * tensorflow/tfjs#3830). With it XNNPACK runs convolutions, matrix products and its
 * element-wise operators on a pthreadpool of `threads` threads (the calling thread included).
 * Three things stand in the way, each handled here for the duration of the first
 * `tf.setBackend('wasm')` only:
 *
 * 1. tfjs hands Emscripten the pthread worker script as a Blob URL (URL.createObjectURL of
 *    the package's `wasmWorkerContents`), and Node's worker_threads cannot start a Worker
 *    from a blob: URL. We write that script once to a `.cjs` file in the temp directory and
 *    map the Blob to it.
 * 2. Each worker then loads the main script from another Blob (tfjs's mainScriptUrlOrBlob),
 *    through URL.createObjectURL and importScripts (a readFileSync in Node). The file we
 *    write ends with a worker-local URL.createObjectURL that returns the package's own copy
 *    of that script, wasm-out/tfjs-backend-wasm-threaded-simd.js.
 * 3. The C++ side (tfjs-backend-wasm/src/cc/backend.cc, init_with_threads_count) caps the
 *    pool at num_cores = emscripten_num_logical_cores() / 2, assuming two hyper-threads per
 *    core; in Node that is os.cpus().length / 2, so a 2-CPU machine gets a pool of one (no
 *    worker thread ever starts, getThreadsCount() says 1). num_cores is a C++ global set
 *    while the module instantiates, so os.cpus() reports at least 2 x `threads` CPUs until
 *    the backend is up.
 *
 * Emscripten preallocates 8 pthread workers (its PTHREAD_POOL_SIZE); `threads - 1` of them
 * run pool threads, which Emscripten keeps referenced; we unreference them so they do not
 * keep the process alive.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);
/** The CommonJS `os` module object, the one the tfjs bundle calls cpus() on. */
const nodeOs = require('node:os') as typeof import('node:os');

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

/** What the Emscripten module exposes of its pthread pool. */
interface PThreadPool {
  unusedWorkers: unknown[];
  runningWorkers: Array<{ unref?: () => void }>;
}

/** Paths of the package's threaded build. */
function threadedBuild(): { workerSource: string; mainScript: string } {
  const pkgDir = path.dirname(require.resolve(`${WASM_PACKAGE}/package.json`));
  const out = path.join(pkgDir, 'wasm-out');
  const { wasmWorkerContents } = require(path.join(out, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  return { workerSource: wasmWorkerContents, mainScript: path.join(out, 'tfjs-backend-wasm-threaded-simd.js') };
}

/**
 * Writes the pthread worker script (tfjs's, as tfjs escapes it for its Blob, plus our
 * worker-local createObjectURL) to the temp directory; the name carries a hash of the
 * content, so processes share the file, and it is renamed into place whole.
 */
function writeWorkerScript(): string {
  const { workerSource, mainScript } = threadedBuild();
  const shim = `;URL.createObjectURL=function(){return ${JSON.stringify(mainScript)}};URL.revokeObjectURL=function(){};\n`;
  const text = workerSource.replace(/\n/g, '\\n') + shim;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const file = path.join(nodeOs.tmpdir(), `svd-tfjs-wasm-pthread-${hash}.cjs`);
  if (!fs.existsSync(file)) {
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, text);
    fs.renameSync(partial, file);
  }
  return file;
}

/** The wasm backend's Emscripten pthread pool, if it has one. */
function pthreadPool(): PThreadPool | undefined {
  const backend = tf.engine().registry.wasm as unknown as { wasm?: { PThread?: PThreadPool } } | undefined;
  return backend?.wasm?.PThread;
}

/** Whether the wasm backend is already initialised in this process (its thread count is then fixed). */
export function wasmInitialised(): boolean {
  return tf.engine().registry.wasm !== undefined;
}

/** Threads the running wasm backend uses (1 when single-threaded or not initialised). */
export function wasmThreadsCount(): number {
  if (!wasmInitialised()) return 1;
  return Math.max(1, tfwasm.getThreadsCount());
}

/**
 * Initialises the wasm backend with the threaded-SIMD build and a pool of `threads`
 * threads, making it the active backend; resolves to whether that worked. Must run before
 * anything else initialises the wasm backend in this process. On failure the flag is
 * turned back off, so a later plain `tf.setBackend('wasm')` gets the single-threaded build.
 */
export async function initWasmThreaded(threads: number): Promise<boolean> {
  const env = tf.env();
  if (wasmInitialised() || threads < 2 || typeof SharedArrayBuffer === 'undefined') return false;
  if (!(await env.getAsync('WASM_HAS_SIMD_SUPPORT'))) return false; // the threaded build is SIMD-only
  let workerFile: string;
  try {
    workerFile = writeWorkerScript();
  } catch {
    return false;
  }
  const savedCreate = URL.createObjectURL;
  const savedCpus = nodeOs.cpus;
  URL.createObjectURL = (obj: Blob | MediaSource) =>
    obj instanceof Blob && obj.type === 'application/javascript' ? workerFile : savedCreate(obj as Blob);
  nodeOs.cpus = () => {
    const cpus = savedCpus();
    const wanted = 2 * threads;
    return cpus.length >= wanted ? cpus : Array.from({ length: wanted }, (_, i) => cpus[i % Math.max(1, cpus.length)]);
  };
  env.set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  tfwasm.setThreadsCount(threads);
  let ok = false;
  try {
    ok = (await tf.setBackend('wasm')) && tf.getBackend() === 'wasm';
  } catch {
    ok = false;
  } finally {
    URL.createObjectURL = savedCreate;
    nodeOs.cpus = savedCpus;
  }
  if (!ok) {
    env.set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return false;
  }
  for (const worker of pthreadPool()?.runningWorkers ?? []) worker.unref?.();
  return true;
}
