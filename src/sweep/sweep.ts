/**
 * `svd sweep`: reads and expands a sweep file (sweeper), validates every job's config, creates
 * the sweep directory, runs the jobs as `svd` processes (launcher, one device each when devices
 * are given, the CPU cores shared out between the jobs running at once), records each job in
 * jobs.jsonl as it starts and ends, and writes the summary.
 * A failing job does not stop the others. SIGINT / SIGTERM stop the sweep: nothing more starts,
 * running jobs are ended and recorded as interrupted. `--resume` reruns the jobs of a sweep
 * directory that did not complete: interrupted ones continue their run (`svd resume`), failed
 * and never-started ones start afresh.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SvdError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.js';
import { readSummary, writeSummary } from '../store/summary.js';
import { findRunDirs, readRunInfo } from '../store/run-info.js';
import { checkJobs, type CheckedJob } from './check-jobs.js';
import { expandSweep, type SweepJob } from './expand.js';
import { formatOverrides } from '../config/override-sets.js';
import { effectiveConcurrency, launch } from './launcher.js';
import { runJobProcess } from './process-job.js';
import { SweepProgress } from './progress.js';
import { readSweepFile, type SweepFile } from './sweep-file.js';
import { createSweepDir, jobDir, lockSweepDir, openSweepDir, writeJobs, writeMeta, type JobRecord, type SweepMeta, type SweepPaths } from '../store/sweep-dir.js';
import { buildSummary, summaryMarkdown, summaryText } from './summary.js';

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
  /** `--set` arguments applied to every job (new sweeps only). */
  sets: string[];
  /** Parent of `sweeps/<name>/...` (new sweeps only). */
  runsDir: string;
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
  const concurrency = effectiveConcurrency(options.jobs ?? meta.jobs ?? sweep.jobs ?? (devices?.length || os.availableParallelism()), devices);
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
    progress.line(`sweep ${meta.name}: ${toRun.length} of ${records.length} job(s), ${concurrency} at a time${where}; ${paths.dir}`);
    const byIndex = new Map(records.map((r) => [r.index, r]));
    const save = () => writeJobs(paths.jobs, records);
    await launch(toRun, {
      concurrency,
      devices,
      signal: controller.signal,
      notStarted: () => undefined,
      run: (checked, device, signal) => runJob({ paths, meta, checked, record: byIndex.get(checked.job.index)!, device, signal, save, progress, env: jobEnv(concurrency) }),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.close();
    writeJobs(paths.jobs, records);
    release();
  }
  const summary = buildSummary(paths.dir, meta, records);
  writeJsonAtomic(paths.summaryJson, summary);
  writeFileAtomic(paths.summaryMd, summaryMarkdown(summary));
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
  if (options.dryRun) {
    for (const { job } of checked) console.log(`job ${job.index}: ${formatOverrides(job.overrides)}`);
    console.log(`${checked.length} job(s), all valid (base ${sweep.base})`);
    return null;
  }
  const paths = createSweepDir(options.runsDir, sweep.name);
  const meta: SweepMeta = {
    name: sweep.name, file: sweep.file, base: path.resolve(sweep.base), cliSets: options.sets,
    ...(options.jobs !== undefined && { jobs: options.jobs }), ...(options.devices && { devices: options.devices }),
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

/** A `--set` of the command line may not touch what the jobs vary (every job would be the same there). */
function checkCliSets(jobs: readonly SweepJob[], sets: readonly string[]): void {
  const keys = new Set(jobs.flatMap((j) => Object.keys(j.overrides)));
  for (const set of sets) {
    const target = set.slice(0, Math.max(0, set.indexOf('='))).trim();
    const clash = [...keys].find((key) => key === target || key.startsWith(`${target}.`) || target.startsWith(`${key}.`));
    if (clash) throw new SvdError('E_ARGS', `svd sweep: --set ${set} overrides '${clash}', which the sweep's jobs vary`);
  }
}

/**
 * Environment for every job: the CPU cores shared out between the jobs running at once
 * (SVD_WASM_THREADS, the wasm backend's thread count), unless the user set it.
 */
export function jobEnv(concurrency: number, cores = os.availableParallelism()): Record<string, string> {
  if (process.env.SVD_WASM_THREADS) return {};
  return { SVD_WASM_THREADS: String(Math.max(1, Math.floor(cores / concurrency))) };
}

/** What one job needs to run. */
interface JobContext {
  paths: SweepPaths;
  meta: SweepMeta;
  checked: CheckedJob;
  record: JobRecord;
  device: string | null;
  signal: AbortSignal;
  /** Rewrites jobs.jsonl. */
  save: () => void;
  progress: SweepProgress;
  env: Record<string, string>;
}

/** Runs one job as an `svd` process and records it; never throws for a job's own failure. */
async function runJob({ paths, meta, checked, record, device, signal, save, progress, env }: JobContext): Promise<void> {
  const dir = jobDir(paths.dir, record.index);
  fs.mkdirSync(dir, { recursive: true });
  const continuing = (record.status === 'interrupted' || record.status === 'running') && record.runDir !== null && fs.existsSync(path.join(paths.dir, record.runDir));
  const args = continuing
    ? ['resume', path.join(paths.dir, record.runDir!)]
    : ['run', meta.base, ...checked.sets.flatMap((s) => ['--set', s]), '--runs-dir', dir];
  writeJsonAtomic(path.join(dir, 'job.json'), { index: record.index, overrides: record.overrides, sets: checked.sets, base: meta.base, args, device, env });
  const before = new Set(findRunDirs(dir));
  Object.assign(record, { status: 'running', device, exitCode: null, signal: null, seconds: null, started: new Date().toISOString(), attempts: record.attempts + 1 });
  delete record.ended;
  delete record.stderrTail;
  if (!continuing) record.runDir = null;
  save();
  progress.jobStarted(record);
  const outcome = await runJobProcess({ args, device, env, logFile: path.join(dir, 'job.log'), signal });
  if (!continuing) {
    const printed = outcome.exitCode === 0 && outcome.lastLine && fs.existsSync(outcome.lastLine) ? outcome.lastLine : null;
    const created = findRunDirs(dir).filter((d) => !before.has(d)).pop() ?? null;
    const runDir = printed ?? created;
    record.runDir = runDir ? path.relative(paths.dir, runDir) : null;
  }
  const status = outcome.exitCode === 0 ? 'completed' : outcome.stopped || signal.aborted ? 'interrupted' : 'failed';
  Object.assign(record, { status, exitCode: outcome.exitCode, signal: outcome.signal, seconds: round(outcome.seconds), ended: new Date().toISOString() });
  if (status !== 'completed') record.stderrTail = outcome.stderrTail;
  const runDir = record.runDir ? path.join(paths.dir, record.runDir) : null;
  if (status === 'interrupted' && runDir) markInterrupted(runDir);
  save();
  const run = runDir ? readRunInfo(runDir, false).summary : null;
  progress.jobEnded(record, { testError: run?.testError, compression: run?.compression });
}

/** Marks a run that was ended mid-way as interrupted in its summary.json (if it says running). */
function markInterrupted(runDir: string): void {
  const file = path.join(runDir, 'summary.json');
  try {
    const summary = readSummary(file);
    if (summary.status === 'running') writeSummary(file, { ...summary, status: 'interrupted' });
  } catch {
    // no summary yet: the run had not started training
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 100) / 100;
}
