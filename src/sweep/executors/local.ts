/**
 * `local`: every job a child process of `svd sweep` on this machine (process-job.ts), at most
 * `jobs` at once (default: one per device, else one per CPU core), each holding one device of
 * `devices` while it runs (launcher.ts, device-pool.ts). A job's environment pins it through its
 * backend's entry (src/backends/): CUDA_VISIBLE_DEVICES for a device, SVD_WASM_THREADS for its
 * share of the CPU cores (the cores divided by the jobs running at once, unless the user set it).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Executor, ExecutorContext, ExecutorEntry, ExecutorJob, JobEvents } from './executor.js';
import { effectiveConcurrency, launch } from './launcher.js';
import { runJobProcess } from './process-job.js';
import { pinEnv } from './pin.js';

/** The local executor of `context`. */
function localExecutor(context: ExecutorContext): Executor {
  const concurrency = effectiveConcurrency(context.jobs ?? (context.devices?.length || os.availableParallelism()), context.devices);
  const cpus = context.cpusPerJob ?? Math.max(1, Math.floor(os.availableParallelism() / concurrency));
  return {
    concurrency,
    async run(jobs: readonly ExecutorJob[], events: JobEvents, signal: AbortSignal): Promise<void> {
      await launch(jobs, {
        concurrency,
        devices: context.devices,
        signal,
        notStarted: () => undefined,
        run: async (job, device, jobSignal) => {
          const env = pinEnv(job.backend, device, cpus);
          events.started(job, { device, env });
          const outcome = await runJobProcess({ args: job.args, env, logFile: path.join(job.dir, 'job.log'), signal: jobSignal });
          events.ended(job, { ...outcome, stopped: outcome.stopped || jobSignal.aborted });
        },
      });
    },
  };
}

/** `local`. */
export const local: ExecutorEntry = {
  description: 'child processes on this machine, at most `jobs` at once, one device each',
  properties: {},
  create: (_options, context) => localExecutor(context),
};
