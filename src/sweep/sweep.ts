/**
 * `svd sweep`: reads and expands a sweep file (the sweeper, expand.ts), validates every job's
 * config, creates the sweep directory, hands the jobs to an executor (executors/: `local` runs
 * them as `svd` processes here, one device each when devices are given), records each job in
 * jobs.jsonl as the executor reports it starting and ending, and writes the summary.
 * A failing job does not stop the others. SIGINT / SIGTERM stop the sweep: nothing more starts,
 * running jobs are ended and recorded as interrupted. `--resume` reruns the jobs of a sweep
 * directory that did not complete: interrupted ones continue their run (`svd resume`), failed
 * and never-started ones start afresh. `--detach` (executors that queue their jobs, slurm) returns
 * once the jobs are queued; status.ts follows them later.
 */
import * as path from 'node:path';
import { SvdError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import { checkRunsDirWritable } from '../store/run-dir.js';
import { checkJobs, jobWarnings, type CheckedJob } from './check-jobs.js';
import { expandSweep, type SweepJob } from './expand.js';
import { formatOverrides } from '../config/override-sets.js';
import { EXECUTORS } from './executors/registry.js';
import { JobRecorder } from './job-recorder.js';
import { SweepProgress } from './progress.js';
import { catchUp } from './status.js';
import { createExecutor, executorOptions } from './sweep-executor.js';
import { readSweepFile, type SweepFile } from './sweep-file.js';
import { createSweepDir, lockSweepDir, openSweepDir, writeJobs, writeMeta, type JobRecord, type SweepMeta, type SweepPaths } from '../store/sweep-dir.js';
import { summaryText, writeSweepSummary } from './summary.js';

/** What `svd sweep` was asked to do. */
export interface SweepOptions {
  /** The sweep file (optional with `resume`: the sweep directory's copy is used). */
  file?: string;
  /** A sweep directory whose unfinished jobs to rerun. */
  resume?: string;
  /** `--jobs`: most jobs at once. */
  jobs?: number;
  /** `--devices`. */
  devices?: string[];
  /** `--executor`: a registered executor, in place of the sweep file's `executor:` section. */
  executor?: string;
  /** SVD_WASM_THREADS as the user set it (each job gets it); null: the cores are shared out. */
  cpusPerJob?: number | null;
  /** `--set` arguments applied to every job (new sweeps only). */
  sets: string[];
  /** Parent of `<name>/<timestamp>/`, as for `svd run` (new sweeps only). */
  runsDir: string;
  /** Queue the jobs and return at once (executors with a queue only). */
  detach?: boolean;
  /** Validate and list the jobs without running them. */
  dryRun?: boolean;
  /** The command line, recorded in sweep.json. */
  argv: string[];
}

/** A sweep ready to launch. */
interface Prepared {
  sweep: SweepFile;
  paths: SweepPaths;
  meta: SweepMeta;
  records: JobRecord[];
  toRun: CheckedJob[];
}

/** Runs (or resumes) a sweep; resolves to the exit code: 0 all completed, 1 a job failed, 130/143 stopped by a signal. */
export async function runSweep(options: SweepOptions): Promise<number> {
  const prepared = options.resume ? await prepareResume(options) : await prepareNew(options);
  if (!prepared) return 0;
  const { sweep, paths, meta, records, toRun } = prepared;
  const devices = options.devices ?? meta.devices ?? sweep.devices ?? null;
  const { type, executor } = createExecutor(paths, meta, { executor: options.executor, jobs: options.jobs ?? sweep.jobs, devices, cpusPerJob: options.cpusPerJob ?? null, sweep });
  const release = lockSweepDir(paths, options.argv);
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const progress = new SweepProgress(toRun.length);
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy) return;
    stoppedBy = signal;
    progress.line(`${signal}: stopping the sweep; running jobs are being ended`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const where = devices?.length ? ` on devices ${devices.join(',')}` : '';
    const atOnce = Number.isFinite(executor.concurrency) ? `${executor.concurrency} at a time` : `as many at a time as ${type} runs`;
    progress.line(`sweep ${meta.name}: ${toRun.length} of ${records.length} job(s), ${atOnce}${where}; ${paths.dir}`);
    const recorder = new JobRecorder(paths, meta, records, progress);
    const jobs = toRun.map((checked) => recorder.prepare(checked));
    if (options.detach) await executor.submit!(jobs, recorder, controller.signal);
    else await executor.run(jobs, recorder, controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.close();
    writeJobs(paths.jobs, records);
    release();
  }
  if (options.detach && !stoppedBy) {
    console.error(`submitted ${toRun.length} job(s) to ${type}; see how they stand with: svd sweep --status ${paths.dir}`);
    console.log(paths.dir);
    return 0;
  }
  const summary = writeSweepSummary(paths, meta, records);
  console.log(summaryText(summary, process.stdout.isTTY ? Math.max(60, process.stdout.columns || 100) : undefined));
  if (stoppedBy) console.error(`sweep stopped by ${stoppedBy}; continue it with: svd sweep --resume ${paths.dir}`);
  else if (summary.counts.failed > 0) console.error(`${summary.counts.failed} job(s) failed; rerun them with: svd sweep --resume ${paths.dir}`);
  console.log(paths.dir);
  if (stoppedBy) return stoppedBy === 'SIGINT' ? 130 : 143;
  return summary.counts.failed > 0 ? 1 : 0;
}

/** A new sweep: read, expand, validate every job, then create the directory (null on a dry run). */
async function prepareNew(options: SweepOptions): Promise<Prepared | null> {
  if (!options.file) throw new SvdError('E_ARGS', 'svd sweep: a sweep file is needed (or --resume SWEEP_DIR)');
  const sweep = await readSweepFile(options.file);
  const jobs = expandSweep(sweep);
  checkCliSets(jobs, options.sets);
  const checked = await checkJobs(sweep, jobs, options.sets);
  for (const warning of jobWarnings(checked)) console.error(`svd sweep: ${warning}`);
  const executor = executorOptions(options.executor, sweep.executor);
  checkExecutorChoice(executor.type, options.detach, options.devices ?? sweep.devices);
  checkRunsDirWritable(options.runsDir);
  if (options.dryRun) {
    for (const { job } of checked) console.log(`job ${job.index}: ${formatOverrides(job.overrides)}`);
    console.log(`${checked.length} job(s), all valid (base ${sweep.base})`);
    return null;
  }
  const paths = createSweepDir(options.runsDir, sweep.name);
  const meta: SweepMeta = {
    name: sweep.name, file: sweep.file, base: path.resolve(sweep.base), cliSets: options.sets,
    ...(options.jobs !== undefined && { jobs: options.jobs }), ...(options.devices && { devices: options.devices }),
    executor,
    created: new Date().toISOString(), command: options.argv,
  };
  writeFileAtomic(paths.sweepFile, sweep.text);
  writeMeta(paths, meta);
  const records = jobs.map((job): JobRecord => ({ index: job.index, overrides: job.overrides, device: null, runDir: null, status: 'pending', exitCode: null, seconds: null, attempts: 0 }));
  writeJobs(paths.jobs, records);
  return { sweep, paths, meta, records, toRun: checked };
}

/** An existing sweep: its jobs that did not complete, validated again. */
async function prepareResume(options: SweepOptions): Promise<Prepared | null> {
  const dir = options.resume!;
  if (options.sets.length > 0) throw new SvdError('E_ARGS', 'svd sweep: --set cannot be used with --resume (the sweep keeps the overrides it started with)');
  const { paths, meta, records } = openSweepDir(dir);
  checkExecutorChoice(executorOptions(options.executor, meta.executor).type, options.detach, options.devices);
  await refuseWhileQueued(paths, meta, records, options.argv);
  const sweep = await readSweepFile(options.file ?? paths.sweepFile);
  if (!options.file) sweep.base = meta.base;
  const jobs = expandSweep(sweep);
  const same = jobs.length === records.length && jobs.every((job) => {
    const record = records.find((r) => r.index === job.index);
    return record !== undefined && JSON.stringify(record.overrides) === JSON.stringify(job.overrides);
  });
  if (!same) {
    throw new SvdError('E_SWEEP_DIR', `${options.file ?? paths.sweepFile} expands to other jobs than ${paths.jobs} holds; resume with the sweep file the sweep started with`, { file: dir });
  }
  const unfinished = new Set(records.filter((r) => r.status !== 'completed').map((r) => r.index));
  const checked = await checkJobs(sweep, jobs.filter((j) => unfinished.has(j.index)), meta.cliSets);
  if (options.dryRun) {
    for (const { job } of checked) console.log(`job ${job.index}: ${formatOverrides(job.overrides)}`);
    console.log(`${checked.length} of ${records.length} job(s) to rerun`);
    return null;
  }
  return { sweep, paths, meta, records, toRun: checked };
}

/** `--detach` needs an executor whose jobs outlive `svd sweep`; devices are for executors that do not queue (a scheduler places its jobs itself). */
function checkExecutorChoice(type: string, detach: boolean | undefined, devices: string[] | undefined): void {
  const queues = EXECUTORS.has(type) && EXECUTORS.get(type).queues;
  if (detach && !queues) {
    const queueing = EXECUTORS.list().filter(([, e]) => e.queues).map(([n]) => n);
    throw new SvdError('E_ARGS', `svd sweep: --detach needs an executor that queues its jobs (${queueing.join(', ')}); ${type} jobs are child processes of svd sweep`);
  }
  if (devices?.length && queues) {
    throw new SvdError('E_ARGS', `svd sweep: devices (--devices or the sweep file's devices:) cannot be used with the ${type} executor: the scheduler gives each job its devices (for slurm: gpus_per_task)`);
  }
}

/** A resume may not start jobs that are still queued or running from an earlier (detached) submission. */
async function refuseWhileQueued(paths: SweepPaths, meta: SweepMeta, records: JobRecord[], argv: string[]): Promise<void> {
  const live = await catchUp(paths, meta, records, argv);
  if (live.size === 0) return;
  const listed = [...live].map(([index, state]) => `job ${index} (${state})`).join(', ');
  throw new SvdError('E_SWEEP_DIR', `${paths.dir}: ${listed} still queued or running; wait for them (svd sweep --status ${paths.dir}) or cancel them first`, { file: paths.dir });
}

/** A `--set` of the command line may not touch what the jobs vary (every job would be the same there). */
function checkCliSets(jobs: readonly SweepJob[], sets: readonly string[]): void {
  const keys = new Set(jobs.flatMap((j) => Object.keys(j.overrides)));
  for (const set of sets) {
    const target = set.slice(0, Math.max(0, set.indexOf('='))).trim();
    const clash = [...keys].find((key) => key === target || key.startsWith(`${target}.`) || target.startsWith(`${key}.`));
    if (clash) throw new SvdError('E_ARGS', `svd sweep: --set ${set} overrides '${clash}', which the sweep's jobs vary`);
  }
}
