/**
 * Runs an experiment into a run directory: everything that can be wrong with the config, the
 * backend, the pretrained weights of `init.from` or the data is found before the directory is
 * created (exit 2, nothing written); then
 * the contract files are written, the model is trained, and metrics, checkpoints and the summary
 * are kept up to date. `resumeRun` continues a run from its latest checkpoint.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types.js';
import { selectBackend, type BackendInfo } from '../backends/select.js';
import type { Dataset } from '../data/dataset.js';
import { Model } from '../layers/model.js';
import { RunRandom } from '../train/rng.js';
import { DeviceData } from '../train/device-data.js';
import { makeAugmenter } from '../data/augment.js';
import { train, TrainingInterrupted, type EpochMetrics } from '../train/trainer.js';
import { Progress } from './progress.js';
import { sparsityStats } from '../layers/sparsity.js';
import { SvdError } from '../errors.js';
import { createRunLogger } from '../log.js';
import { checkRunsDirWritable, createRunDir, openRunDir, readResolvedConfig, removeRunDir, type RunPaths } from '../store/run-dir.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.js';
import { acquireLock } from '../store/dir-lock.js';
import { envInfo, readEnvJson } from './env-info.js';
import { resolveWorkers } from '../train/parallel-step.js';
import { readSummary, writeSummary, type RunSummary } from '../store/summary.js';
import { checkCompatible, loadLatestCheckpoint, removeLeftovers, restoreCheckpoint, saveCheckpoint, type Checkpoint } from '../store/checkpoint.js';
import { initFromPretrained, loadPretrained, type InitReport } from '../experiment/init-from.js';
import { dropSnapshotsAfter, snapshotDue, writeSnapshot } from '../store/snapshots.js';
import { layerPictures } from '../layers/pictures.js';
import { buildModel, buildOptimizer, loadDataset } from '../experiment/build.js';

/** Options of one run. */
export interface RunOptions {
  /** Parent of `runs/<name>/...`. */
  runsDir: string;
  /** The command line, recorded in env.json. */
  argv: string[];
}

/** The backend, the built model and the loaded data: everything checked before a run directory exists. */
interface Prepared {
  backend: BackendInfo;
  dataset: Dataset;
  /** Built with `random.init`; initialised from `init.from` when the run starts afresh. */
  model: Model;
  random: RunRandom;
  /** What `init.from` loaded, or null. */
  init: InitReport | null;
}

/**
 * Selects the backend, builds the model (from `init.from` when there is no checkpoint to resume:
 * read and checked before the data, which may take long to load) and loads the data.
 */
async function prepare(config: ExperimentConfig, checkpoint: Checkpoint | null): Promise<Prepared> {
  const backend = await selectBackend(config.backend);
  const pretrained = config.init.from !== null && checkpoint === null ? loadPretrained(config.init.from) : null;
  const random = RunRandom.fromSeed(config.seed);
  const model = buildModel(config, random);
  try {
    const init = pretrained ? initFromPretrained(model, pretrained, config.sparsity) : null;
    const dataset = await loadDataset(config);
    return { backend, dataset, model, random, init };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** Starts a new run of `config` (source text `text`); resolves to its directory's paths. */
export async function startRun(config: ExperimentConfig, text: string, opts: RunOptions): Promise<RunPaths> {
  checkRunsDirWritable(opts.runsDir);
  const prepared = await prepare(config, null);
  let paths: RunPaths | null = null;
  let release = () => {};
  try {
    paths = createRunDir(opts.runsDir, config.name);
    release = lockRun(paths, opts);
    writeFileAtomic(paths.config, text);
    writeJsonAtomic(paths.resolved, config);
    writeJsonAtomic(paths.env, envInfo(prepared.backend, config.seed, opts.argv, resolveWorkers(config.training.workers)));
  } catch (err) {
    prepared.model.dispose();
    // A run directory that could not get its contract files (a full disk) is removed again.
    if (paths) removeRunDir(paths);
    if (err instanceof SvdError) throw err;
    throw new SvdError('E_RUN_DIR', `cannot write the new run directory ${paths?.dir ?? opts.runsDir}: ${(err as Error).message}`, { file: paths?.dir ?? opts.runsDir }, 1);
  }
  try {
    await execute(paths, config, prepared, null);
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

/** Takes the run's lock (dir-lock.ts): E_RUN_DIR, exit 2, when another live process works on it. */
function lockRun(paths: RunPaths, opts: RunOptions): () => void {
  return acquireLock(paths.lock, { what: `run ${paths.dir}`, code: 'E_RUN_DIR', argv: opts.argv });
}

/** resumeRun's work, with the lock held. */
async function resumeLocked(paths: RunPaths, opts: RunOptions): Promise<void> {
  const config = await readResolvedConfig(paths);
  const env = readEnvJson(paths.env);
  const checkpoint = loadLatestCheckpoint(paths.checkpoints);
  if (checkpoint && !checkpoint.within && checkpoint.epoch >= config.training.epochs && summaryStatus(paths) === 'completed') {
    // Nothing to train: leave every file as it is.
    process.stderr.write(`svd resume: run ${paths.dir} has already completed its ${config.training.epochs} epochs; nothing to do\n`);
    return;
  }
  const prepared = await prepare(config, checkpoint);
  if (checkpoint) {
    try {
      checkCompatible(checkpoint, prepared.model.namedVariables());
    } catch (err) {
      prepared.model.dispose();
      throw err;
    }
  }
  const resumes = Array.isArray(env.resumes) ? env.resumes : [];
  const resumed = { at: new Date().toISOString(), fromEpoch: checkpoint?.epoch ?? 0, ...(checkpoint?.within && { fromStep: checkpoint.within.step }), command: opts.argv, backend: prepared.backend, trainingWorkers: resolveWorkers(config.training.workers) };
  writeJsonAtomic(paths.env, { ...env, resumes: [...resumes, resumed] });
  removeLeftovers(paths.checkpoints);
  // Killed before its first checkpoint: it starts again, so the metrics written since go too.
  if (!checkpoint) truncateMetrics(paths.metrics, 0);
  await execute(paths, config, prepared, checkpoint);
}

async function execute(paths: RunPaths, config: ExperimentConfig, prepared: Prepared, checkpoint: Checkpoint | null): Promise<void> {
  const log = createRunLogger(paths.log);
  const { sparsity } = config;
  const { model } = prepared;
  let random = prepared.random;
  const optimizer = buildOptimizer(config);
  const data = new DeviceData(prepared.dataset, makeAugmenter(config.data.augment, () => random.data));
  const summary: RunSummary = {
    status: 'running', name: config.name, epochs: checkpoint?.epoch ?? 0, testError: null, testAccuracy: null,
    sparsity: {}, compression: null, params: null, seconds: checkpoint?.seconds ?? 0, backend: prepared.backend.name,
  };
  // The first SIGINT/SIGTERM stops training after the current step; a second one kills at once.
  let signal: NodeJS.Signals | null = null;
  const onSignal = (received: NodeJS.Signals) => {
    signal = received;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let lastCheckpoint = checkpoint?.dir ?? null;
  try {
    if (checkpoint) {
      await restoreCheckpoint(checkpoint, model.namedVariables(), optimizer);
      random = RunRandom.fromState(checkpoint.rng);
      // The figures of the last evaluation before the checkpoint stay in the summary until the next one.
      const last = truncateMetrics(paths.metrics, checkpoint.epoch);
      if (last) updateSummary(summary, last);
      dropSnapshotsAfter(paths.dir, checkpoint.epoch);
      log.info({ epoch: checkpoint.epoch, ...(checkpoint.within && { step: checkpoint.within.step }), checkpoint: checkpoint.dir }, 'resumed');
    } else {
      const { sources, preprocessing } = prepared.dataset;
      log.info({ name: config.name, backend: prepared.backend, sources, preprocessing, ...(prepared.init && { initFrom: prepared.init }) }, 'started');
      snapshotIfDue(paths.dir, config, 0, model);
    }
    writeSummary(paths.summary, summary);
    const progress = new Progress(config.training.epochs);
    const saveAt = async (epoch: number, seconds: number) => {
      const dir = await saveCheckpoint(paths.checkpoints, { epoch, seconds, rng: random.state(), variables: model.namedVariables(), optimizer });
      lastCheckpoint = dir;
      log.info({ epoch, dir }, 'checkpoint');
    };
    const final = await train({
      config, model, optimizer, data, random,
      start: { epoch: checkpoint?.epoch ?? 0, seconds: checkpoint?.seconds ?? 0, within: checkpoint?.within ?? null },
      hooks: {
        onStep: (step, steps, epoch) => progress.step(step, steps, epoch),
        shouldStop: () => signal !== null,
        onEpochEnd: async (state, metrics) => {
          if (metrics) {
            fs.appendFileSync(paths.metrics, JSON.stringify(metrics) + '\n');
            // Memory beside the metrics: a long run's log shows whether it stays flat.
            log.info({ ...metrics, rssMB: Math.round(process.memoryUsage().rss / 2 ** 20), tensors: tf.memory().numTensors }, 'epoch');
            progress.epoch(metrics);
            updateSummary(summary, metrics);
          }
          summary.epochs = state.epoch;
          summary.seconds = state.seconds;
          snapshotIfDue(paths.dir, config, state.epoch, model);
          const due = state.epoch % config.training.checkpointEvery === 0 || state.epoch === config.training.epochs;
          if (due) await saveAt(state.epoch, state.seconds);
          writeSummary(paths.summary, summary);
        },
      },
    });
    const stats = sparsityStats(model.layers, sparsity);
    Object.assign(summary, { status: 'completed', epochs: final.epoch, seconds: final.seconds, sparsity: stats.sparsity, compression: stats.compression, params: stats.params });
    writeSummary(paths.summary, summary);
    log.info(summary, 'completed');
  } catch (err) {
    if (err instanceof TrainingInterrupted) {
      // A checkpoint of the exact position in the epoch: svd resume continues from that step.
      let saved: string;
      try {
        const dir = await saveCheckpoint(paths.checkpoints, { epoch: err.progress.epoch, seconds: err.progress.seconds, within: err.position, rng: random.state(), variables: model.namedVariables(), optimizer });
        log.info({ epoch: err.progress.epoch, step: err.step, dir }, 'checkpoint');
        saved = `a checkpoint of epoch ${err.epoch + 1} after step ${err.step} is written`;
      } catch (saveErr) {
        saved = `${saveErr instanceof SvdError ? saveErr.message : String(saveErr)}; the latest earlier checkpoint stays`;
      }
      summary.status = 'interrupted';
      summary.seconds = err.progress.seconds;
      try {
        writeSummary(paths.summary, summary);
      } catch (writeErr) {
        log.error({ err: (writeErr as Error).message }, 'cannot write summary.json');
      }
      log.warn({ signal, epoch: err.epoch + 1, step: err.step }, 'interrupted');
      throw new SvdError('E_INTERRUPTED', `run ${paths.dir} stopped by ${signal} in epoch ${err.epoch + 1} after step ${err.step}; ${saved}: continue with svd resume ${paths.dir}`, {}, signal === 'SIGTERM' ? 143 : 130);
    }
    // Unexpected errors keep their stack in the log; the message is what the user sees.
    if (!(err instanceof SvdError)) log.error({ stack: (err as Error).stack }, 'unexpected error');
    const e = err instanceof SvdError ? err : new SvdError('E_TRAIN', (err as Error).message ?? String(err), {}, 1);
    const kept = lastCheckpoint ? `; the last good checkpoint ${lastCheckpoint} is intact` : '; no checkpoint was written';
    summary.status = 'failed';
    summary.error = { code: e.code, message: e.message };
    try {
      writeSummary(paths.summary, summary);
    } catch (writeErr) {
      log.error({ err: (writeErr as Error).message }, 'cannot write summary.json');
    }
    log.error({ code: e.code, err: e.message }, 'failed');
    throw new SvdError(e.code, `run ${paths.dir} failed: ${e.message}${e.code === 'E_CHECKPOINT' ? '' : kept}`, e.location, 1);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    model.dispose();
    optimizer.dispose();
    data.dispose();
    log.flush();
  }
}

function updateSummary(summary: RunSummary, m: EpochMetrics): void {
  summary.testError = m.testError;
  summary.testAccuracy = 1 - m.testError;
  summary.sparsity = m.sparsity;
  summary.compression = m.compression;
}

/** summary.json's status, or null when it is missing or unreadable. */
function summaryStatus(paths: RunPaths): string | null {
  try {
    return readSummary(paths.summary).status;
  } catch {
    return null;
  }
}

/**
 * Drops metric lines past `epoch` (written after the checkpoint a resumed run starts from) and a
 * line torn by a kill in the middle of appending it; returns the last line kept, or null.
 */
function truncateMetrics(file: string, epoch: number): EpochMetrics | null {
  if (!fs.existsSync(file)) return null;
  const epochOf = (line: string): number => {
    try {
      const e = (JSON.parse(line) as { epoch?: unknown }).epoch;
      return typeof e === 'number' ? e : Infinity;
    } catch {
      return Infinity;
    }
  };
  const kept = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() && epochOf(line) <= epoch);
  writeFileAtomic(file, kept.map((l) => l + '\n').join(''));
  return kept.length ? (JSON.parse(kept[kept.length - 1]) as EpochMetrics) : null;
}

/** Writes the snapshot of `model` after `epoch` when the config asks for one. */
function snapshotIfDue(runDir: string, config: ExperimentConfig, epoch: number, model: Model): void {
  if (snapshotDue(config.training, epoch)) writeSnapshot(runDir, epoch, config.sparsity, layerPictures(model, config.sparsity));
}
