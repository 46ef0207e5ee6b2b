/**
 * The report of a sweep, `SWEEP_DIR/report/`: `index.html` with test error against compression,
 * one labelled point per run (its overrides of the keys the jobs vary), a table of every job
 * (linking each run's own report where `svd report` wrote one), and `report.json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunInfo } from '../store/run-info.js';
import { percent, times, duration } from '../text/format.js';
import { readJobs, readMeta, sweepPaths } from '../store/sweep-dir.js';
import { showValue, varyingKeys } from '../config/override-sets.js';
import { esc, page, section, table } from './html.js';
import { scatter } from './svg.js';
import { ReportWriter, reportDirOf } from './report-dir.js';

/** One job in a sweep's report.json. */
export interface SweepReportRun {
  index: number;
  /** The job's status, or `damaged` when its run directory's records are (see `problem`). */
  status: string;
  /** What is damaged in the job's run directory, naming the file; null when nothing is. */
  problem: string | null;
  overrides: Record<string, unknown>;
  /** `key=value ...` of the varying keys. */
  label: string;
  runDir: string | null;
  testError: number | null;
  compression: number | null;
  sparsity: Record<string, number>;
  epochs: number | null;
  /** Relative link to the run's own report, when it has one. */
  report: string | null;
}

/** report.json of a sweep. */
export interface SweepReportManifest {
  kind: 'sweep';
  sweepDir: string;
  name: string;
  created: string;
  keys: string[];
  runs: SweepReportRun[];
  /** Runs drawn in the scatter plot (those with a test error and compression). */
  plotted: number[];
}

/** Writes the report of the sweep in `sweepDir`; resolves to the report directory, its page and manifest. */
export async function writeSweepReport(sweepDir: string): Promise<{ dir: string; index: string; manifest: SweepReportManifest }> {
  const paths = sweepPaths(sweepDir);
  const records = readJobs(paths.jobs);
  const meta = readMeta(paths);
  const keys = varyingKeys(records);
  const reportDir = reportDirOf(sweepDir);
  const writer = new ReportWriter(reportDir);
  const runs = records.map((job): SweepReportRun => {
    const dir = job.runDir ? path.join(sweepDir, job.runDir) : null;
    const info = dir ? readRunInfo(dir, false) : null;
    const summary = info?.summary ?? null;
    const problem = info?.problems[0]?.format() ?? null;
    const runReport = dir ? path.join(dir, 'report', 'index.html') : null;
    const label = keys.length ? keys.map((k) => `${k}=${k in job.overrides ? showValue(job.overrides[k]) : '-'}`).join(' ') : `job ${job.index}`;
    return {
      index: job.index, status: problem ? 'damaged' : job.status, problem, overrides: job.overrides, label, runDir: job.runDir,
      testError: summary?.testError ?? null, compression: summary?.compression ?? null, sparsity: summary?.sparsity ?? {}, epochs: summary?.epochs ?? null,
      report: runReport && fs.existsSync(runReport) ? path.relative(reportDir, runReport).split(path.sep).join('/') : null,
    };
  });
  const plotted = runs.filter((r) => typeof r.testError === 'number' && typeof r.compression === 'number' && Number.isFinite(r.compression) && r.compression > 0);
  const name = meta?.name ?? path.basename(path.dirname(path.resolve(sweepDir)));
  const manifest: SweepReportManifest = { kind: 'sweep', sweepDir: path.resolve(sweepDir), name, created: new Date().toISOString(), keys, runs, plotted: plotted.map((r) => r.index) };

  const chart = scatter({
    title: 'Test error vs compression, one point per run', xLabel: 'compression (log scale)', yLabel: 'test error', logX: true, xFormat: 'times', yFormat: 'percent',
    points: plotted.map((r) => ({ x: r.compression!, y: r.testError!, label: r.label })),
  });
  const layers = [...new Set(runs.flatMap((r) => Object.keys(r.sparsity)))];
  const rows = runs.map((r) => [
    String(r.index), esc(r.status), ...keys.map((k) => esc(k in r.overrides ? showValue(r.overrides[k]) : '-')),
    percent(r.testError), times(r.compression), ...layers.map((l) => percent(r.sparsity[l], 1)), esc(String(r.epochs ?? '-')),
    r.report ? `<a href="${encodeURI(r.report)}">report</a>` : r.runDir ? esc(r.runDir) : '-',
  ]);
  const first = 2 + keys.length;
  const numeric = new Set([0, ...Array.from({ length: 2 + layers.length + 1 }, (_, i) => first + i)]);
  const seconds = records.reduce((t, r) => t + (r.seconds ?? 0), 0);
  const body = [
    section('scatter', 'Error against compression', [
      chart,
      `<p>${plotted.length} of ${runs.length} job(s) plotted (those with a test error and compression); labels show the keys the jobs vary${keys.length ? ` (${keys.map(esc).join(', ')})` : ''}.</p>`,
    ]),
    section('jobs', 'Jobs', [
      table(['job', 'status', ...keys, 'test error', 'compression', ...layers.map((l) => `sparsity ${l}`), 'epochs', 'run'], rows, numeric),
      '<p>A run links to its own report once <code>svd report RUN_DIR</code> has written one.</p>',
      ...runs.flatMap((r) => (r.problem ? [`<p class="note">Job ${r.index} is damaged: ${esc(r.problem)}</p>`] : [])),
    ]),
    section('sweep', 'Sweep', [
      `<p>Base config: <code>${esc(meta?.base ?? '-')}</code>; --set: <code>${esc((meta?.cliSets ?? []).join(' ') || '(none)')}</code>; job time in all: ${duration(seconds)}.</p>`,
      fs.existsSync(paths.sweepFile) ? `<h3>sweep.yaml</h3><pre>${esc(fs.readFileSync(paths.sweepFile, 'utf8'))}</pre>` : '',
    ]),
  ];
  try {
    return writer.finish(page(`svd report: sweep ${name}`, `${path.resolve(sweepDir)} — ${runs.length} job(s)`, body), manifest);
  } catch (err) {
    writer.abandon();
    throw err;
  }
}
