/**
 * Where a sweep stands (`svd sweep --status SWEEP_DIR`), and catching up with jobs an executor
 * queued earlier: for a sweep whose executor queues its jobs (slurm), the jobs recorded as
 * running are looked up (executor.look); those that ended since are recorded like a waiting sweep
 * would have (jobs.jsonl, and the summary once none runs). While a waiting `svd sweep` holds the
 * sweep directory, the records are shown as they stand.
 */
import { runtimeFromEnv } from '../backends/backend.js';
import { EXECUTORS } from './executors/registry.js';
import { JobRecorder } from './job-recorder.js';
import { SweepProgress } from './progress.js';
import { createExecutor, executorOptions } from './sweep-executor.js';
import { buildSummary, summaryText, writeSweepSummary } from './summary.js';
import { lockState } from '../store/dir-lock.js';
import { lockSweepDir, openSweepDir, writeJobs, type JobRecord, type SweepMeta, type SweepPaths } from '../store/sweep-dir.js';

/**
 * Records the queued jobs of the sweep that ended since they were queued (taking the sweep
 * directory's lock for that); resolves to job index -> `ID STATE` of each job still queued or running.
 */
export async function catchUp(paths: SweepPaths, meta: SweepMeta, records: JobRecord[], argv: string[]): Promise<Map<number, string>> {
  const { type } = executorOptions(undefined, meta.executor);
  const queued = records.filter((r) => r.status === 'running' && r.executorId !== undefined);
  if (!EXECUTORS.has(type) || !EXECUTORS.get(type).queues || queued.length === 0) return new Map();
  const release = lockSweepDir(paths, argv);
  try {
    const { executor } = createExecutor(paths, meta, { devices: null, cpusPerJob: runtimeFromEnv().cpus });
    const recorder = new JobRecorder(paths, meta, records, new SweepProgress(queued.length));
    const live = await executor.look!(queued.map((r) => r.executorId!), recorder);
    writeJobs(paths.jobs, records);
    if (!records.some((r) => r.status === 'running')) writeSweepSummary(paths, meta, records);
    return new Map(queued.filter((r) => live.has(r.executorId!)).map((r) => [r.index, `${r.executorId} ${live.get(r.executorId!)}`]));
  } finally {
    release();
  }
}

/** `svd sweep --status DIR`: prints every job's state; resolves to the exit code (0). */
export async function sweepStatus(dir: string, argv: string[]): Promise<number> {
  const { paths, meta, records } = openSweepDir(dir);
  const holder = lockState(paths.lock).state;
  const busy = holder === 'held' || holder === 'foreign';
  const live = busy ? new Map<number, string>() : await catchUp(paths, meta, records, argv);
  const summary = buildSummary(paths.dir, meta, records);
  console.log(summaryText(summary, process.stdout.isTTY ? Math.max(60, process.stdout.columns || 100) : undefined));
  for (const [index, state] of live) console.log(`job ${index}: ${state}`);
  const running = records.filter((r) => r.status === 'running').length;
  if (busy) console.log(`a waiting svd sweep is recording this sweep; ${running} job(s) running`);
  else if (running > 0) console.log(`${running} job(s) still queued or running`);
  else console.log(`no job is running; summary in ${paths.summaryMd}`);
  return 0;
}
