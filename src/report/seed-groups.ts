/**
 * Runs of a sweep grouped by everything but their seed: runs whose overrides differ only in
 * `seed` are repeats of one setting, summarised by the mean and spread (sample standard
 * deviation, lowest and highest) of each figure over the repeats that have it.
 */
import { showValue, type Overrides } from '../config/override-sets.js';

/** The override key that only repeats a setting. */
export const SEED_KEY = 'seed';

/** Mean and spread of one figure over a group's runs that have it. */
export interface Spread {
  count: number;
  mean: number;
  /** Sample standard deviation (0 for a single run). */
  sd: number;
  min: number;
  max: number;
}

/** Runs that differ only by seed. */
export interface SeedGroup {
  /** `key=value ...` of the varying keys other than seed, or `all runs`. */
  label: string;
  overrides: Overrides;
  /** Indices of the member runs, in the sweep's order. */
  runs: number[];
  seeds: unknown[];
}

/** The groups of `runs` by their values of `keys` other than seed, in first-seen order. */
export function seedGroups<R extends { index: number; overrides: Overrides }>(runs: readonly R[], keys: readonly string[]): SeedGroup[] {
  const setting = keys.filter((k) => k !== SEED_KEY);
  const groups = new Map<string, SeedGroup>();
  for (const run of runs) {
    const overrides = Object.fromEntries(setting.filter((k) => k in run.overrides).map((k) => [k, run.overrides[k]]));
    const id = JSON.stringify(setting.map((k) => (k in run.overrides ? run.overrides[k] : null)));
    let group = groups.get(id);
    if (!group) {
      const label = setting.length ? setting.map((k) => `${k}=${k in run.overrides ? showValue(run.overrides[k]) : '-'}`).join(' ') : 'all runs';
      group = { label, overrides, runs: [], seeds: [] };
      groups.set(id, group);
    }
    group.runs.push(run.index);
    group.seeds.push(run.overrides[SEED_KEY] ?? null);
  }
  return [...groups.values()];
}

/** Mean and spread of the finite values among `values`; null when there is none. */
export function spreadOf(values: ReadonlyArray<number | null | undefined>): Spread | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { count: v.length, mean, sd, min: Math.min(...v), max: Math.max(...v) };
}
