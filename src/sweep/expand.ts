/**
 * The sweeper (after Hydra's): turns a sweep file into jobs, each a set of overrides, and does
 * nothing else. A grid expands to its cross product, the first key varying slowest; `runs` gives
 * one job per entry. How overrides become `--set` arguments and text is config/override-sets.ts's.
 */
import type { SourceLocation } from '../errors.js';
import type { Overrides } from '../config/override-sets.js';
import type { SweepFile } from './sweep-file.js';

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
