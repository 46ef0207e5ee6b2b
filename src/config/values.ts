/**
 * Small helpers for plain config values (what YAML gives: mappings, lists, scalars).
 */

/** A YAML mapping as a plain object. */
export type Mapping = Record<string, unknown>;

/** True for a plain object (a YAML mapping), false for lists, null and scalars. */
export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A deep copy of a plain value. Unlike structuredClone it does not keep shared references, so a
 * YAML alias used twice becomes two independent values (defaults and `--set` touch one only).
 */
export function deepCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(deepCopy) as T;
  if (isMapping(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepCopy(v)])) as T;
  }
  return value;
}

/** A value as a message shows it: strings quoted, lists and mappings by kind, long text cut. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (isMapping(value)) return 'a mapping';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}

/** Sets an own property, also for a key such as `__proto__` (which `obj[key] = v` would not). */
export function setOwn(target: Mapping, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
