/**
 * The executor a sweep runs with: `--executor` if given, else the one recorded in sweep.json when
 * the sweep started, else the sweep file's `executor:` section, else `local`.
 */
import { EXECUTORS } from './executors/registry.js';
import type { Executor } from './executors/executor.js';
import type { SweepFile } from './sweep-file.js';
import type { ExecutorOptions, SweepMeta, SweepPaths } from '../store/sweep-dir.js';

/** What besides the sweep directory decides the executor. */
export interface ExecutorChoice {
  /** `--executor`. */
  executor?: string;
  jobs?: number;
  devices: string[] | null;
  cpusPerJob: number | null;
  sweep?: SweepFile;
}

/** The `executor:` section that applies: `--executor` when given, else the first of `recorded` there is (sweep.json's, then the sweep file's), else local. */
export function executorOptions(cli: string | undefined, ...recorded: Array<ExecutorOptions | undefined>): ExecutorOptions {
  return cli ? { type: cli } : recorded.find((o) => o !== undefined) ?? { type: 'local' };
}

/** The sweep's executor and its registered name. */
export function createExecutor(paths: SweepPaths, meta: SweepMeta, choice: ExecutorChoice): { type: string; executor: Executor } {
  const options = executorOptions(choice.executor, meta.executor, choice.sweep?.executor);
  const { type, ...keys } = options;
  const executor = EXECUTORS.get(type).create(keys, { sweepDir: paths.dir, jobs: choice.jobs ?? meta.jobs, devices: choice.devices, cpusPerJob: choice.cpusPerJob });
  return { type, executor };
}
