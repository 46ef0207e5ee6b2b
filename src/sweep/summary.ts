/**
 * The end of a sweep: every job's overrides and final metrics (read from its run's
 * summary.json), sorted by test error (jobs without one last), as `summary.json`, as
 * `summary.md` (with the stderr tail of every job that did not complete) and as a text table for
 * the terminal.
 */
import * as path from 'node:path';
import { readRunInfo } from '../store/run-info.js';
import { ABSENT, duration, percent, times } from '../text/format.js';
import { renderMarkdownTable, renderTable } from '../text/table.js';
import { showValue, varyingKeys } from '../config/override-sets.js';
import type { JobRecord, JobStatus, SweepMeta, SweepPaths } from '../store/sweep-dir.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.js';

/** One job in summary.json: its record plus its run's final figures. */
export interface SweepResult extends JobRecord {
  epochs: number | null;
  testError: number | null;
  compression: number | null;
  sparsity: Record<string, number>;
  runStatus: string | null;
}

/** summary.json of a sweep. */
export interface SweepSummary {
  name: string;
  dir: string;
  base: string;
  status: 'completed' | 'failed' | 'interrupted';
  counts: Record<JobStatus, number>;
  /** The override keys that vary between jobs (the table's columns). */
  keys: string[];
  /** Every job, best test error first. */
  jobs: SweepResult[];
}

const STATUS_ORDER: Record<JobStatus, number> = { completed: 0, failed: 1, interrupted: 2, running: 3, pending: 4 };
/** Lines of a job's stderr shown on the terminal when it failed. */
const TERMINAL_TAIL_LINES = 6;

/** The summary of the sweep in `dir` with job records `records`. */
export function buildSummary(dir: string, meta: SweepMeta, records: readonly JobRecord[]): SweepSummary {
  const jobs = records.map((record): SweepResult => {
    const run = record.runDir ? readRunInfo(path.join(dir, record.runDir), false).summary : null;
    return {
      ...record,
      runStatus: run?.status ?? null,
      epochs: run?.epochs ?? null,
      testError: run?.testError ?? null,
      compression: run?.compression ?? null,
      sparsity: run?.sparsity ?? {},
    };
  });
  jobs.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]
    || (a.testError ?? Infinity) - (b.testError ?? Infinity)
    || a.index - b.index);
  const counts = { completed: 0, failed: 0, interrupted: 0, running: 0, pending: 0 };
  for (const job of jobs) counts[job.status] += 1;
  const status = counts.failed > 0 ? 'failed' : counts.completed === jobs.length ? 'completed' : 'interrupted';
  return { name: meta.name, dir, base: meta.base, status, counts, keys: varyingKeys(records), jobs };
}

/** Header and rows of the results table (`withRun`: a column with each run directory). */
function tableOf(summary: SweepSummary, withRun: boolean): { header: string[]; rows: string[][]; right: Set<number> } {
  const header = ['job', 'status', ...summary.keys, 'test error', 'compression', 'sparsity', 'epochs', 'time', ...(withRun ? ['run'] : [])];
  const rows = summary.jobs.map((job) => [
    String(job.index),
    job.status === 'failed' && job.exitCode !== null ? `failed (${job.exitCode})` : job.status,
    ...summary.keys.map((key) => (key in job.overrides ? showValue(job.overrides[key]) : ABSENT)),
    percent(job.testError),
    times(job.compression),
    Object.keys(job.sparsity).length ? `${Object.values(job.sparsity).map((s) => (100 * s).toFixed(1)).join('/')}%` : ABSENT,
    job.epochs === null ? ABSENT : String(job.epochs),
    duration(job.seconds),
    ...(withRun ? [job.runDir ?? ABSENT] : []),
  ]);
  const first = 2 + summary.keys.length;
  const right = new Set([0, first, first + 1, first + 3, first + 4]);
  return { header, rows, right };
}

/** One sentence of counts: `4 jobs: 3 completed, 1 failed`. */
export function countsLine(summary: SweepSummary): string {
  const parts = (Object.entries(summary.counts) as Array<[JobStatus, number]>).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`);
  return `${summary.jobs.length} job(s): ${parts.join(', ')}`;
}

/** summary.md. */
export function summaryMarkdown(summary: SweepSummary): string {
  const { header, rows, right } = tableOf(summary, true);
  const out = [
    `# Sweep ${summary.name}`,
    '',
    `Base config \`${summary.base}\`; ${countsLine(summary)}. Sorted by test error; sparsity is per layer.`,
    '',
    renderMarkdownTable(header, rows, right),
  ];
  const troubled = summary.jobs.filter((j) => j.status === 'failed' || j.status === 'interrupted');
  if (troubled.length > 0) {
    out.push('', '## Jobs that did not complete');
    for (const job of troubled) {
      out.push('', `### job ${job.index}: ${describeEnd(job)}`, '', `Overrides: \`${JSON.stringify(job.overrides)}\``);
      if (job.stderrTail?.trim()) out.push('', '```', job.stderrTail.trimEnd(), '```');
    }
  }
  return out.join('\n') + '\n';
}

/** The table and the failures for the terminal, fitted to `width` columns. */
export function summaryText(summary: SweepSummary, width?: number): string {
  const { header, rows, right } = tableOf(summary, false);
  const out = [`sweep ${summary.name}: ${countsLine(summary)}`, renderTable(header, rows, { right, width, keyColumns: 2 })];
  for (const job of summary.jobs.filter((j) => j.status === 'failed')) {
    const tail = (job.stderrTail ?? '').trimEnd().split('\n').slice(-TERMINAL_TAIL_LINES);
    out.push('', `job ${job.index} ${describeEnd(job)}; its stderr ends:`, ...tail.map((line) => `  ${line}`));
  }
  return out.join('\n');
}

/** `failed with exit code 1`, `interrupted by SIGTERM`, ... */
function describeEnd(job: JobRecord): string {
  if (job.status === 'interrupted') return `interrupted${job.signal ? ` by ${job.signal}` : ''}`;
  if (job.exitCode !== null) return `${job.status} with exit code ${job.exitCode}`;
  return job.signal ? `${job.status} (killed by ${job.signal})` : job.status;
}

/** Builds the sweep's summary and writes it as summary.json and summary.md. */
export function writeSweepSummary(paths: SweepPaths, meta: SweepMeta, records: readonly JobRecord[]): SweepSummary {
  const summary = buildSummary(paths.dir, meta, records);
  writeJsonAtomic(paths.summaryJson, summary);
  writeFileAtomic(paths.summaryMd, summaryMarkdown(summary));
  return summary;
}
