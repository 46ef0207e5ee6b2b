/**
 * The backend registry: every TensorFlow.js backend `backend:` and `--backend` may name, in the
 * order `auto` tries them. A new backend is one file in this folder exporting its BackendEntry
 * (backend.ts) and one line here; the config schema's `backend` list, selection, env.json, the
 * benchmark and sweeps pick it up from here.
 */
import { Registry } from '../registry.js';
import type { BackendEntry } from './backend.js';
import { tensorflow } from './tensorflow.js';
import { webgpu } from './webgpu.js';
import { wasm } from './wasm.js';
import { cpu } from './cpu.js';

/** Backends by name, fastest first. */
export const BACKENDS = new Registry<BackendEntry>('backend')
  .register('tensorflow', tensorflow)
  .register('webgpu', webgpu)
  .register('wasm', wasm)
  .register('cpu', cpu);
