/**
 * The job recorder of a sweep: records each job in jobs.jsonl (and its job.json) as the executor
 * reports it starting and ending, finds the run directory each job made, and marks a run that was
 * ended mid-way as interrupted. A job's own failure is recorded, never thrown.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../store/atomic.js';
import { makeDirs } from '../store/make-dirs.js';
import { readSummary, writeSummary } from '../store/summary.js';
import { findRunDirs, readRunInfo } from '../store/run-info.js';
import type { CheckedJob } from './check-jobs.js';
import type { ExecutorJob, JobOutcome, JobPlacement } from './executors/executor.js';
import type { SweepProgress } from './progress.js';
import { jobDir, writeJobs, type JobRecord, type SweepMeta, type SweepPaths } from '../store/sweep-dir.js';

/** Records a sweep's jobs as the executor reports them (the JobEvents of the sweep). */
export class JobRecorder {
  private readonly byIndex: Map<number, JobRecord>;
  private readonly checked = new Map<number, CheckedJob>();
  /** Run directories each job's folder held when it started (its new one is the one added). */
  private readonly before = new Map<number, Set<string>>();

  constructor(private readonly paths: SweepPaths, private readonly meta: SweepMeta, private readonly records: JobRecord[], private readonly progress: SweepProgress) {
    this.byIndex = new Map(records.map((r) => [r.index, r]));
  }

  /** The executor's view of a job: `svd resume` of its run when it was interrupted, else `svd run` into its folder. */
  prepare(checked: CheckedJob): ExecutorJob {
    const record = this.byIndex.get(checked.job.index)!;
    const dir = jobDir(this.paths.dir, record.index);
    const continuing = (record.status === 'interrupted' || record.status === 'running') && record.runDir !== null && fs.existsSync(path.join(this.paths.dir, record.runDir));
    this.checked.set(record.index, checked);
    const args = continuing
      ? ['resume', path.join(this.paths.dir, record.runDir!)]
      : ['run', this.meta.base, ...checked.sets.flatMap((s) => ['--set', s]), '--runs-dir', dir];
    return { index: record.index, args, dir, backend: checked.config.backend };
  }

  started(job: ExecutorJob, placement: JobPlacement): void {
    const record = this.byIndex.get(job.index)!;
    const checked = this.checked.get(job.index);
    const { device, env, id } = placement;
    makeDirs(job.dir);
    writeJsonAtomic(path.join(job.dir, 'job.json'), { index: record.index, overrides: record.overrides, sets: checked?.sets, base: this.meta.base, args: job.args, device, env, ...(id !== undefined && { executorId: id }) });
    this.before.set(job.index, new Set(findRunDirs(job.dir)));
    Object.assign(record, { status: 'running', device, exitCode: null, signal: null, seconds: null, started: new Date().toISOString(), attempts: record.attempts + 1 });
    delete record.ended;
    delete record.stderrTail;
    if (id !== undefined) record.executorId = id;
    else delete record.executorId;
    if (!continues(job)) record.runDir = null;
    this.save();
    this.progress.jobStarted(record);
  }

  ended(job: ExecutorJob, outcome: JobOutcome): void {
    const record = this.byIndex.get(job.index)!;
    if (!continues(job)) {
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

/** True when `job` continues its run (`svd resume`) rather than starting one. */
function continues(job: ExecutorJob): boolean {
  return job.args[0] === 'resume';
}

/** Marks a run that was ended mid-way as interrupted in its summary.json (if it says running). */
function markInterrupted(runDir: string): void {
  const file = path.join(runDir, 'summary.json');
  try {
    const summary = readSummary(file);
    if (summary?.status === 'running') writeSummary(file, { ...summary, status: 'interrupted' });
  } catch {
    // no summary yet (the run had not started training), or a damaged one: left as it is
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 100) / 100;
}
