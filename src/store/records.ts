/**
 * The one home of the run store's record schemas and of reading records back: summary.json,
 * env.json, resolved.json (as a record; `svd` rebuilds models from it through the config
 * schema), metrics.jsonl lines, jobs.jsonl lines, sweep.json and snapshot files. Every record
 * read from disk passes here: it must be a regular file of a sane size, valid JSON and match its
 * schema (checked with ajv, as configs are), or the reader throws an SvdError (exit 2) that
 * names the file, the line and key where there is one, and the reason. The schemas check the
 * types of the keys svd writes and require only the keys its readers cannot do without, so
 * records written by older versions still read.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { SvdError, type ErrorCode } from '../errors.js';
import { describeAjvErrors } from '../config/messages.js';
import type { JsonSchema } from '../config/json-schema.js';
import { MAX_RECORD_BYTES, readTextFile } from '../files/read.js';

/** The records of the run store. */
export type RecordKind = 'summary' | 'env' | 'resolved' | 'metrics' | 'job' | 'job-file' | 'sweep' | 'snapshot' | 'slurm-array' | 'slurm-result';


const num = { type: 'number' };
const numOrNull = { type: ['number', 'null'] };
const int = { type: 'integer', minimum: 0 };
/** Counts; null where a count came out infinite (JSON has no Infinity). */
const intOrNull = { type: ['integer', 'null'], minimum: 0 };
const str = { type: 'string' };
const strings = { type: 'array', items: str };
const fractions = { type: 'object', additionalProperties: numOrNull };
const ints = { type: 'array', items: int };
const object = (properties: Record<string, object>, required: string[] = []): JsonSchema => ({ type: 'object', properties, required });

const STATUSES = ['running', 'completed', 'failed', 'interrupted'];

/** What each record is called in messages, the error code of its directory, and its schema. */
const RECORDS: Record<RecordKind, { what: string; code: ErrorCode; schema: JsonSchema }> = {
  summary: {
    what: "run's summary", code: 'E_RUN_DIR',
    schema: object({
      status: { enum: STATUSES }, name: str, epochs: int, valError: numOrNull, valNll: numOrNull, testError: numOrNull, testAccuracy: numOrNull, sparsity: fractions,
      compression: numOrNull, params: { type: ['object', 'null'], properties: { total: intOrNull, sparsifiable: intOrNull, nonzero: intOrNull } },
      seconds: num, backend: str, best: object({ metric: str, value: num, epoch: int, dir: str }), error: object({ code: str, message: str }),
    }, ['status', 'name', 'epochs']),
  },
  env: {
    what: "run's environment record", code: 'E_RUN_DIR',
    schema: object({
      backend: object({ name: str }), seed: { type: 'integer' }, trainingWorkers: int, command: strings, cwd: str, started: str,
      versions: { type: 'object', additionalProperties: str }, machine: { type: 'object' }, determinism: { type: 'object' }, resumes: { type: 'array', items: { type: 'object' } },
    }),
  },
  resolved: {
    what: "run's resolved config", code: 'E_RUN_DIR',
    schema: object({ name: str, seed: { type: 'integer' }, training: object({ epochs: int }), model: object({ layers: { type: 'array', items: { type: 'object' } } }) }),
  },
  metrics: {
    what: 'metrics line', code: 'E_RUN_DIR',
    schema: object({
      epoch: int, lr: numOrNull, klWeight: numOrNull, trainLoss: numOrNull, trainNll: numOrNull, trainKl: numOrNull, trainAccuracy: numOrNull,
      valError: numOrNull, valNll: numOrNull, testError: numOrNull, testNll: numOrNull, sparsity: fractions, compression: numOrNull, seconds: numOrNull,
    }, ['epoch']),
  },
  job: {
    what: 'job record', code: 'E_SWEEP_DIR',
    schema: object({
      index: int, overrides: { type: 'object' }, device: { type: ['string', 'null'] }, runDir: { type: ['string', 'null'] },
      status: { enum: ['pending', ...STATUSES] }, exitCode: { type: ['integer', 'null'] }, signal: { type: ['string', 'null'] }, seconds: numOrNull,
      started: str, ended: str, attempts: int, stderrTail: str, executorId: str,
    }, ['index', 'overrides', 'status']),
  },
  'job-file': {
    what: "sweep job's record (job.json)", code: 'E_SWEEP_DIR',
    schema: object({ index: int, overrides: { type: 'object' }, sets: strings, base: str, args: strings }, ['index', 'overrides']),
  },
  'slurm-array': {
    what: 'Slurm array record', code: 'E_SWEEP_DIR',
    schema: object({
      jobId: { type: ['string', 'null'] }, maxRequeues: int, cpusPerTask: { type: 'integer', minimum: 1 },
      tasks: { type: 'array', items: object({ index: int, args: strings, dir: str, backend: str }, ['index', 'args', 'dir', 'backend']) },
    }, ['jobId', 'tasks', 'maxRequeues', 'cpusPerTask']),
  },
  'slurm-result': {
    what: 'Slurm task result', code: 'E_SWEEP_DIR',
    schema: object({
      exitCode: { type: ['integer', 'null'] }, signal: { type: ['string', 'null'] }, lastLine: str, stderrTail: str, seconds: num,
      stopped: { type: 'boolean' }, slurmId: str, restarts: int,
    }, ['exitCode', 'signal', 'lastLine', 'stderrTail', 'seconds', 'stopped']),
  },
  sweep: {
    what: "sweep's record", code: 'E_SWEEP_DIR',
    schema: object({
      name: str, file: str, base: str, cliSets: strings, jobs: { type: 'integer', minimum: 1 }, devices: strings,
      executor: object({ type: str }, ['type']), created: str, command: strings,
    }, ['name', 'base', 'cliSets']),
  },
  snapshot: {
    what: 'weight snapshot', code: 'E_RUN_DIR',
    schema: object({
      format: { const: 'svd-snapshot' }, version: { enum: [1, 2] }, epoch: int, threshold: num,
      layers: {
        type: 'array',
        items: object({ name: str, type: str, shape: ints, block: ints, size: int, kept: int, scale: num, theta: str, keep: str }, ['name', 'type', 'shape', 'block', 'size', 'kept', 'scale', 'theta', 'keep']),
      },
    }, ['format', 'version', 'epoch', 'threshold', 'layers']),
  },
};

const ajv = new Ajv({ allErrors: false, strict: false, verbose: true });
const validators = new Map<RecordKind, ValidateFunction>();

function validatorFor(kind: RecordKind): ValidateFunction {
  let validate = validators.get(kind);
  if (!validate) {
    validate = ajv.compile(RECORDS[kind].schema);
    validators.set(kind, validate);
  }
  return validate;
}

/** The error for a damaged record `file` (at `line` of a JSON-lines file, at key `key`): exit 2, naming the file. */
export function damaged(kind: RecordKind, file: string, why: string, line?: number, key?: string): SvdError {
  const { what, code } = RECORDS[kind];
  return new SvdError(code, `${why} (the ${what} is damaged)`, { file, ...(line && { line }), ...(key && { path: key }) }, 2);
}

/**
 * A compression of a model with no weight left is Infinity, which JSON writes as null: restored
 * where the record shows that nothing is left (summary: params.nonzero 0; metrics line: every
 * layer's sparsity 1), so readers see the same value the run computed.
 */
export function restoreAllPruned(value: { compression?: unknown; params?: unknown; sparsity?: unknown }): void {
  if (value.compression !== null) return;
  const params = value.params as { nonzero?: unknown; sparsifiable?: unknown } | null | undefined;
  const sparsity = Object.values((value.sparsity ?? {}) as Record<string, unknown>);
  const nothingLeft = params ? params.nonzero === 0 && Number(params.sparsifiable) > 0 : sparsity.length > 0 && sparsity.every((s) => s === 1);
  if (nothingLeft) value.compression = Infinity;
}

/** Checks the parsed `value` of a `kind` record from `file` against its schema; returns it typed. */
export function checkRecord<T>(kind: RecordKind, value: unknown, file: string, line?: number): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw damaged(kind, file, `must be a JSON object, got ${JSON.stringify(value)?.slice(0, 40)}`, line);
  const validate = validatorFor(kind);
  if (!validate(value)) {
    const [problem] = describeAjvErrors(validate.errors ?? []);
    throw damaged(kind, file, problem?.message ?? 'does not match its schema', line, problem?.path.join('.') || undefined);
  }
  if (kind === 'summary' || kind === 'metrics') restoreAllPruned(value);
  return value as T;
}

/**
 * The text of record file `file`, or null when it does not exist; E_RUN_DIR / E_SWEEP_DIR (exit
 * 2) when it is not a regular file, is too large or cannot be read (read as every file svd is
 * given is, src/files/read.ts).
 */
export function readRecordText(kind: RecordKind, file: string): string | null {
  const missing = new SvdError(RECORDS[kind].code, 'missing', { file }, 2);
  try {
    return readTextFile(file, (why, errno) => (errno === 'ENOENT' ? missing : damaged(kind, file, why)), MAX_RECORD_BYTES, `the ${MAX_RECORD_BYTES} bytes a record may have`);
  } catch (err) {
    if (err === missing) return null;
    throw err;
  }
}

/** Reads and checks the JSON record `file`; null when it does not exist. */
export function readRecord<T>(kind: RecordKind, file: string): T | null {
  const text = readRecordText(kind, file);
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SvdError(RECORDS[kind].code, `cannot read the ${RECORDS[kind].what}: ${(err as Error).message} (${RECORDS[kind].code === 'E_SWEEP_DIR' ? 'the sweep' : 'the run'} directory is damaged)`, { file }, 2);
  }
  return checkRecord<T>(kind, value, file);
}

/** Reads and checks record `file`, which must exist. */
export function readRequiredRecord<T>(kind: RecordKind, file: string): T {
  const value = readRecord<T>(kind, file);
  if (value === null) throw damaged(kind, file, 'missing');
  return value;
}

/**
 * Reads and checks every line of the JSON-lines record `file` (empty when it does not exist).
 * With `tornTail`, a last line without its newline that is not JSON is dropped: what a kill in
 * the middle of an append leaves (metrics.jsonl); anything else wrong names its line.
 */
export function readRecordLines<T>(kind: RecordKind, file: string, tornTail = false): T[] {
  const text = readRecordText(kind, file);
  if (text === null) return [];
  const lines = text.split('\n');
  const out: T[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      if (tornTail && i === lines.length - 1) break;
      throw damaged(kind, file, `not JSON: ${(err as Error).message}`, i + 1);
    }
    out.push(checkRecord<T>(kind, value, file, i + 1));
  }
  return out;
}
