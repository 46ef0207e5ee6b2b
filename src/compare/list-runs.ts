/**
 * `svd ls`: one row per run directory found under a folder (sweep job runs included): name,
 * start time, status, epochs, test error, compression, seconds, a sweep job's overrides and the
 * directory, oldest first.
 * A run whose process is gone shows as `stopped` (its summary still says running); a run whose
 * records are damaged shows as `damaged`, with the file and the reason under the table.
 */
import * as path from 'node:path';
import { ABSENT, duration, percent, shortTime, times } from '../text/format.js';
import { findRunDirs, readRunInfo } from '../store/run-info.js';
import { renderTable } from '../text/table.js';
import { lockState } from '../store/dir-lock.js';
import { runPaths } from '../store/run-dir.js';
import { jobOverridesOf } from '../store/sweep-dir.js';
import { formatOverrides } from '../config/override-sets.js';

/** One run in the listing (also the `--json` form). */
export interface RunRow {
  dir: string;
  name: string;
  started: string | null;
  status: string | null;
  epochs: number | null;
  /** The epochs the run is set to train (resolved.json's training.epochs). */
  totalEpochs: number | null;
  testError: number | null;
  compression: number | null;
  seconds: number | null;
  /** A sweep job's overrides (its job.json), which set it apart from the sweep's other runs; null for a plain run. */
  overrides: Record<string, unknown> | null;
  /** What is damaged in the run directory (`file: key: reason`); null when nothing is. */
  problem: string | null;
}

/** The runs under `root`, oldest first. */
export function listRuns(root: string): RunRow[] {
  const rows = findRunDirs(root).map((dir): RunRow => {
    const info = readRunInfo(dir, false);
    const s = info.summary ?? {};
    return {
      dir,
      name: s.name ?? (typeof info.resolved?.name === 'string' ? info.resolved.name : path.basename(path.dirname(dir))),
      started: typeof info.env?.started === 'string' ? info.env.started : null,
      status: info.problems.length ? 'damaged' : liveStatus(dir, s.status ?? null),
      epochs: s.epochs ?? null,
      totalEpochs: totalEpochsOf(info.resolved),
      testError: s.testError ?? null,
      compression: s.compression ?? null,
      seconds: s.seconds ?? null,
      overrides: jobOverridesOf(dir),
      problem: info.problems[0]?.format() ?? null,
    };
  });
  return rows.sort((a, b) => (a.started ?? '').localeCompare(b.started ?? '') || a.dir.localeCompare(b.dir));
}

/** resolved.json's training.epochs, when it is a number. */
function totalEpochsOf(resolved: Record<string, unknown> | null): number | null {
  const training = resolved?.training as { epochs?: unknown } | undefined;
  return typeof training?.epochs === 'number' ? training.epochs : null;
}

/**
 * The summary's status, except that a run marked running whose process is gone (killed or
 * crashed: its run.lock is stale) is `stopped`, to be continued with `svd resume`.
 */
function liveStatus(dir: string, status: string | null): string | null {
  return status === 'running' && lockState(runPaths(dir).lock).state === 'stale' ? 'stopped' : status;
}

/** Epochs done; `done/total` for a run that has not completed. */
function epochsCell(r: RunRow): string {
  if (r.epochs === null) return ABSENT;
  return r.status !== 'completed' && r.totalEpochs !== null ? `${r.epochs}/${r.totalEpochs}` : String(r.epochs);
}

/** The listing as a text table. */
export function renderRuns(rows: readonly RunRow[]): string {
  const jobs = rows.some((r) => r.overrides !== null);
  const header = ['name', 'started', 'status', 'epochs', 'test error', 'compression', 'time', ...(jobs ? ['overrides'] : []), 'dir'];
  const cells = rows.map((r) => [
    r.name, shortTime(r.started), r.status ?? ABSENT, epochsCell(r), percent(r.testError), times(r.compression), duration(r.seconds),
    ...(jobs ? [r.overrides ? formatOverrides(r.overrides) : ABSENT] : []), r.dir,
  ]);
  const table = renderTable(header, cells, { right: new Set([3, 4, 5, 6]), width: Infinity, maxCell: Infinity });
  const damaged = rows.filter((r) => r.problem !== null).map((r) => `damaged: ${r.problem}`);
  return damaged.length ? [table, '', ...damaged].join('\n') : table;
}
