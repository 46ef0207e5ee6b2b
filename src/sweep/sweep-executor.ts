/**
 * The executor a sweep runs with: `--executor` if given, else the one recorded in sweep.json when
 * the sweep started, else the sweep file's `executor:` section, else `local`.
 */
import { EXECUTORS } from './executors/registry.js';
import type { Executor } from './executors/executor.js';
import type { SweepFile } from './sweep-file.js';
import type { SweepMeta, SweepPaths } from '../store/sweep-dir.js';

/** What besides the sweep directory decides the executor. */
export interface ExecutorChoice {
  /** `--executor`. */
  executor?: string;
  jobs?: number;
  devices: string[] | null;
  cpusPerJob: number | null;
  sweep?: SweepFile;
}

/** The sweep's executor and its registered name. */
export function createExecutor(paths: SweepPaths, meta: SweepMeta, choice: ExecutorChoice): { type: string; executor: Executor } {
  const options = choice.executor ? { type: choice.executor } : meta.executor ?? choice.sweep?.executor ?? { type: 'local' };
  const { type, ...keys } = options;
  const executor = EXECUTORS.get(type).create(keys, { sweepDir: paths.dir, jobs: choice.jobs ?? meta.jobs, devices: choice.devices, cpusPerJob: choice.cpusPerJob });
  return { type, executor };
}
