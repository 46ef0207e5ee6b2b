/**
 * The comparison behind `svd diff`: flattened config keys (those that differ, or all), final
 * metrics side by side with deltas against the first run, the same metrics at the last epoch
 * every run reached when the runs have different lengths, and environment keys (backend,
 * versions, seed, machine; the command line, working folder and start time are left out
 * unless `all`).
 */
import * as path from 'node:path';
import type { SvdError } from '../errors.js';
import { label, type RunArg, type RunRef } from './inputs.js';
import { differ, flatten, unionKeys } from './flatten.js';
import { readRunInfo, type MetricsLine, type RunInfo } from '../store/run-info.js';

/** How a metric reads and how its delta is taken. */
export type MetricKind = 'percent' | 'ratio' | 'count' | 'seconds' | 'number' | 'text';

/** One metric across the runs. */
export interface MetricRow {
  metric: string;
  kind: MetricKind;
  values: Array<number | string | null>;
  /** value - first run's value (numbers only; null where either is missing). */
  deltas: Array<number | null>;
}

/** One flattened key across the runs (undefined where a run lacks it). */
export interface KeyRow {
  key: string;
  values: unknown[];
  differs: boolean;
}

/** A run or sweep left out of the comparison because its records are damaged. */
export interface DamagedInput {
  dir: string;
  /** The first problem, naming the file: `file:line: key: reason`. */
  problem: string;
}

/** Everything `svd diff` shows. */
export interface RunDiff {
  runs: RunRef[];
  /** Runs and sweeps not compared: their records are damaged. */
  damaged: DamagedInput[];
  config: { total: number; differing: number; rows: KeyRow[] };
  final: MetricRow[];
  /** Metrics at the last epoch all runs evaluated, when some ran longer; null otherwise. */
  common: { epoch: number; rows: MetricRow[] } | null;
  /** True when the runs have no evaluated epoch in common. */
  noCommonEpoch: boolean;
  env: { total: number; differing: number; rows: KeyRow[] };
}

/** The backends a run trained on, in order: its own, then each resume's (`webgpu -> wasm`); resumes are otherwise left out as noise. */
function backendsUsed(env: Record<string, unknown>): string {
  const nameOf = (b: unknown) => String((b as { name?: unknown } | undefined)?.name ?? '?');
  const resumes = Array.isArray(env.resumes) ? (env.resumes as Array<{ backend?: unknown }>) : [];
  const names = [nameOf(env.backend), ...resumes.map((r) => nameOf(r.backend))];
  return names.filter((n, k) => k === 0 || n !== names[k - 1]).join(' -> ');
}

/** env.json keys that differ between any two runs and say nothing about the environment. */
const ENV_NOISE = ['command', 'cwd', 'started', 'resumes'];

/**
 * Compares the runs in `args` whose records are sound, labelled A, B, ... in order; the others,
 * and the sweeps in `damagedSweeps`, are listed as damaged (`all`: keep unchanged config and
 * environment keys too).
 */
export function diffRuns(args: readonly RunArg[], damagedSweeps: readonly SvdError[] = [], all = false): RunDiff {
  const damaged: DamagedInput[] = damagedSweeps.map((e) => ({ dir: path.dirname(e.location.file ?? ''), problem: e.format() }));
  const sound: Array<{ arg: RunArg; info: RunInfo }> = [];
  for (const arg of args) {
    const info = readRunInfo(arg.dir);
    if (info.problems.length) damaged.push({ dir: arg.dir, problem: info.problems[0].format() });
    else sound.push({ arg, info });
  }
  const refs: RunRef[] = sound.map(({ arg }, i) => ({ label: label(i), ...arg }));
  const infos = sound.map(({ info }) => info);
  const config = keyRows(infos.map((i) => flatten(i.resolved ?? {})), all);
  const envMaps = infos.map((i) => {
    const map = flatten(i.env ?? {});
    if (!all) for (const key of [...map.keys()]) if (ENV_NOISE.some((n) => key === n || key.startsWith(`${n}.`))) map.delete(key);
    map.set('backendsUsed', backendsUsed(i.env ?? {}));
    return map;
  });
  const env = keyRows(envMaps, all);
  const lasts = infos.map((i) => i.metrics.at(-1)?.epoch ?? null);
  const epochSets = infos.map((i) => new Set(i.metrics.map((m) => m.epoch)));
  const shared = [...epochSets[0] ?? []].filter((e) => epochSets.every((s) => s.has(e)));
  const lastShared = shared.length ? Math.max(...shared) : null;
  const differentLengths = new Set(lasts).size > 1;
  return {
    runs: refs,
    damaged,
    config,
    final: finalRows(infos),
    common: differentLengths && lastShared !== null ? { epoch: lastShared, rows: epochRows(infos.map((i) => i.metrics.find((m) => m.epoch === lastShared) ?? null)) } : null,
    noCommonEpoch: differentLengths && lastShared === null,
    env,
  };
}

function keyRows(maps: Array<Map<string, unknown>>, all: boolean): { total: number; differing: number; rows: KeyRow[] } {
  const rows = unionKeys(maps).map((key) => {
    const values = maps.map((m) => m.get(key));
    return { key, values, differs: differ(values) };
  });
  return { total: rows.length, differing: rows.filter((r) => r.differs).length, rows: all ? rows : rows.filter((r) => r.differs) };
}

/** A metric row with deltas against the first run. */
function row(metric: string, kind: MetricKind, values: Array<number | string | null | undefined>): MetricRow {
  const vals = values.map((v) => (v === undefined ? null : v));
  const ref = vals[0];
  const deltas = vals.map((v) => (kind !== 'text' && typeof v === 'number' && typeof ref === 'number' ? v - ref : null));
  return { metric, kind, values: vals, deltas };
}

/** Layer names across runs, in first-seen order. */
function layers(sparsities: Array<Record<string, number> | undefined>): string[] {
  return [...new Set(sparsities.flatMap((s) => Object.keys(s ?? {})))];
}

function finalRows(infos: RunInfo[]): MetricRow[] {
  const s = infos.map((i) => i.summary ?? {});
  const last = infos.map((i) => i.metrics.at(-1));
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return [
    row('status', 'text', s.map((x) => x.status ?? null)),
    row('epochs', 'count', s.map((x) => x.epochs)),
    row('test error', 'percent', s.map((x) => x.testError)),
    row('test nll', 'number', last.map((m) => num(m?.testNll))),
    row('train loss', 'number', last.map((m) => num(m?.trainLoss))),
    row('compression', 'ratio', s.map((x) => x.compression)),
    row('nonzero weights', 'count', s.map((x) => x.params?.nonzero)),
    ...layers(s.map((x) => x.sparsity)).map((layer) => row(`sparsity ${layer}`, 'percent', s.map((x) => x.sparsity?.[layer]))),
    row('seconds', 'seconds', s.map((x) => x.seconds)),
  ];
}

function epochRows(lines: Array<MetricsLine | null>): MetricRow[] {
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const sparsity = lines.map((m) => m?.sparsity as Record<string, number> | undefined);
  return [
    row('test error', 'percent', lines.map((m) => num(m?.testError))),
    row('test nll', 'number', lines.map((m) => num(m?.testNll))),
    row('train loss', 'number', lines.map((m) => num(m?.trainLoss))),
    row('compression', 'ratio', lines.map((m) => num(m?.compression))),
    ...layers(sparsity).map((layer) => row(`sparsity ${layer}`, 'percent', sparsity.map((x) => x?.[layer]))),
    row('seconds', 'seconds', lines.map((m) => num(m?.seconds))),
  ];
}
