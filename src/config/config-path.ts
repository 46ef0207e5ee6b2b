/**
 * Config paths: a place in the config as a list of keys and array indices, written dotted
 * (`model.layers.1.units`) in messages and in `--set`.
 */

/** Keys and (as decimal strings) array indices from the root of the config. */
export type ConfigPath = readonly string[];

/** `['model', 'layers', '1']` -> `model.layers.1` (the root is the empty string). */
export function formatPath(path: ConfigPath): string {
  return path.join('.');
}

/** `model.layers.1` -> `['model', 'layers', '1']`; the empty string is the root. */
export function parseDotted(dotted: string): string[] {
  return dotted === '' ? [] : dotted.split('.');
}

/** A JSON pointer as ajv's `instancePath` gives it (`/model/layers/1`) -> a config path. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** True when `path` is `prefix` or lies under it. */
export function isWithin(path: ConfigPath, prefix: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => path[i] === key);
}
