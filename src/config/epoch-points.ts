/**
 * Epoch points: config values that name an epoch of training (the KL warm-up's start and end, an
 * lr schedule's start or step) may also be given as a percentage of `training.epochs`, such as
 * `kl.end: 10%`, so that a shortened run (`--set training.epochs=3`) keeps the schedule's shape.
 * A schema says which values are epoch points (epochPoint); resolveEpochPoints turns each given
 * percentage into its epoch once the config passed its schema, so resolved.json holds epochs.
 */
import type { JsonSchema } from './json-schema.js';
import type { Mapping } from './values.js';
import { allowedKeys } from './schema-paths.js';

/** A percentage: digits, an optional fraction, `%`. */
const PERCENT = '^[0-9]+(\\.[0-9]+)?%$';
/** Marks an epoch point's schema (a `$comment`, which validators ignore). */
const MARK = 'epoch point: an epoch, or a percentage of training.epochs';

/** The schema of an epoch point: a number of epochs (`integer`: whole ones, at least `minimum`) or a percentage of training. */
export function epochPoint(description: string, options: { integer?: boolean; minimum?: number; default?: number } = {}): JsonSchema {
  const epochs = { type: options.integer ? 'integer' : 'number', minimum: options.minimum ?? 0 };
  return {
    $comment: MARK,
    anyOf: [epochs, { type: 'string', pattern: PERCENT, title: "a percentage of training.epochs such as '10%'" }],
    ...(options.default !== undefined && { default: options.default }),
    description: `${description}; or a percentage of training.epochs, e.g. '10%'`,
  };
}

/** Replaces every epoch point of `config` given as a percentage by its epoch (whole epochs, at least the minimum, where the schema asks for integers). */
export function resolveEpochPoints(config: Mapping, schema: JsonSchema): void {
  const epochs = Number((config.training as Mapping | undefined)?.epochs ?? 0);
  walk(config, schema, epochs);
}

function walk(value: Mapping, schema: JsonSchema, epochs: number): void {
  const keys = allowedKeys(schema, value);
  for (const [key, child] of Object.entries(value)) {
    const sub = keys?.get(key);
    if (!sub) continue;
    if (sub.$comment === MARK && typeof child === 'string' && new RegExp(PERCENT).test(child)) {
      const [number] = sub.anyOf as JsonSchema[];
      const exact = Math.round((Number(child.slice(0, -1)) / 100) * epochs * 1e9) / 1e9;
      value[key] = number!.type === 'integer' ? Math.max(Number(number!.minimum ?? 0), Math.round(exact)) : exact;
    } else if (child !== null && typeof child === 'object' && !Array.isArray(child)) {
      walk(child as Mapping, sub, epochs);
    }
  }
}
