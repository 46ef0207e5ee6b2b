/**
 * onnxruntime sessions of the small graphs native kernels run (conv-graphs.ts, matmul-graph.ts), one per graph and
 * shape, created on first use and kept (a training run meets a handful of shapes: its batch, the
 * last smaller batch, evaluation's); the least recently used go past MAX_SESSIONS. Each runs on
 * one onnxruntime thread (the cores are used by training.workers; two onnxruntime threads for the
 * one-worker VGG-like were no faster, 1,883 against 1,794 ms per step here), without spinning
 * between runs (spinning threads would take the cores from the JavaScript thread and the worker
 * threads between two convolutions), and without onnxruntime's memory arena, which keeps every
 * session's largest temporaries for good: measured
 * on the full-width VGG-like (bench vgg-full), 6,438 MB resident with it against 2,994 MB without,
 * at the same speed (25.0 and 25.8 s per step, a loaded machine).
 */
import { ortNative, type NativeSession } from './ort-binding.js';

/** Sessions kept per thread. */
const MAX_SESSIONS = 96;

const sessions = new Map<string, NativeSession>();

/** onnxruntime threads per session. */
export const NATIVE_THREADS = 1;

/** The session of graph `key` (built from `bytes()` on first use), or null without onnxruntime. */
function sessionOf(key: string, bytes: () => Uint8Array): NativeSession | null {
  const ort = ortNative();
  if (!ort) return null;
  let session = sessions.get(key);
  if (session) {
    sessions.delete(key); // re-inserted below: the map's order is recency
  } else {
    const model = bytes();
    session = ort.session();
    session.loadModel(model.buffer, model.byteOffset, model.byteLength, {
      executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: NATIVE_THREADS, interOpNumThreads: 1,
      executionMode: 'sequential', enableCpuMemArena: false, extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    if (sessions.size >= MAX_SESSIONS) {
      const [oldest, old] = sessions.entries().next().value as [string, NativeSession];
      old.dispose();
      sessions.delete(oldest);
    }
  }
  sessions.set(key, session);
  return session;
}

/**
 * Runs graph `key` on `inputs` (name -> data and dims), writing its single output `output` into
 * `into`; false (nothing written) when onnxruntime is not available.
 */
export function runGraph(key: string, bytes: () => Uint8Array, inputs: Array<[string, Float32Array, number[]]>, output: [string, Float32Array, number[]]): boolean {
  const ort = ortNative();
  const session = sessionOf(key, bytes);
  if (!ort || !session) return false;
  const feeds = Object.fromEntries(inputs.map(([name, data, dims]) => [name, ort.tensor(data, dims)]));
  session.run(feeds, { [output[0]]: ort.tensor(output[1], output[2]) }, {});
  return true;
}
