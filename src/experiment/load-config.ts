/**
 * The one entry point for configs: read a YAML file with its `extends` chain, apply `--set`
 * overrides, check it against the schema composed from the registries (filling defaults), turn
 * epoch points given as percentages of training into epochs, then run the cross-field checks. Any problem throws SvdErrors listing every problem found, each
 * located as `file:line:col: path: message`. Nothing is written to disk.
 */
import * as path from 'node:path';
import { SvdError, SvdErrors } from '../errors.js';
import { DATASETS } from '../data/registry.js';
import { parseDotted } from '../config/config-path.js';
import { runChecks } from './checks.js';
import { loadMerged } from '../config/extends.js';
import { applyOverrides } from '../config/overrides.js';
import { composeSchema } from './config-schema.js';
import type { ExperimentConfig } from '../config/types.js';
import { validateSchema } from '../config/validate.js';
import { resolveEpochPoints } from '../config/epoch-points.js';

export type { ExperimentConfig } from '../config/types.js';
export { composeSchema, schemaJson } from './config-schema.js';
export { CHECKS, type CheckRule } from './checks.js';

/** A loaded, resolved config. */
export interface LoadedConfig {
  /** Resolved: `extends` merged, overrides applied, defaults filled. */
  config: ExperimentConfig;
  /** The file and every file it extends, nearest first. */
  files: string[];
  /** The top file's text as given. */
  text: string;
}

/**
 * Loads, resolves and checks the config in `file` with `sets` (`path=value`) applied.
 * @throws SvdErrors holding every problem (schema errors all at once; cross-field checks only
 *   run once the schema passes).
 */
export async function loadConfig(file: string, sets: readonly string[] = []): Promise<LoadedConfig> {
  try {
    return await resolveConfig(file, sets);
  } catch (err) {
    if (err instanceof SvdErrors) throw err;
    if (err instanceof SvdError) throw new SvdErrors([err]);
    throw err;
  }
}

/** `loadConfig` without the wrapping of single errors. */
async function resolveConfig(file: string, sets: readonly string[]): Promise<LoadedConfig> {
  const { value, sources, files, text } = await loadMerged(file);
  const schema = composeSchema();
  throwIfAny(applyOverrides(value, sources, sets, schema));
  if (value.name === undefined) value.name = defaultName(file);
  throwIfAny(validateSchema(value, sources, schema));
  resolveEpochPoints(value, schema);
  const config = value as unknown as ExperimentConfig;
  config.data.root ??= DATASETS.get(config.data.dataset).defaultRoot;
  throwIfAny(runChecks(config, (dotted) => sources.locate(parseDotted(dotted))));
  return { config, files, text };
}

/** The experiment name when the config gives none: the file name without its extension. */
function defaultName(file: string): string {
  return path.basename(file, path.extname(file));
}

function throwIfAny(errors: SvdError[]): void {
  if (errors.length > 0) throw new SvdErrors(errors);
}

/**
 * A run's resolved.json, read and checked like a config file (it is YAML's JSON subset), so a
 * damaged one fails with `resolved.json:line:col: path: message` rather than later in training.
 */
export async function readResolvedConfig(file: string): Promise<ExperimentConfig> {
  return (await loadConfig(file)).config;
}
