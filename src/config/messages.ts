/**
 * Turns ajv errors into one friendly problem each: the config path it is about, which position
 * (value or key) to point at, and a message such as `must be integer, got "abc"`, `unknown key
 * 'foo'; allowed: a, b` or `unknown layer type 'desne'; known: dense, ...`. Errors that only
 * echo another (if/then bookkeeping, the branches under an anyOf) are dropped.
 */
import type { ErrorObject } from 'ajv';
import { parsePointer } from './config-path.js';
import { REGISTRY_KEYWORD, type JsonSchema } from './json-schema.js';
import type { Anchor } from './source-map.js';
import { describeValue } from './values.js';

/** One problem found by the schema. */
export interface SchemaProblem {
  path: string[];
  anchor: Anchor;
  message: string;
}

/** The problems in `errors` (from a validator run with `verbose: true`), one per real error. */
export function describeAjvErrors(errors: readonly ErrorObject[]): SchemaProblem[] {
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => `${e.schemaPath}/`);
  return errors
    .filter((e) => e.keyword !== 'if' && !alternatives.some((prefix) => e.schemaPath.startsWith(prefix)))
    .map(describeAjvError);
}

/** One ajv error as a located, friendly problem. */
function describeAjvError(error: ErrorObject): SchemaProblem {
  const path = parsePointer(error.instancePath);
  const got = `got ${describeValue(error.data)}`;
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as JsonSchema;
  switch (error.keyword) {
    case 'required':
      return { path, anchor: 'key', message: `missing required key '${String(params.missingProperty)}'` };
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as object).join(', ');
      return { path: [...path, key], anchor: 'key', message: `unknown key '${key}'; allowed: ${allowed}` };
    }
    case 'type':
      return { path, anchor: 'value', message: `must be ${[params.type].flat().map(typeWord).join(' or ')}, ${got}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, anchor: 'value', message: `must be ${String(params.comparison)} ${String(params.limit)}, ${got}` };
    case 'enum':
      return { path, anchor: 'value', message: describeEnumError(parent, params.allowedValues as unknown[], error.data) };
    case 'const':
      return { path, anchor: 'value', message: `must be ${JSON.stringify(params.allowedValue)}, ${got}` };
    case 'pattern':
      return { path, anchor: 'value', message: `must match ${String(params.pattern)}, ${got}` };
    case 'minLength':
      return { path, anchor: 'value', message: params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} characters, ${got}` };
    case 'minItems':
    case 'maxItems': {
      const bound = error.keyword === 'minItems' ? 'at least' : 'at most';
      return { path, anchor: 'value', message: `must have ${bound} ${String(params.limit)} item(s), ${got}` };
    }
    case 'anyOf':
    case 'oneOf': {
      const branches = (error.schema as JsonSchema[]).map(describeSchema).join(' or ');
      return { path, anchor: 'value', message: `must be ${branches}, ${got}` };
    }
    default:
      return { path, anchor: 'value', message: `${error.message ?? 'is invalid'}, ${got}` };
  }
}

/** A JSON-schema type in YAML words (`object` is a mapping, `array` a list). */
function typeWord(type: unknown): string {
  return type === 'object' ? 'a mapping' : type === 'array' ? 'a list' : String(type);
}

/** An enum error: registry enums name the registry (`unknown layer type 'x'; known: ...`). */
function describeEnumError(parent: JsonSchema, allowed: unknown[], value: unknown): string {
  const known = allowed.map(String).join(', ');
  const kind = parent[REGISTRY_KEYWORD];
  if (typeof kind === 'string') {
    const shown = typeof value === 'string' ? `'${value}'` : describeValue(value);
    return `unknown ${kind} ${shown}; known: ${known}`;
  }
  return `must be one of: ${known}; got ${describeValue(value)}`;
}

/** A schema in a few words, for "must be A or B" (e.g. `integer >= 1`, `a list of 2 (integer >= 1)`). */
function describeSchema(schema: JsonSchema): string {
  if (typeof schema.title === 'string') return schema.title;
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map(String).join(', ')}`;
  if ('const' in schema) return JSON.stringify(schema.const);
  const types = [schema.type ?? []].flat().map(String);
  if (types.includes('array')) {
    const count = schema.minItems !== undefined && schema.minItems === schema.maxItems ? `${String(schema.minItems)} ` : '';
    const items = schema.items ? `(${describeSchema(schema.items as JsonSchema)})` : 'values';
    return `a list of ${count}${items}`;
  }
  const bounds = (
    [['minimum', '>='], ['exclusiveMinimum', '>'], ['maximum', '<='], ['exclusiveMaximum', '<']] as const
  )
    .filter(([keyword]) => typeof schema[keyword] === 'number')
    .map(([keyword, op]) => `${op} ${String(schema[keyword])}`);
  return [types.length ? types.map(typeWord).join(' or ') : 'a value', bounds.join(' and ')].filter(Boolean).join(' ');
}
