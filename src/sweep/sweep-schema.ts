/**
 * The JSON schema (draft-07) of a sweep file, composed like the config schema: a fixed part
 * (base config, overrides, grid or runs, jobs, devices) and the `executor:` section, whose `type`
 * enum is the executor registry's names with one if/then clause per executor holding its own
 * keys. schemas/sweep.schema.json is this schema written out by src/write-schemas.ts.
 */
import { registryEnum, typeSwitch, type JsonSchema, type TypedEntry } from '../config/json-schema.js';
import { EXECUTORS } from './executors/registry.js';

/** A dotted config path: keys and list indices joined by dots. */
export const DOTTED_PATH = '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$';

/**
 * A device id of `--devices` and `devices:`: an index (0, 1, ...) or a GPU-/MIG- UUID, the forms
 * CUDA_VISIBLE_DEVICES takes.
 */
export const DEVICE_ID_PATTERN = '^(0|[1-9][0-9]*|(GPU|MIG)-[A-Za-z0-9/-]+)$';

/** The composed sweep schema (a fresh object each call). */
export function composeSweepSchema(): JsonSchema {
  const dotted = { $ref: '#/definitions/dottedPath' };
  const executors = EXECUTORS.list().map(([name, entry]): [string, TypedEntry] => [name, entry]);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'svd sweep',
    description: 'A sweep for `svd sweep`: a base experiment config and the override sets of its jobs, either a grid (the cross product of lists of values) or an explicit list of runs. Keys of set, grid and runs are dotted config paths, as in `--set` (`sparsity.threshold`, `model.layers.1.units`). Generated from the executor registry by src/write-schemas.ts; do not edit.',
    type: 'object',
    additionalProperties: false,
    required: ['base'],
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'sweep name; sweeps go to runs/<name>/<timestamp>/ (--runs-dir DIR: DIR/<name>/<timestamp>/). Default: the sweep file name without extension' },
      base: { type: 'string', minLength: 1, description: 'the experiment config every job starts from, relative to this sweep file' },
      set: { type: 'object', propertyNames: dotted, description: 'overrides applied to every job (dotted path -> value), before the job\'s own' },
      grid: {
        type: 'object', minProperties: 1, propertyNames: dotted, additionalProperties: { type: 'array', minItems: 1 },
        description: 'dotted path -> list of values; one job per combination (the first key varies slowest)',
      },
      runs: {
        type: 'array', minItems: 1,
        items: { type: 'object', propertyNames: dotted, description: 'one job\'s overrides: dotted path -> value' },
        description: 'one job per entry, each a mapping of overrides (instead of grid)',
      },
      jobs: { type: 'integer', minimum: 1, description: 'jobs run at once (`--jobs` wins). Default: the number of devices, else the number of CPU cores' },
      devices: {
        type: 'array', minItems: 1, uniqueItems: true,
        items: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: DEVICE_ID_PATTERN }] },
        description: 'devices to spread jobs over, one per running job (CUDA_VISIBLE_DEVICES of the job; for webgpu SVD_WEBGPU_DEVICE, an index only): indexes 0, 1, ... or GPU-/MIG- UUIDs; `--devices` wins',
      },
      executor: {
        type: 'object',
        required: ['type'],
        description: 'what runs the jobs (`--executor` wins); further keys depend on type. Default: {type: local}',
        properties: { type: registryEnum(EXECUTORS, 'registered executor') },
        allOf: typeSwitch(executors, ['type']),
      },
    },
    definitions: {
      dottedPath: { type: 'string', pattern: DOTTED_PATH, description: 'a config path, keys and list indices joined by dots' },
    },
  };
}

/** The composed schema as written to schemas/sweep.schema.json. */
export function sweepSchemaJson(): string {
  return `${JSON.stringify(composeSweepSchema(), null, 2)}\n`;
}
