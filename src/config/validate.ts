/**
 * Checks a merged config against the composed JSON schema with ajv (all errors at once) and
 * fills in the schema's defaults. Each ajv error becomes an E_CONFIG_SCHEMA SvdError at the
 * file, line and column the offending value came from; duplicates are dropped.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { SvdError } from '../errors.js';
import { describeAjvErrors } from './messages.js';
import { REGISTRY_KEYWORD, type JsonSchema } from './json-schema.js';
import type { SourceMap } from './source-map.js';
import type { Mapping } from './values.js';

/** An ajv instance set up for config schemas (strict, all errors, defaults, verbose errors). */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, verbose: true });
  ajv.addKeyword({ keyword: REGISTRY_KEYWORD, schemaType: 'string' });
  return ajv;
}

const validators = new Map<string, ValidateFunction>();

/** A compiled validator for `schema`, cached by its content. */
function validatorFor(schema: JsonSchema): ValidateFunction {
  const id = JSON.stringify(schema);
  let validate = validators.get(id);
  if (!validate) {
    validate = createAjv().compile(schema);
    validators.set(id, validate);
  }
  return validate;
}

/**
 * Validates `config` against `schema`, filling defaults into it in place. Returns every problem
 * (empty when valid), located through `sources` and ordered by file and position.
 */
export function validateSchema(config: Mapping, sources: SourceMap, schema: JsonSchema): SvdError[] {
  const validate = validatorFor(schema);
  if (validate(config)) return [];
  const seen = new Set<string>();
  const errors: SvdError[] = [];
  for (const problem of describeAjvErrors(validate.errors ?? [])) {
    const error = new SvdError('E_CONFIG_SCHEMA', problem.message, sources.locate(problem.path, problem.anchor));
    const text = error.format();
    if (seen.has(text)) continue;
    seen.add(text);
    errors.push(error);
  }
  return sortByLocation(errors);
}

/** Errors ordered by file (in order of first appearance), then line and column. */
export function sortByLocation(errors: SvdError[]): SvdError[] {
  const fileRank = new Map<string | undefined, number>();
  for (const e of errors) if (!fileRank.has(e.location.file)) fileRank.set(e.location.file, fileRank.size);
  const key = (e: SvdError): number[] => [fileRank.get(e.location.file) ?? 0, e.location.line ?? 0, e.location.col ?? 0];
  return [...errors].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
  });
}
