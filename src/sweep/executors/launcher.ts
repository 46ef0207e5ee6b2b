/**
 * The launcher (after Hydra's): runs jobs and returns their results, nothing else. At most
 * `concurrency` jobs run at once (p-limit); with devices, each job holds one device from a
 * DevicePool for as long as it runs, so no two running jobs share one. What running a job means
 * is the caller's `run` (a process in the CLI, a fake in tests). Once `signal` aborts, jobs not
 * yet started are not started (`notStarted` gives their result) and running ones see the abort.
 */
import pLimit from 'p-limit';
import { DevicePool } from './device-pool.js';

/** How to launch a list of jobs. */
export interface LaunchOptions<J, R> {
  /** Most jobs at once (capped at the number of devices when there are devices). */
  concurrency: number;
  /** Devices to spread jobs over, one per running job; null or empty: none. */
  devices?: readonly string[] | null;
  /** Stops the launch: nothing more starts, running jobs are told through their signal. */
  signal?: AbortSignal;
  /** Runs one job holding `device` (null without devices). */
  run(job: J, device: string | null, signal: AbortSignal): Promise<R>;
  /** The result of a job that was never started because the launch was stopped. */
  notStarted(job: J): R;
}

/** The number of jobs that will run at once. */
export function effectiveConcurrency(concurrency: number, devices?: readonly string[] | null): number {
  const n = Math.max(1, Math.floor(concurrency));
  return devices?.length ? Math.min(n, devices.length) : n;
}

/** Runs `jobs`; resolves to their results in job order. */
export async function launch<J, R>(jobs: readonly J[], options: LaunchOptions<J, R>): Promise<R[]> {
  const signal = options.signal ?? new AbortController().signal;
  const limit = pLimit(effectiveConcurrency(options.concurrency, options.devices));
  const pool = options.devices?.length ? new DevicePool(options.devices) : null;
  return Promise.all(jobs.map((job) => limit(async () => {
    if (signal.aborted) return options.notStarted(job);
    const device = pool ? await pool.acquire() : null;
    try {
      if (signal.aborted) return options.notStarted(job);
      return await options.run(job, device, signal);
    } finally {
      if (pool && device !== null) pool.release(device);
    }
  })));
}
