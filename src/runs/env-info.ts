/**
 * env.json: what a run ran on and everything that affects its numbers (backend, versions,
 * seed, command line, machine).
 */
import * as os from 'node:os';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../backend.js';

const require = createRequire(import.meta.url);

/** The package's own version. */
export function svdVersion(): string {
  return (require('../../../package.json') as { version: string }).version;
}

/** The env.json object. */
export function envInfo(backend: BackendInfo, seed: number, argv: string[]): Record<string, unknown> {
  return {
    backend,
    seed,
    command: argv,
    cwd: process.cwd(),
    started: new Date().toISOString(),
    versions: { svd: svdVersion(), node: process.version, ...tf.version },
    machine: { hostname: os.hostname(), platform: `${os.platform()} ${os.release()} ${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGB: Math.round(os.totalmem() / 2 ** 30) },
  };
}
