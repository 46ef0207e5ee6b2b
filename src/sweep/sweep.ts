/**
 * `svd sweep`: reads and expands a sweep file (the sweeper, expand.ts), validates every job's
 * config, creates the sweep directory, hands the jobs to an executor (executors/: `local` runs
 * them as `svd` processes here, one device each when devices are given), records each job in
 * jobs.jsonl as the executor reports it starting and ending, and writes the summary.
 * A failing job does not stop the others. SIGINT / SIGTERM stop the sweep: nothing more starts,
 * running jobs are ended and recorded as interrupted. `--resume` reruns the jobs of a sweep
 * directory that did not complete: interrupted ones continue their run (`svd resume`), failed
 * and never-started ones start afresh.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SvdError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.js';
import { makeDirs } from '../store/make-dirs.js';
import { checkRunsDirWritable } from '../store/run-dir.js';
import { readSummary, writeSummary } from '../store/summary.js';
import { findRunDirs, readRunInfo } from '../store/run-info.js';
import { checkJobs, type CheckedJob } from './check-jobs.js';
import { expandSweep, type SweepJob } from './expand.js';
import { formatOverrides } from '../config/override-sets.js';
import { EXECUTORS } from './executors/registry.js';
import type { ExecutorJob, JobOutcome, JobPlacement } from './executors/executor.js';
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
  /** `--executor`: a registered executor, in place of the sweep file's `executor:` section. */
  executor?: string;
  /** SVD_WASM_THREADS as the user set it (each job gets it); null: the cores are shared out. */
  cpusPerJob?: number | null;
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
  const executorOptions = options.executor ? { type: options.executor } : meta.executor ?? sweep.executor ?? { type: 'local' };
  const { type, ...executorKeys } = executorOptions;
  const executor = EXECUTORS.get(type).create(executorKeys, { jobs: options.jobs ?? meta.jobs ?? sweep.jobs, devices, cpusPerJob: options.cpusPerJob ?? null });
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
    progress.line(`sweep ${meta.name}: ${toRun.length} of ${records.length} job(s), ${executor.concurrency} at a time${where}; ${paths.dir}`);
    const recorder = new JobRecorder(paths, meta, records, progress);
    await executor.run(toRun.map((checked) => recorder.prepare(checked)), recorder, controller.signal);
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
    ...(options.executor && { executor: { type: options.executor } }),
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
 * Records a sweep's jobs in jobs.jsonl (and each job's job.json) as the executor reports them
 * starting and ending; never throws for a job's own failure.
 */
class JobRecorder {
  private readonly byIndex: Map<number, JobRecord>;
  private readonly checked = new Map<number, CheckedJob>();
  /** Run directories each job's folder held when it started (its new one is the one added). */
  private readonly before = new Map<number, Set<string>>();
  /** Jobs that continue their run (`svd resume`) rather than start one. */
  private readonly continuing = new Set<number>();

  constructor(private readonly paths: SweepPaths, private readonly meta: SweepMeta, private readonly records: JobRecord[], private readonly progress: SweepProgress) {
    this.byIndex = new Map(records.map((r) => [r.index, r]));
  }

  /** The executor's view of a job: `svd resume` of its run when it was interrupted, else `svd run` into its folder. */
  prepare(checked: CheckedJob): ExecutorJob {
    const record = this.byIndex.get(checked.job.index)!;
    const dir = jobDir(this.paths.dir, record.index);
    const continuing = (record.status === 'interrupted' || record.status === 'running') && record.runDir !== null && fs.existsSync(path.join(this.paths.dir, record.runDir));
    if (continuing) this.continuing.add(record.index);
    this.checked.set(record.index, checked);
    const args = continuing
      ? ['resume', path.join(this.paths.dir, record.runDir!)]
      : ['run', this.meta.base, ...checked.sets.flatMap((s) => ['--set', s]), '--runs-dir', dir];
    return { index: record.index, args, dir, backend: checked.config.backend };
  }

  started(job: ExecutorJob, placement: JobPlacement): void {
    const record = this.byIndex.get(job.index)!;
    const checked = this.checked.get(job.index)!;
    const { device, env } = placement;
    makeDirs(job.dir);
    writeJsonAtomic(path.join(job.dir, 'job.json'), { index: record.index, overrides: record.overrides, sets: checked.sets, base: this.meta.base, args: job.args, device, env });
    this.before.set(job.index, new Set(findRunDirs(job.dir)));
    Object.assign(record, { status: 'running', device, exitCode: null, signal: null, seconds: null, started: new Date().toISOString(), attempts: record.attempts + 1 });
    delete record.ended;
    delete record.stderrTail;
    if (!this.continuing.has(job.index)) record.runDir = null;
    this.save();
    this.progress.jobStarted(record);
  }

  ended(job: ExecutorJob, outcome: JobOutcome): void {
    const record = this.byIndex.get(job.index)!;
    if (!this.continuing.has(job.index)) {
      const printed = outcome.exitCode === 0 && outcome.lastLine && fs.existsSync(outcome.lastLine) ? outcome.lastLine : null;
      const before = this.before.get(job.index) ?? new Set<string>();
      const created = findRunDirs(job.dir).filter((d) => !before.has(d)).pop() ?? null;
      const runDir = printed ?? created;
      record.runDir = runDir ? path.relative(this.paths.dir, runDir) : null;
    }
    const status = outcome.exitCode === 0 ? 'completed' : outcome.stopped ? 'interrupted' : 'failed';
    Object.assign(record, { status, exitCode: outcome.exitCode, signal: outcome.signal, seconds: round(outcome.seconds), ended: new Date().toISOString() });
    if (status !== 'completed') record.stderrTail = outcome.stderrTail;
    const runDir = record.runDir ? path.join(this.paths.dir, record.runDir) : null;
    if (status === 'interrupted' && runDir) markInterrupted(runDir);
    this.save();
    const run = runDir ? readRunInfo(runDir, false).summary : null;
    this.progress.jobEnded(record, { testError: run?.testError, compression: run?.compression });
  }

  private save(): void {
    writeJobs(this.paths.jobs, this.records);
  }
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
