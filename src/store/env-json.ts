/**
 * env.json of a run: what it ran on and everything that decides its numbers (src/run/env-info.ts
 * composes it). Read back by `svd resume`, which appends each resume under `resumes`.
 */
import { readRequiredRecord } from './records.js';

/** A run's env.json; E_RUN_DIR (exit 2) naming the file when it is missing or damaged. */
export function readEnvJson(file: string): Record<string, unknown> {
  return readRequiredRecord<Record<string, unknown>>('env', file);
}
