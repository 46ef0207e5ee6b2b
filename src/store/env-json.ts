/**
 * env.json of a run: what it ran on and everything that decides its numbers (src/run/env-info.ts
 * composes it). Read back by `svd resume`, which appends each resume under `resumes`.
 */
import * as fs from 'node:fs';
import { SvdError } from '../errors.js';

/** A run's env.json; E_RUN_DIR naming the file when it is missing or not a JSON object. */
export function readEnvJson(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message;
    throw new SvdError('E_RUN_DIR', `cannot read the run's environment record: ${why} (the run directory is damaged)`, { file }, 2);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SvdError('E_RUN_DIR', 'not a JSON object (the run directory is damaged)', { file }, 2);
  }
  return value as Record<string, unknown>;
}
