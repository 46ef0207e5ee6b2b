/**
 * The job executor registry: what the sweep file's `executor:` section (or `svd sweep
 * --executor`) may name. A new executor is one file in this folder exporting its ExecutorEntry
 * (executor.ts) and one line here; the sweep schema lists it from here.
 */
import { Registry } from '../../registry.js';
import type { ExecutorEntry } from './executor.js';
import { local } from './local.js';
import { slurm } from './slurm.js';

/** Executors by name; `local` is the default. */
export const EXECUTORS = new Registry<ExecutorEntry>('executor')
  .register('local', local)
  .register('slurm', slurm);
