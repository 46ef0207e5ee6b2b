/**
 * `svd diff` as text: a legend of the runs (labels A, B, ...), then the config keys that differ,
 * the final metrics side by side with deltas against A, the metrics at the last common epoch
 * when the runs differ in length, and the environment differences. Tables wrap into blocks of
 * runs to stay within the width (100 columns by default). A value that differs is never cut.
 */
import { formatOverrides } from '../config/override-sets.js';
import type { KeyRow, MetricRow, RunDiff } from './diff.js';
import { ABSENT, duration, num, percent, plain, signed, times } from '../text/format.js';
import { cut, renderMatrix, TABLE_WIDTH } from '../text/table.js';

/** One metric value as text. */
function showMetric(kind: MetricRow['kind'], value: number | string | null): string {
  if (value === null) return ABSENT;
  if (typeof value === 'string') return value;
  switch (kind) {
    case 'percent': return percent(value);
    case 'ratio': return times(value);
    case 'seconds': return duration(value);
    case 'count': return String(value);
    default: return num(value);
  }
}

/** A delta as text (`+0.40pp`, `-1.2x`, `+3s`), empty when zero or unknown. */
function showDelta(kind: MetricRow['kind'], delta: number | null): string {
  switch (kind) {
    case 'percent': return signed(delta, (d) => `${(100 * d).toFixed(2)}pp`);
    case 'ratio': return signed(delta, (d) => `${d.toFixed(1)}x`);
    case 'seconds': return signed(delta, (d) => duration(d));
    case 'count': return signed(delta, (d) => String(d));
    case 'number': return signed(delta, (d) => num(d, 3));
    default: return '';
  }
}

function metricTable(diff: RunDiff, rows: MetricRow[], width: number): string {
  const cells = rows.map((r) => r.values.map((v, i) => {
    const delta = i === 0 ? '' : showDelta(r.kind, r.deltas[i]);
    return delta ? `${showMetric(r.kind, v)} (${delta})` : showMetric(r.kind, v);
  }));
  return renderMatrix('metric', 'run', rows.map((r) => r.metric), diff.runs.map((r) => r.label), cells, { width });
}

/** Longest value of an unchanged key (--all) before it is cut with `…`; a value that differs is always shown whole. */
const UNCHANGED_CELL = 32;

function keyTable(diff: RunDiff, rows: KeyRow[], width: number, mark: boolean): string {
  const names = rows.map((r) => (mark ? `${r.differs ? '* ' : '  '}${r.key}` : r.key));
  const cells = rows.map((r) => r.values.map((v) => (r.differs ? plain(v) : cut(plain(v), UNCHANGED_CELL))));
  return renderMatrix('key', 'run', names, diff.runs.map((r) => r.label), cells, { width, maxCell: Infinity });
}

/** The whole comparison as text, fitted to `width` columns. */
export function renderDiff(diff: RunDiff, all = false, width = TABLE_WIDTH): string {
  const out: string[] = ['runs'];
  for (const run of diff.runs) {
    out.push(`  ${run.label}  ${run.dir}`);
    if (run.job) out.push(`  ${' '.repeat(run.label.length)}  job ${run.job.index}: ${formatOverrides(run.job.overrides)}`);
  }
  if (diff.damaged.length) {
    out.push('', `not compared: ${diff.damaged.length} damaged`);
    for (const d of diff.damaged) out.push(`  ${d.problem}`);
  }
  const section = (title: string, body: string | null) => {
    out.push('', title);
    if (body) out.push(body);
  };
  const { config, env } = diff;
  const configTitle = `config: ${config.differing} of ${config.total} keys differ${all && config.differing ? ' (marked *)' : ''}`;
  section(configTitle, config.rows.length ? keyTable(diff, config.rows, width, all) : null);
  section(`final metrics (deltas against ${diff.runs[0]?.label ?? 'A'}; pp: percentage points)`, metricTable(diff, diff.final, width));
  if (diff.common) section(`at epoch ${diff.common.epoch}, the last epoch every run evaluated`, metricTable(diff, diff.common.rows, width));
  else if (diff.noCommonEpoch) section('the runs have no evaluated epoch in common', null);
  const envTitle = env.differing === 0 && !all ? `environment: the same (${env.total} keys)` : `environment: ${env.differing} of ${env.total} keys differ${all && env.differing ? ' (marked *)' : ''}`;
  section(envTitle, env.rows.length ? keyTable(diff, env.rows, width, all) : null);
  return out.join('\n');
}
