/**
 * Building blocks of the JSON schemas (draft-07) svd composes from its registries (after Ludwig):
 * sections that let ajv fill nested defaults, enums of a registry's names (annotated with the
 * registry's kind, so errors say `unknown layer type 'x'; known: ...`), and one if/then clause per
 * registry entry holding that entry's own keys, so schema and registry cannot drift.
 */
import type { Registry } from '../registry.js';

/** A JSON schema node. */
export type JsonSchema = { [keyword: string]: unknown };

/** Annotation on an enum generated from a registry: the registry's kind ("layer type"). */
export const REGISTRY_KEYWORD = 'x-registry';

/** What an entry with its own keys contributes to a type switch. */
export interface TypedEntry {
  description: string;
  properties: Record<string, object>;
  required?: string[];
}

/**
 * A mapping section. Without required keys it defaults to `{}`, which lets ajv fill the nested
 * defaults when the section is absent; with required keys it must be given.
 */
export function section(description: string, properties: Record<string, object>, required: string[] = []): JsonSchema {
  return { type: 'object', description, ...(required.length ? { required } : { default: {} }), additionalProperties: false, properties };
}

/** An enum of a registry's names, marked with the registry's kind for error messages. */
export function registryEnum<T>(registry: Registry<T>, description: string, dflt?: string): JsonSchema {
  return { enum: registry.names(), [REGISTRY_KEYWORD]: registry.kind, ...(dflt === undefined ? {} : { default: dflt }), description };
}

/**
 * One if/then clause per registry entry: when `type` is that entry, the mapping holds the
 * `shared` keys (checked by the enclosing schema) and the entry's own, nothing else. The entry
 * named `defaultType` also applies when `type` is absent (it is filled in as the default).
 */
export function typeSwitch(entries: Array<[string, TypedEntry]>, shared: string[], defaultType?: string): JsonSchema[] {
  return entries.map(([name, entry]) => ({
    if: { properties: { type: { const: name } }, ...(name === defaultType ? {} : { required: ['type'] }) },
    then: {
      description: entry.description,
      properties: { ...Object.fromEntries(shared.map((key) => [key, true])), ...entry.properties },
      ...(entry.required?.length ? { required: entry.required } : {}),
      additionalProperties: false,
    },
  }));
}
