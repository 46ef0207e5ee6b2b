/**
 * Which keys the schema allows at a place in a config, read from the composed schema itself
 * (its `properties`, plus those of each if/then clause whose `if` holds for the current value),
 * so `--set` accepts exactly the keys validation accepts, including absent or defaulted ones.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { JsonSchema } from './json-schema.js';
import { isMapping } from './values.js';

const lenient = new Ajv({ strict: false });
const conditions = new Map<string, ValidateFunction>();

/** True when `value` satisfies the `if` schema `condition`. */
function holds(condition: JsonSchema, value: unknown): boolean {
  const id = JSON.stringify(condition);
  let check = conditions.get(id);
  if (!check) {
    check = lenient.compile(condition);
    conditions.set(id, check);
  }
  return check(value) === true;
}

/**
 * The keys a mapping described by `schema` may hold, given its current `value` (which selects
 * the if/then clauses that apply), with their schemas; null when `schema` is not a mapping.
 */
export function allowedKeys(schema: JsonSchema, value: unknown): Map<string, JsonSchema> | null {
  const types = [schema.type ?? []].flat();
  if (!schema.properties && !types.includes('object')) return null;
  const keys = new Map<string, JsonSchema>(Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>));
  const current = isMapping(value) ? value : {};
  for (const clause of (schema.allOf ?? []) as JsonSchema[]) {
    if (!clause.if || !clause.then || !holds(clause.if as JsonSchema, current)) continue;
    const more = ((clause.then as JsonSchema).properties ?? {}) as Record<string, JsonSchema | boolean>;
    for (const [key, sub] of Object.entries(more)) {
      if (!keys.has(key)) keys.set(key, typeof sub === 'object' ? sub : {});
    }
  }
  return keys;
}

/** The schema of the items when `schema` describes a list, else null. */
export function listItems(schema: JsonSchema): JsonSchema | null {
  const types = [schema.type ?? []].flat();
  return types.includes('array') && typeof schema.items === 'object' ? (schema.items as JsonSchema) : null;
}
