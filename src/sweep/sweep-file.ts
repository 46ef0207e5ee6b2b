/**
 * Sweep files: read like configs (YAML with source positions, readConfigFile), checked against
 * the sweep schema (sweep-schema.ts, written out as schemas/sweep.schema.json) with the config validator (so every problem is reported as
 * `file:line:col: path: message`; the schema's `propertyNames`, override keys that must be
 * dotted config paths, are checked here with a message at the key), then the one cross-field
 * rule: a sweep has either a `grid` or a list of `runs`. `base` is relative to the sweep file.
 */
import * as path from 'node:path';
import { SvdError, SvdErrors } from '../errors.js';
import { readConfigFile } from '../config/load.js';
import { sortByLocation, validateSchema } from '../config/validate.js';
import { isMapping, type Mapping } from '../config/values.js';
import type { JsonSchema } from '../config/json-schema.js';
import type { Overrides } from '../config/override-sets.js';
import type { ExecutorOptions } from '../store/sweep-dir.js';
import { composeSweepSchema, DOTTED_PATH } from './sweep-schema.js';
import type { SourceMap } from '../config/source-map.js';

/** A sweep file, read and checked. */
export interface SweepFile {
  /** The file as named. */
  file: string;
  /** Its text as read. */
  text: string;
  /** `name`, or the file name without extension. */
  name: string;
  /** The base config, resolved against the sweep file's folder. */
  base: string;
  /** Overrides applied to every job before its own. */
  set: Overrides;
  /** Dotted path -> values (exclusive with `runs`). */
  grid?: Record<string, unknown[]>;
  /** One override set per job (exclusive with `grid`). */
  runs?: Overrides[];
  jobs?: number;
  devices?: string[];
  /** The `executor:` section; absent: local. */
  executor?: ExecutorOptions;
  /** Where each value sits in the file. */
  sources: SourceMap;
}

/** The schema without its `propertyNames` rules, which checkKeys reports with better messages. */
function schemaForAjv(): JsonSchema {
  return JSON.parse(JSON.stringify(composeSweepSchema(), (key, value: unknown) => (key === 'propertyNames' ? undefined : value))) as JsonSchema;
}

/** Every key of `set`, `grid` and each `runs` entry must be a dotted config path. */
function checkKeys(value: Mapping, sources: SourceMap): SvdError[] {
  const dotted = new RegExp(DOTTED_PATH);
  const mappings: Array<[string[], unknown]> = [[['set'], value.set], [['grid'], value.grid]];
  if (Array.isArray(value.runs)) value.runs.forEach((entry, i) => mappings.push([['runs', String(i)], entry]));
  const errors: SvdError[] = [];
  for (const [at, mapping] of mappings) {
    if (!isMapping(mapping)) continue;
    for (const key of Object.keys(mapping).filter((k) => !dotted.test(k))) {
      const where = sources.locate([...at, key], 'key');
      errors.push(new SvdError('E_CONFIG_SCHEMA', `'${key}' is not a config path: keys and list indices joined by dots, such as sparsity.threshold or model.layers.1.units`, { ...where, path: at.join('.') }));
    }
  }
  return errors;
}

/**
 * Reads and checks the sweep file `file`.
 * @throws SvdErrors with every problem, located in the file.
 */
export async function readSweepFile(file: string): Promise<SweepFile> {
  let loaded;
  try {
    loaded = await readConfigFile(file);
  } catch (err) {
    if (err instanceof SvdError && !(err instanceof SvdErrors)) throw new SvdErrors([err]);
    throw err;
  }
  const { value, sources, text } = loaded;
  const problems = sortByLocation([...validateSchema(value, sources, schemaForAjv()), ...checkKeys(value, sources)]);
  if (problems.length > 0) throw new SvdErrors(problems);
  const hasGrid = value.grid !== undefined;
  const hasRuns = value.runs !== undefined;
  if (hasGrid === hasRuns) {
    const where = hasGrid ? sources.locate(['runs'], 'key') : sources.locate([]);
    const why = hasGrid ? 'give either grid or runs, not both' : 'missing the jobs: give a grid (path -> list of values) or runs (a list of override sets)';
    throw new SvdErrors([new SvdError('E_CONFIG_CHECK', why, where)]);
  }
  const baseName = value.base as string;
  return {
    file,
    text,
    name: (value.name as string | undefined) ?? path.basename(file, path.extname(file)),
    base: path.isAbsolute(baseName) ? baseName : path.join(path.dirname(file), baseName),
    set: (value.set as Overrides | undefined) ?? {},
    ...(hasGrid && { grid: value.grid as Record<string, unknown[]> }),
    ...(hasRuns && { runs: value.runs as Overrides[] }),
    ...(value.jobs !== undefined && { jobs: value.jobs as number }),
    ...(value.devices !== undefined && { devices: (value.devices as Array<string | number>).map(String) }),
    ...(value.executor !== undefined && { executor: value.executor as ExecutorOptions }),
    sources,
  };
}
