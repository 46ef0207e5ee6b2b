/**
 * Runs an experiment into a run directory. `startRun` prepares everything (src/experiment/
 * training.ts: backend, model, `init.from`, data, step) before the directory exists, so a
 * problem exits 2 with nothing written; then it writes the contract files (config.yaml,
 * resolved.json, env.json) and trains. `resumeRun` continues a run from its latest checkpoint.
 * While training, the recorder (recorder.ts) writes metrics, summary, checkpoints and snapshots;
 * the first SIGINT / SIGTERM stops training after the current step, with a checkpoint of that
 * position.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from '../config/types.js';
import { SvdError } from '../errors.js';
import { runtimeFromEnv, type RuntimeOptions } from '../backends/backend.js';
import { readResolvedConfig } from '../experiment/load-config.js';
import { prepareTraining, type Training } from '../experiment/training.js';
import { configWarnings } from '../experiment/checks.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.js';
import { loadLatestCheckpoint, removeLeftovers, type Checkpoint } from '../store/checkpoint.js';
import { acquireLock } from '../store/dir-lock.js';
import { readEnvJson } from '../store/env-json.js';
import { truncateMetrics } from '../store/metrics.js';
import { checkRunsDirWritable, createRunDir, openRunDir, removeRunDir, type RunPaths } from '../store/run-dir.js';
import { readSummary, type RunSummary } from '../store/summary.js';
import { train } from '../train/trainer.js';
import { envInfo } from './env-info.js';
import { validationRecord } from '../data/validation-split.js';
import { RunRecorder } from './recorder.js';
import { watchStopSignals } from './stop-signals.js';

/** Options of one run. */
export interface RunOptions {
  /** Parent of `runs/<name>/...`. */
  runsDir: string;
  /** The command line, recorded in env.json. */
  argv: string[];
  /** Thread settings (default: from the environment). */
  runtime?: RuntimeOptions;
  /** resume only: the backend to continue on instead of the run's own (env.json's `resumes` records it). */
  backend?: string;
}

/** Starts a new run of `config` (source text `text`); resolves to its directory's paths. */
export async function startRun(config: ExperimentConfig, text: string, opts: RunOptions): Promise<RunPaths> {
  checkRunsDirWritable(opts.runsDir);
  const training = await prepareTraining(config, null, opts.runtime ?? runtimeFromEnv());
  for (const warning of configWarnings(config)) process.stderr.write(`svd run: warning: ${warning}\n`);
  let paths: RunPaths | null = null;
  let release = () => {};
  try {
    paths = createRunDir(opts.runsDir, config.name);
    release = lockRun(paths, opts);
    writeFileAtomic(paths.config, text);
    writeJsonAtomic(paths.resolved, config);
    writeJsonAtomic(paths.env, envInfo(training.backend, config.seed, opts.argv, training.workers));
    const { validation } = training.dataset;
    if (validation) writeJsonAtomic(paths.validation, validationRecord(validation));
  } catch (err) {
    training.dispose();
    // A run directory that could not get its contract files (a full disk) is removed again.
    if (paths) removeRunDir(paths);
    if (err instanceof SvdError) throw err;
    throw new SvdError('E_RUN_DIR', `cannot write the new run directory ${paths?.dir ?? opts.runsDir}: ${(err as Error).message}`, { file: paths?.dir ?? opts.runsDir }, 1);
  }
  try {
    await execute(paths, training);
  } finally {
    release();
  }
  return paths;
}

/** Continues the run in `dir` from its latest checkpoint (from scratch if it has none). */
export async function resumeRun(dir: string, opts: RunOptions): Promise<RunPaths> {
  const paths = openRunDir(dir);
  const release = lockRun(paths, opts);
  try {
    await resumeLocked(paths, opts);
  } finally {
    release();
  }
  return paths;
}

/** Takes the run's lock (store/dir-lock.ts): E_RUN_DIR, exit 2, when another live process works on it. */
function lockRun(paths: RunPaths, opts: RunOptions): () => void {
  return acquireLock(paths.lock, { what: `run ${paths.dir}`, code: 'E_RUN_DIR', argv: opts.argv });
}

/** resumeRun's work, with the lock held. */
async function resumeLocked(paths: RunPaths, opts: RunOptions): Promise<void> {
  const saved = await readResolvedConfig(paths.resolved);
  // Another backend continues the same run with other float rounding, so its numbers differ from
  // an uninterrupted run's; resolved.json keeps the backend the run started on.
  const config = opts.backend ? { ...saved, backend: opts.backend } : saved;
  const env = readEnvJson(paths.env);
  const summary = readSummary(paths.summary);
  const checkpoint = soundCheckpoint(paths, config, summary);
  if (summary?.status === 'completed') {
    // Nothing to train: leave every file as it is.
    process.stderr.write(`svd resume: run ${paths.dir} has already completed its ${config.training.epochs} epochs; nothing to do\n`);
    return;
  }
  const training = await prepareTraining(config, checkpoint, opts.runtime ?? runtimeFromEnv());
  const resumes = Array.isArray(env.resumes) ? env.resumes : [];
  const resumed = {
    at: new Date().toISOString(), fromEpoch: checkpoint?.epoch ?? 0, ...(checkpoint?.within && { fromStep: checkpoint.within.step }),
    command: opts.argv, backend: training.backend, trainingWorkers: training.workers,
  };
  try {
    writeJsonAtomic(paths.env, { ...env, resumes: [...resumes, resumed] });
    removeLeftovers(paths.checkpoints);
    // Killed before its first checkpoint: it starts again, so the metrics written since go too.
    if (!checkpoint) truncateMetrics(paths.metrics, 0);
  } catch (err) {
    training.dispose();
    throw err;
  }
  await execute(paths, training);
}

/** Trains `training` into `paths`, recording as it goes; frees `training` at the end. */
async function execute(paths: RunPaths, training: Training): Promise<void> {
  const recorder = new RunRecorder(paths, training);
  const stop = watchStopSignals();
  try {
    await recorder.begin();
    const { config, model, optimizer, data, random, step, checkpoint } = training;
    const outcome = await train({
      config, model, optimizer, data, random, step,
      start: { epoch: checkpoint?.epoch ?? 0, seconds: checkpoint?.seconds ?? 0, within: checkpoint?.within ?? null },
      hooks: {
        onStep: (s, steps, epoch) => recorder.step(s, steps, epoch),
        shouldStop: () => stop.signal !== null,
        onEpochEnd: (state, metrics) => recorder.epochEnd(state, metrics),
      },
    });
    if (outcome.status === 'interrupted') throw await recorder.interrupted(outcome, stop.signal!);
    await recorder.completed(outcome.progress);
  } catch (err) {
    if (err instanceof SvdError && err.code === 'E_INTERRUPTED') throw err;
    throw recorder.failed(err);
  } finally {
    stop.off();
    training.dispose();
    recorder.close();
  }
}

/**
 * The checkpoint a resume starts from, once the run directory is known to be sound: checkpoints/
 * is a folder (every run gets one when it is created), summary.json is there once a checkpoint
 * is and, for a run whose summary says completed, the latest checkpoint is at its last epoch. Anything else is damage, reported
 * (E_RUN_DIR, exit 2) before a file is changed, so a resume never restarts a finished run.
 */
function soundCheckpoint(paths: RunPaths, config: ExperimentConfig, summary: RunSummary | null): Checkpoint | null {
  const damaged = (file: string, why: string) => new SvdError('E_RUN_DIR', `${why} (the run directory is damaged; nothing was changed)`, { file }, 2);
  if (!isDirectory(paths.checkpoints)) throw damaged(paths.checkpoints, 'missing: every run has a checkpoints folder');
  const checkpoint = loadLatestCheckpoint(paths.checkpoints);
  // A run writes summary.json before it trains: one with checkpoints and no summary was damaged.
  if (!summary && checkpoint) throw damaged(paths.summary, `missing, though the run has a checkpoint (${path.basename(checkpoint.dir)})`);
  const { epochs } = config.training;
  if (summary?.status === 'completed' && (!checkpoint || checkpoint.within || checkpoint.epoch < epochs)) {
    const latest = checkpoint ? `its latest checkpoint is ${path.basename(checkpoint.dir)}` : 'it holds no checkpoint';
    throw damaged(paths.checkpoints, `summary.json says the run completed its ${epochs} epochs, but ${latest}`);
  }
  return checkpoint;
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
