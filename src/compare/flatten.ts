/**
 * Flattens nested config-like values into dotted paths (`model.layers.1.units`), the same paths
 * `--set` takes; empty mappings and lists stay as leaves.
 */
import { isMapping } from '../config/values.js';

/** `{a: {b: 1}, c: [2]}` -> Map { 'a.b' => 1, 'c.0' => 2 }, in document order. */
export function flatten(value: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (node: unknown, at: string) => {
    const entries = Array.isArray(node) ? node.map((v, i) => [String(i), v] as const) : isMapping(node) ? Object.entries(node) : null;
    if (entries === null || entries.length === 0) {
      if (at !== '') out.set(at, node);
      return;
    }
    for (const [key, child] of entries) walk(child, at === '' ? key : `${at}.${key}`);
  };
  walk(value, prefix);
  return out;
}

/** The union of the keys of `maps`, in first-seen order. */
export function unionKeys(maps: ReadonlyArray<Map<string, unknown>>): string[] {
  return [...new Set(maps.flatMap((m) => [...m.keys()]))];
}

/** True when `values` are not all the same (compared as JSON; absent differs from present). */
export function differ(values: readonly unknown[]): boolean {
  return new Set(values.map((v) => (v === undefined ? '\u0000absent' : JSON.stringify(v)))).size > 1;
}
