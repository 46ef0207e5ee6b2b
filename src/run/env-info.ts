/**
 * env.json: what a run ran on and everything that affects its numbers (backend, versions,
 * seed, command line, machine).
 */
import * as os from 'node:os';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../backends/backend.js';
import { BACKENDS } from '../backends/registry.js';

const require = createRequire(import.meta.url);

/** The package's own version. */
export function svdVersion(): string {
  return (require('../../../package.json') as { version: string }).version;
}

/** Environment variables that change how svd computes (threads, devices; backends/backend.ts reads the SVD_ ones). */
const RELEVANT_ENV = ['SVD_WASM_THREADS', 'SVD_XNNPACK_THREADS', 'SVD_NATIVE', 'SVD_WEBGPU_ADAPTER', 'SVD_WEBGPU_DEVICE', 'CUDA_VISIBLE_DEVICES', 'TF_CPP_MIN_LOG_LEVEL'];

/**
 * The env.json object. `determinism` gathers what decides the numbers besides the config: the
 * same values there and the same resolved.json give the same metrics, bit for bit (the backend
 * and its SIMD / XNNPACK threads, the worker threads per step, the seed, the versions of svd,
 * tfjs, Node and the backend's own packages, the CPU architecture and the environment variables
 * svd reads).
 */
export function envInfo(backend: BackendInfo, seed: number, argv: string[], trainingWorkers: number): Record<string, unknown> {
  const versions = { svd: svdVersion(), node: process.version, ...tf.version, ...(BACKENDS.has(backend.name) ? BACKENDS.get(backend.name).versions() : {}) };
  const env = Object.fromEntries(RELEVANT_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
  return {
    backend,
    seed,
    trainingWorkers,
    command: argv,
    cwd: process.cwd(),
    started: new Date().toISOString(),
    versions,
    machine: { hostname: os.hostname(), platform: `${os.platform()} ${os.release()} ${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGB: Math.round(os.totalmem() / 2 ** 30) },
    determinism: {
      backend: backend.name, simd: backend.simd ?? null, xnnpackThreads: backend.threadsCount ?? null, native: backend.native ?? null, trainingWorkers, seed,
      versions, arch: os.arch(), env, tfjsFlags: tf.env().getFlags(),
    },
  };
}
