/**
 * Validates every job of a sweep before any starts: each job's config is loaded exactly as
 * `svd run BASE --set ...` would load it (loadConfig). Problems name the job and its overrides;
 * one that an override caused points at that value in the sweep file rather than at `--set`.
 */
import { loadConfig, type ExperimentConfig } from '../experiment/load-config.js';
import { configWarnings } from '../experiment/checks.js';
import { OVERRIDE_SOURCE } from '../config/overrides.js';
import { SvdError, SvdErrors, type SourceLocation } from '../errors.js';
import type { SweepJob } from './expand.js';
import { formatOverrides, overridesToSets, type Overrides } from '../config/override-sets.js';
import type { SweepFile } from './sweep-file.js';

/** Most problems listed when many jobs are invalid. */
export const MAX_REPORTED = 20;

/** A job whose config loaded: the `--set` arguments to run it with and its resolved config. */
export interface CheckedJob {
  job: SweepJob;
  /** The sweep's `set`, then the job's overrides, then the command line's `--set`. */
  sets: string[];
  config: ExperimentConfig;
}

/**
 * Loads the config of every job in `jobs`; resolves when all are valid.
 * @param cliSets `--set` arguments given to `svd sweep`, applied to every job last.
 * @throws SvdErrors naming each invalid job (at most MAX_REPORTED problems, then a count).
 */
export async function checkJobs(sweep: SweepFile, jobs: readonly SweepJob[], cliSets: readonly string[]): Promise<CheckedJob[]> {
  const checked: CheckedJob[] = [];
  /** Each distinct problem (as located text) with the jobs that have it. */
  const problems = new Map<string, { error: SvdError; jobs: SweepJob[] }>();
  for (const job of jobs) {
    const sets = [...overridesToSets(sweep.set), ...overridesToSets(job.overrides), ...cliSets];
    try {
      const { config } = await loadConfig(sweep.base, sets);
      checked.push({ job, sets, config });
    } catch (err) {
      if (!(err instanceof SvdErrors)) throw err;
      for (const error of err.errors) {
        if (error.code === 'E_CONFIG_READ' && error.location.file === sweep.base) {
          throw new SvdErrors([new SvdError('E_CONFIG_READ', `${error.message} (${sweep.base})`, sweep.sources.locate(['base']))]);
        }
        const located = relocate(sweep, job, error);
        const text = located.format();
        const entry = problems.get(text) ?? { error: located, jobs: [] };
        entry.jobs.push(job);
        problems.set(text, entry);
      }
    }
  }
  if (problems.size === 0) return checked;
  const errors = [...problems.values()].map(({ error, jobs: which }) => withJobs(error, which, jobs.length));
  const shown = errors.slice(0, MAX_REPORTED);
  if (errors.length > shown.length) {
    shown.push(new SvdError(shown[0].code, `... and ${errors.length - shown.length} more problem(s); ${jobs.length - checked.length} of ${jobs.length} job(s) are invalid`, { file: sweep.file }));
  }
  throw new SvdErrors(shown);
}

/** `error` prefixed with the job it is about (`job 3 (seed=1 ...): `) or, when many share it, their numbers. */
function withJobs(error: SvdError, which: SweepJob[], total: number): SvdError {
  const { path, ...where } = error.location;
  const who = which.length === 1
    ? `job ${which[0].index} (${formatOverrides(which[0].overrides)})`
    : `${which.length === total ? 'every job' : `jobs ${which.slice(0, 6).map((j) => j.index).join(', ')}${which.length > 6 ? ', ...' : ''}`} (${which.length} of ${total})`;
  return new SvdError(error.code, `${who}: ${path ? `${path}: ` : ''}${error.message}`, where, error.exitCode);
}

/** `error` of `job`, relocated to the sweep file when an override of the sweep caused it. */
function relocate(sweep: SweepFile, job: SweepJob, error: SvdError): SvdError {
  const { file, path } = error.location;
  if (file !== OVERRIDE_SOURCE || !path) return error;
  const own = matchKey(job.overrides, path);
  const common = own === undefined ? matchKey(sweep.set, path) : undefined;
  let location: SourceLocation;
  if (own !== undefined) location = job.origins[own];
  else if (common !== undefined) location = sweep.sources.locate(['set', common]);
  else return error;
  return new SvdError(error.code, error.message, { ...location, path }, error.exitCode);
}

/** The override key that set `path` (the key itself, a parent or a child of it), if any. */
function matchKey(overrides: Overrides, path: string): string | undefined {
  return Object.keys(overrides).find((key) => key === path || path.startsWith(`${key}.`) || key.startsWith(`${path}.`));
}

/** The config warnings of the jobs (configWarnings), each once with the jobs it applies to. */
export function jobWarnings(checked: readonly CheckedJob[]): string[] {
  const jobs = new Map<string, number[]>();
  for (const { job, config } of checked) {
    for (const warning of configWarnings(config)) jobs.set(warning, [...(jobs.get(warning) ?? []), job.index]);
  }
  return [...jobs].map(([warning, indices]) => `warning (job${indices.length > 1 ? 's' : ''} ${indices.join(', ')}): ${warning}`);
}
