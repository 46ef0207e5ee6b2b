/**
 * Sets of config overrides (dotted path -> value), as sweeps and `svd diff` handle them: as the
 * `--set path=value` arguments that reproduce them (values written as YAML flow, i.e. JSON, which
 * the override parser reads back unchanged), as text people read, and which keys vary between
 * several sets.
 */

/** Dotted config path -> value: one set of `--set` overrides. */
export type Overrides = Record<string, unknown>;

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
