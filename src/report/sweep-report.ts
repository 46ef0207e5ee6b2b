/**
 * The report of a sweep, `SWEEP_DIR/report/`: `index.html` with test error against compression,
 * one numbered point per setting (runs differing only by seed are one setting: their mean, with
 * bars from the lowest to the highest and a ring per run; a legend names each setting by the
 * keys the jobs vary), the curves of every setting overlaid (test error and compression over
 * epochs, averaged over its seeds), a table of the settings (mean ± standard deviation and range
 * over seeds), a table of every job (linking each run's own report where `svd report` wrote
 * one), and `report.json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunInfo, type MetricsLine } from '../store/run-info.js';
import { percent, times, duration } from '../text/format.js';
import { readJobs, readMeta, sweepPaths } from '../store/sweep-dir.js';
import { showValue, varyingKeys } from '../config/override-sets.js';
import { esc, page, section, table } from './html.js';
import { lineChart, scatter, type Series } from './svg.js';
import { seedGroups, spreadOf, type SeedGroup, type Spread } from './seed-groups.js';
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

/** A setting of the sweep (runs differing only by seed) in report.json. */
export interface SweepReportGroup extends SeedGroup {
  testError: Spread | null;
  compression: Spread | null;
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
  /** The settings, each plotted at its mean. */
  groups: SweepReportGroup[];
}

/** Writes the report of the sweep in `sweepDir`; resolves to the report directory, its page and manifest. */
export async function writeSweepReport(sweepDir: string): Promise<{ dir: string; index: string; manifest: SweepReportManifest }> {
  const paths = sweepPaths(sweepDir);
  const records = readJobs(paths.jobs);
  const meta = readMeta(paths);
  const keys = varyingKeys(records);
  const reportDir = reportDirOf(sweepDir);
  const writer = new ReportWriter(reportDir);
  const metrics = new Map<number, MetricsLine[]>();
  const runs = records.map((job): SweepReportRun => {
    const dir = job.runDir ? path.join(sweepDir, job.runDir) : null;
    const info = dir ? readRunInfo(dir) : null;
    metrics.set(job.index, info?.metrics ?? []);
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
  const plottedIds = new Set(plotted.map((r) => r.index));
  const groups = seedGroups(runs, keys).map((g): SweepReportGroup => {
    const members = runs.filter((r) => g.runs.includes(r.index) && plottedIds.has(r.index));
    return { ...g, testError: spreadOf(members.map((r) => r.testError)), compression: spreadOf(members.map((r) => r.compression)) };
  });
  const manifest: SweepReportManifest = { kind: 'sweep', sweepDir: path.resolve(sweepDir), name, created: new Date().toISOString(), keys, runs, plotted: plotted.map((r) => r.index), groups };

  const drawn = groups.map((g, i) => ({ ...g, key: i + 1 })).filter((g) => g.testError && g.compression);
  const chart = scatter({
    title: 'Test error vs compression, one point per setting (mean over seeds)', xLabel: 'compression (log scale)', yLabel: 'test error', logX: true, xFormat: 'times', yFormat: 'percent',
    points: drawn.map((g) => ({
      key: g.key, x: g.compression!.mean, y: g.testError!.mean, label: g.runs.length > 1 ? `${g.label} (${g.testError!.count} runs)` : g.label,
      xRange: [g.compression!.min, g.compression!.max], yRange: [g.testError!.min, g.testError!.max],
      members: g.testError!.count > 1 ? plotted.filter((r) => g.runs.includes(r.index)).map((r) => ({ x: r.compression!, y: r.testError!, label: `job ${r.index}` })) : [],
    })),
  });
  const groupRows = groups.map((g, i) => [
    String(i + 1), esc(g.label), String(g.runs.length), esc(g.seeds.some((v) => v !== null) ? g.seeds.map((v) => (v === null ? '-' : String(v))).join(', ') : '-'),
    spreadText(g.testError, percent), spreadText(g.compression, times),
  ]);
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
      `<p>${plotted.length} of ${runs.length} job(s) plotted (those with a test error and compression) as ${drawn.length} setting(s): runs differing only by seed are one setting, drawn at their mean with bars over their range and a ring per run. The legend names each setting by the keys the jobs vary${keys.length ? ` (${keys.map(esc).join(', ')})` : ''}.</p>`,
      table(['', 'setting', 'runs', 'seeds', 'test error (mean ± sd, range)', 'compression (mean ± sd, range)'], groupRows, new Set([0, 2, 4, 5])),
    ]),
    section('curves', 'Curves of every setting', [`<div class="grid">${overlaid(groups, metrics).join('\n')}</div>`, '<p>Each line is one setting, averaged over its seeds at every epoch the runs evaluated.</p>']),
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

/** `mean ± sd (min – max)` of a spread in `format`; one value for a single run. */
function spreadText(s: Spread | null, format: (v: number) => string): string {
  if (!s) return '-';
  if (s.count === 1) return format(s.mean);
  return `${format(s.mean)} ± ${format(s.sd)} (${format(s.min)} – ${format(s.max)})`;
}

/** Test error and compression over epochs, one line per setting (the mean over its runs at each epoch). */
function overlaid(groups: SweepReportGroup[], metrics: Map<number, MetricsLine[]>): string[] {
  const meanCurve = (g: SeedGroup, key: string): Array<[number, number]> => {
    const byEpoch = new Map<number, number[]>();
    for (const index of g.runs) {
      for (const m of metrics.get(index) ?? []) {
        const v = m[key];
        if (typeof v === 'number' && Number.isFinite(v)) byEpoch.set(m.epoch, [...(byEpoch.get(m.epoch) ?? []), v]);
      }
    }
    return [...byEpoch.entries()].sort((a, b) => a[0] - b[0]).map(([epoch, v]) => [epoch, v.reduce((a, b) => a + b, 0) / v.length]);
  };
  const series = (key: string): Series[] => groups.map((g, i) => ({ name: `${i + 1} ${g.label}`, points: meanCurve(g, key) }));
  return [
    lineChart({ title: 'Test error over training', xLabel: 'epoch', xInteger: true, yFormat: 'percent', yZero: true, series: series('testError') }),
    lineChart({ title: 'Compression over training (log scale)', xLabel: 'epoch', xInteger: true, yFormat: 'times', logY: true, series: series('compression') }),
  ];
}
