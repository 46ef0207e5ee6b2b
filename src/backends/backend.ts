/**
 * The backend contract. A TensorFlow.js backend is one BackendEntry (one file in this folder,
 * registered in registry.ts): how to load and activate it, what it can do (worker threads for the
 * data-parallel step, devices), the versions env.json records, and how a sweep job is pinned to
 * one device and a share of the CPU cores. Thread counts come in as RuntimeOptions, read from the
 * user's environment once (runtimeFromEnv) and passed down as arguments.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { AdapterInfo } from './webgpu-adapter.js';

/** A backend a user can ask for: a registered name, or `auto`. */
export type BackendRequest = string;

/** What selectBackend settled on, for logs and run metadata (env.json's `backend`). */
export interface BackendInfo {
  /** The active backend's registry name (for the registered tfjs backends, what tf.getBackend() says). */
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
  /**
   * wasm only: what runs its convolutions and large matrix products natively (src/kernels/wasm-native.ts),
   * e.g. "onnxruntime-node 1.30.0, 1 thread", or why nothing does ("off: SVD_NATIVE=0").
   */
  native?: string;
  /** webgpu only: the adapter it runs on. */
  adapter?: AdapterInfo;
  /** Why faster backends were skipped, e.g. "@tensorflow/tfjs-node-gpu: not installed". */
  reason?: string;
}

/** Outcome of trying one backend: what runs, or why it cannot (with what to do instead of the entry's `advice`, where that does not fit). */
export type Attempt = { ok: true; info: Omit<BackendInfo, 'name' | 'requested'> } | { ok: false; why: string; advice?: string };

/** Thread settings of this process, from the user's environment (runtimeFromEnv). */
export interface RuntimeOptions {
  /** CPU cores this process may use: SVD_WASM_THREADS (what `svd sweep` gives each job); null: not set, every core. */
  cpus: number | null;
  /** Threads of the wasm backend's XNNPACK pool: SVD_XNNPACK_THREADS, default 1 (the single-threaded build). */
  xnnpackThreads: number;
  /** The WebGPU adapter to use, a part of its device name: SVD_WEBGPU_ADAPTER; null: Dawn's first (webgpu-adapter.ts). */
  gpuAdapter: string | null;
  /** wasm: run convolutions and large matrix products on onnxruntime-node's native kernels where it loads (SVD_NATIVE=0: never). */
  native: boolean;
  /** The WebGPU adapter this process is pinned to, its index in Dawn's list: SVD_WEBGPU_DEVICE (what `svd sweep --devices` gives a webgpu job); null: not pinned (webgpu-device.ts). */
  gpuDevice: string | null;
}

/** How a backend is being asked for. */
export interface ActivateOptions {
  /** Named by the user (`--backend webgpu`), not tried by `auto`: a backend may then accept what `auto` must not (a software GPU adapter). */
  byName: boolean;
}

/** What a backend can do. */
export interface BackendCapabilities {
  /** Training steps can be split over worker threads, each with its own backend (`training.workers`). */
  workers: boolean;
  /** It runs on a device a sweep job is pinned to (`svd sweep --devices`). */
  devices: boolean;
  /**
   * Each step runs on a GPU, which parallelises it itself: `training.workers` above 1 (a setting
   * for the CPU backends, as the shipped configs carry) is then ignored with a warning, not an error.
   */
  gpu?: boolean;
  /** The most memory one instance of it (a process's, a worker thread's) can address, and what that is; absent: the machine's memory. */
  heap?: { bytes: number; what: string };
}

/** A registered backend. */
export interface BackendEntry {
  description: string;
  /** Tried by `backend: auto`, in registry order. */
  auto: boolean;
  /** A fallback far slower than the others at training (minutes per convolutional step): `npm run bench` times it only when asked for, and only for a few steps. */
  lastResort?: boolean;
  capabilities: BackendCapabilities;
  /** Loads the backend's packages and activates it (awaiting its initialisation). */
  activate(runtime: RuntimeOptions, how: ActivateOptions): Promise<Attempt>;
  /** What to do when it was asked for by name and cannot start. */
  advice: string;
  /** Versions of its own packages, for env.json (beside svd, Node and tfjs). */
  versions(): Record<string, string | null>;
  /** Threads per training step when `training.workers` is null, for a process with `cpus` cores. */
  defaultWorkers(cpus: number): number;
  /** Environment of a sweep job pinned to `device` (null: none) with `cpus` cores of its own. */
  pinJob(device: string | null, cpus: number): Record<string, string>;
}

/** The thread settings in `env` (see RuntimeOptions); bad values fall back to the defaults. */
export function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeOptions {
  const positive = (value: string | undefined) => {
    const n = Number(value);
    return Number.isInteger(n) && n >= 1 ? n : null;
  };
  return {
    cpus: positive(env.SVD_WASM_THREADS),
    xnnpackThreads: Math.min(8, positive(env.SVD_XNNPACK_THREADS) ?? 1),
    gpuAdapter: env.SVD_WEBGPU_ADAPTER?.trim() || null,
    native: env.SVD_NATIVE?.trim() !== '0',
    gpuDevice: env.SVD_WEBGPU_DEVICE?.trim() || null,
  };
}

/** The cores `runtime` lets this process use: its `cpus`, else every core of the machine. */
export function coresOf(runtime: RuntimeOptions): number {
  return runtime.cpus ?? Math.max(1, os.availableParallelism());
}

/** tf.setBackend, false instead of a throw when the backend is unknown or fails to start. */
export async function activateTfBackend(name: string): Promise<boolean> {
  if (tf.findBackendFactory(name) === null) return false;
  try {
    return (await tf.setBackend(name)) && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** import() through a variable, so TypeScript does not need an optional package's types. */
export async function importByName(moduleName: string): Promise<unknown> {
  return import(moduleName);
}

/** "not installed" when the package itself is missing, else the first line of the loader's message. */
export function describeImportError(pkg: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
  if (notFound && message.includes(`'${pkg}'`)) return 'not installed';
  return message.split('\n')[0] ?? message;
}

/** The installed version of package `name`, or null. */
export function packageVersion(name: string, require: NodeJS.Require): string | null {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}
