/**
 * The sweeper (after Hydra's): turns a sweep file into jobs, each a set of overrides, and does
 * nothing else. A grid expands to its cross product, the first key varying slowest; `runs` gives
 * one job per entry. Overrides become `--set path=value` arguments, values written as YAML flow
 * (JSON, which the override parser reads back unchanged).
 */
import type { SourceLocation } from '../errors.js';
import type { Overrides, SweepFile } from './sweep-file.js';

/** One job of a sweep: its number and its own overrides. */
export interface SweepJob {
  /** 0-based position in the sweep. */
  index: number;
  overrides: Overrides;
  /** Where each override's value sits in the sweep file. */
  origins: Record<string, SourceLocation>;
}

/** The jobs of `sweep`, in order. */
export function expandSweep(sweep: SweepFile): SweepJob[] {
  if (sweep.runs) {
    return sweep.runs.map((overrides, index) => ({
      index,
      overrides: { ...overrides },
      origins: Object.fromEntries(Object.keys(overrides).map((key) => [key, sweep.sources.locate(['runs', String(index), key])])),
    }));
  }
  const axes = Object.entries(sweep.grid ?? {});
  let combos: Array<Array<[string, unknown, number]>> = [[]];
  for (const [key, values] of axes) {
    combos = combos.flatMap((combo) => values.map((value, i): Array<[string, unknown, number]> => [...combo, [key, value, i]]));
  }
  return combos.map((combo, index) => ({
    index,
    overrides: Object.fromEntries(combo.map(([key, value]) => [key, value])),
    origins: Object.fromEntries(combo.map(([key, , i]) => [key, sweep.sources.locate(['grid', key, String(i)])])),
  }));
}

/** The keys whose values differ between jobs (the columns of a sweep's summary), in first-seen order. */
export function varyingKeys(jobs: ReadonlyArray<{ overrides: Overrides }>): string[] {
  const keys = [...new Set(jobs.flatMap((j) => Object.keys(j.overrides)))];
  if (jobs.length < 2) return keys;
  return keys.filter((key) => new Set(jobs.map((j) => JSON.stringify(j.overrides[key]))).size > 1);
}

/** A value as YAML flow text that `--set` parses back to the same value. */
export function toYamlFlow(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf';
  return JSON.stringify(value) ?? 'null';
}

/** `{a.b: 1}` -> `['a.b=1']`: the `--set` arguments of a set of overrides. */
export function overridesToSets(overrides: Overrides): string[] {
  return Object.entries(overrides).map(([key, value]) => `${key}=${toYamlFlow(value)}`);
}

/** A value as people read it: strings bare, everything else as JSON. */
export function showValue(value: unknown): string {
  return typeof value === 'string' ? value : toYamlFlow(value);
}

/** `sparsity.threshold=2 seed=1`: a job's overrides on one line. */
export function formatOverrides(overrides: Overrides): string {
  const parts = Object.entries(overrides).map(([key, value]) => `${key}=${showValue(value)}`);
  return parts.length ? parts.join(' ') : '(no overrides)';
}
