/**
 * `--set path=value` overrides: a dotted path into the config (numeric segments index lists,
 * `model.layers.1.units=200`) and a value parsed as YAML (`3` is a number, `null` is null).
 * A path is valid when the schema allows each key there (even if the value is absent or
 * defaulted) and every list index exists; an unknown key names the keys valid at that level.
 * Overridden values are marked `--set` in the source map, so later errors point there.
 */
import { parseDocument } from 'yaml';
import { SvdError } from '../errors.js';
import { formatPath, parseDotted } from './config-path.js';
import { MAX_ALIAS_COUNT } from './load.js';
import type { JsonSchema } from './json-schema.js';
import { allowedKeys, listItems } from './schema-paths.js';
import type { SourceMap } from './source-map.js';
import { isMapping, setOwn, type Mapping } from './values.js';

/** The file name that override errors and overridden values report. */
export const OVERRIDE_SOURCE = '--set';

/** Top-level keys that only a file can set (`extends` is resolved while reading files). */
const FILE_ONLY_KEYS = new Set(['extends']);

/** One parsed `--set path=value`. */
export interface Override {
  path: string[];
  value: unknown;
}

/** An E_CONFIG_OVERRIDE error located at `--set` and `path`. */
function overrideError(message: string, path?: string): SvdError {
  return new SvdError('E_CONFIG_OVERRIDE', message, { file: OVERRIDE_SOURCE, ...(path ? { path } : {}) });
}

/** Parses `path=value`; throws E_CONFIG_OVERRIDE for a missing `=`, an empty path or bad YAML. */
export function parseOverride(arg: string): Override {
  const eq = arg.indexOf('=');
  if (eq < 0) throw overrideError(`expected path=value, got '${arg}' (no '=')`, arg);
  const dotted = arg.slice(0, eq).trim();
  if (dotted === '') throw overrideError(`expected path=value, got '${arg}' (empty path)`);
  const path = parseDotted(dotted);
  if (path.some((key) => key === '')) throw overrideError(`empty key in path '${dotted}'`, dotted);
  const doc = parseDocument(arg.slice(eq + 1), { prettyErrors: false });
  if (doc.errors.length > 0) throw overrideError(`value is not valid YAML: ${doc.errors[0].message}`, dotted);
  try {
    return { path, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    throw overrideError(`value is not valid YAML: ${(err as Error).message}`, dotted);
  }
}

/**
 * Why `path` cannot be set in `config` under `schema`, or null when it can: each key must be
 * allowed by the schema at its level and each list index must exist.
 */
export function checkOverridePath(schema: JsonSchema, config: Mapping, path: readonly string[]): string | null {
  let node: JsonSchema = schema;
  let value: unknown = config;
  for (const [depth, key] of path.entries()) {
    const here = formatPath(path.slice(0, depth)) || 'the config';
    const items = listItems(node);
    if (items) {
      const list = Array.isArray(value) ? value : [];
      if (!/^\d+$/.test(key)) return `${here} is a list; index it with a number (0..${list.length - 1})`;
      if (Number(key) >= list.length) return `${here} has no item ${key} (it has ${list.length} item(s))`;
      node = items;
      value = list[Number(key)];
      continue;
    }
    const keys = allowedKeys(node, value);
    if (!keys) return `${here} is not a mapping; it has no key '${key}'`;
    if (depth === 0) for (const fileOnly of FILE_ONLY_KEYS) keys.delete(fileOnly);
    const sub = keys.get(key);
    if (!sub) return `unknown key '${key}'; allowed: ${[...keys.keys()].join(', ')}`;
    node = sub;
    value = isMapping(value) && Object.hasOwn(value, key) ? value[key] : undefined;
  }
  return null;
}

/** A mapping or a list: what a config path walks through. */
type Container = Mapping | unknown[];

/** The child `key` of a container (a decimal index for lists). */
function child(container: Container, key: string): unknown {
  if (Array.isArray(container)) return container[Number(key)];
  return Object.hasOwn(container, key) ? container[key] : undefined;
}

/** Sets the child `key` of a container. */
function assign(container: Container, key: string, value: unknown): void {
  if (Array.isArray(container)) container[Number(key)] = value;
  else setOwn(container, key, value);
}

/** Sets `value` at `path`, creating mappings on the way where there is none. */
function setAt(config: Mapping, path: readonly string[], value: unknown): void {
  let target: Container = config;
  for (const key of path.slice(0, -1)) {
    let next = child(target, key);
    if (!isMapping(next) && !Array.isArray(next)) {
      next = {};
      assign(target, key, next);
    }
    target = next as Container;
  }
  assign(target, path[path.length - 1], value);
}

/**
 * Applies `sets` in order to `config` (in place) and marks them in `sources`. Returns every
 * problem (E_CONFIG_OVERRIDE); the valid overrides are applied either way.
 */
export function applyOverrides(config: Mapping, sources: SourceMap, sets: readonly string[], schema: JsonSchema): SvdError[] {
  const errors: SvdError[] = [];
  for (const arg of sets) {
    try {
      const { path, value } = parseOverride(arg);
      const problem = checkOverridePath(schema, config, path);
      if (problem) throw overrideError(problem, formatPath(path));
      setAt(config, path, value);
      sources.replaceSubtree(path);
      sources.set(path, { file: OVERRIDE_SOURCE });
    } catch (err) {
      if (!(err instanceof SvdError)) throw err;
      errors.push(err);
    }
  }
  return errors;
}
