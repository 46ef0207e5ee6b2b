/**
 * How figures read in tables: errors and sparsities as percents, compression as `21.7x`,
 * durations as `3m05s`, config values compactly; absent values as `-`.
 */

/** Shown for a value a run does not have. */
export const ABSENT = '-';

/** 0.0255 -> `2.55%`. */
export function percent(fraction: number | null | undefined, digits = 2): string {
  return typeof fraction === 'number' && Number.isFinite(fraction) ? `${(100 * fraction).toFixed(digits)}%` : ABSENT;
}

/** 21.66 -> `21.7x`; Infinity (no weight left) -> `all pruned`. */
export function times(ratio: number | null | undefined): string {
  if (typeof ratio !== 'number') return ABSENT;
  if (!Number.isFinite(ratio)) return ratio > 0 ? 'all pruned' : ABSENT;
  return `${ratio.toFixed(1)}x`;
}

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Seconds as `12s`, `3m05s`, `1h02m`; absent as `-`. */
export function duration(seconds: number | null | undefined): string {
  return typeof seconds === 'number' ? formatDuration(seconds) : ABSENT;
}

/** A number with at most `digits` significant digits, integers as they are. */
export function num(value: number | null | undefined, digits = 4): string {
  if (typeof value !== 'number') return ABSENT;
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(digits)));
}

/** A config or environment value: strings bare, undefined as `-`, the rest as JSON. */
export function plain(value: unknown): string {
  if (value === undefined) return ABSENT;
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

/** `2026-11-24T20:15:02.123Z` -> `2026-11-24 20:15` (UTC, like run directory names). */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return ABSENT;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? ABSENT : d.toISOString().slice(0, 16).replace('T', ' ');
}

/** A signed delta such as `+0.40pp` or `-3s`; empty when unknown or zero as shown (`0.00pp`). */
export function signed(delta: number | null, show: (abs: number) => string): string {
  if (delta === null || !Number.isFinite(delta)) return '';
  const text = show(Math.abs(delta));
  if (!/[1-9]/.test(text)) return '';
  return `${delta > 0 ? '+' : '-'}${text}`;
}
