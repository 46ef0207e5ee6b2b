/**
 * The recorder of one run: everything a run writes while it trains, into the run store's files
 * (src/store/): the log, metrics.jsonl, summary.json, checkpoints (when due, and at a graceful
 * stop), the best checkpoint by `training.keepBest` and snapshots. The runner tells it what happened; it decides nothing about training.
 */
import * as tf from '@tensorflow/tfjs';
import { SvdError } from '../errors.js';
import { configWarnings } from '../experiment/checks.js';
import { createRunLogger, type Logger } from '../log.js';
import type { Training } from '../experiment/training.js';
import { saveCheckpoint } from '../experiment/checkpoint-state.js';
import { snapshotPictures } from '../layers/pictures.js';
import { sparsityStats } from '../layers/sparsity.js';
import { checkpointDirName, markBestCheckpoint, readBestPointer, type BestPointer, type EpochPosition } from '../store/checkpoint.js';
import { appendMetrics, truncateMetrics, type EpochMetrics } from '../store/metrics.js';
import type { RunPaths } from '../store/run-dir.js';
import { dropSnapshotsAfter, snapshotDue, writeSnapshot } from '../store/snapshots.js';
import { writeSummary, type RunSummary } from '../store/summary.js';
import type { TrainOutcome, TrainProgress } from '../train/trainer.js';
import { Progress } from './progress.js';

/** Writes what the run in `paths` produces as `training` goes. */
export class RunRecorder {
  private readonly log: Logger;
  private readonly progress: Progress;
  private readonly summary: RunSummary;
  private lastCheckpoint: string | null;

  constructor(private readonly paths: RunPaths, private readonly training: Training) {
    const { config, checkpoint, backend } = training;
    this.log = createRunLogger(paths.log);
    this.progress = new Progress(config.training.epochs);
    this.lastCheckpoint = checkpoint?.dir ?? null;
    this.summary = {
      status: 'running', name: config.name, epochs: checkpoint?.epoch ?? 0, testError: null, testAccuracy: null,
      sparsity: {}, compression: null, params: null, seconds: checkpoint?.seconds ?? 0, backend: backend.name,
    };
    const best = readBestPointer(paths.checkpoints);
    if (best) this.summary.best = best;
  }

  /**
   * The run (re)starts: a resume drops the metrics and snapshots past its checkpoint and keeps
   * the last evaluation's figures in the summary; a fresh run logs what it trains on and takes
   * the epoch-0 snapshot. Then summary.json says `running`.
   */
  async begin(): Promise<void> {
    const { config, checkpoint, backend, dataset, init } = this.training;
    if (checkpoint) {
      const last = truncateMetrics(this.paths.metrics, checkpoint.epoch);
      if (last) this.updateFigures(last);
      dropSnapshotsAfter(this.paths.dir, checkpoint.epoch);
      this.log.info({ epoch: checkpoint.epoch, ...(checkpoint.within && { step: checkpoint.within.step }), checkpoint: checkpoint.dir }, 'resumed');
    } else {
      const { sources, preprocessing } = dataset;
      const validation = dataset.validation && { count: dataset.validation.split.count, from: dataset.validation.from, file: this.paths.validation };
      this.log.info({ name: config.name, backend, sources, preprocessing, ...(validation && { validation }), ...(init && { initFrom: init }) }, 'started');
      for (const warning of configWarnings(config)) this.log.warn({ warning }, 'config warning');
      await this.snapshotIfDue(0);
    }
    writeSummary(this.paths.summary, this.summary);
  }

  /** After every step (cheap). */
  step(step: number, steps: number, epoch: number): void {
    this.progress.step(step, steps, epoch);
  }

  /** After every epoch: its metrics (when evaluated), the summary, a snapshot and a checkpoint when due. */
  async epochEnd(state: TrainProgress, metrics: EpochMetrics | null): Promise<void> {
    if (metrics) {
      appendMetrics(this.paths.metrics, metrics);
      // Memory beside the metrics: a long run's log shows whether it stays flat.
      this.log.info({ ...metrics, rssMB: Math.round(process.memoryUsage().rss / 2 ** 20), tensors: tf.memory().numTensors }, 'epoch');
      this.progress.epoch(metrics);
      this.updateFigures(metrics);
    }
    this.summary.epochs = state.epoch;
    this.summary.seconds = state.seconds;
    await this.snapshotIfDue(state.epoch);
    const { training } = this.training.config;
    const best = metrics ? this.newBest(metrics, state.epoch) : null;
    if (state.epoch % training.checkpointEvery === 0 || state.epoch === training.epochs || best) await this.checkpoint(state, null);
    if (best) {
      markBestCheckpoint(this.paths.checkpoints, best);
      this.summary.best = best;
      this.log.info(best, 'best checkpoint');
    }
    writeSummary(this.paths.summary, this.summary);
  }

  /** Training ran every epoch: the final sparsity figures, summary `completed`. */
  async completed(state: TrainProgress): Promise<void> {
    const stats = await sparsityStats(this.training.model.layers, this.training.config.sparsity);
    Object.assign(this.summary, { status: 'completed', epochs: state.epoch, seconds: state.seconds, sparsity: stats.sparsity, compression: stats.compression, params: stats.params });
    writeSummary(this.paths.summary, this.summary);
    this.log.info(this.summary, 'completed');
  }

  /**
   * Training stopped at a signal: a checkpoint of that exact position in the epoch (from which
   * `svd resume` continues bit for bit), summary `interrupted`; returns the error to exit with.
   */
  async interrupted(outcome: Extract<TrainOutcome, { status: 'interrupted' }>, signal: NodeJS.Signals): Promise<SvdError> {
    this.progress.endLine();
    let saved: string;
    try {
      await this.checkpoint(outcome.progress, outcome.position);
      saved = `a checkpoint of epoch ${outcome.epoch + 1} after step ${outcome.step} is written`;
    } catch (saveErr) {
      saved = `${saveErr instanceof SvdError ? saveErr.message : String(saveErr)}; the latest earlier checkpoint stays`;
    }
    this.summary.status = 'interrupted';
    this.summary.seconds = outcome.progress.seconds;
    this.writeSummaryOrLog();
    this.log.warn({ signal, epoch: outcome.epoch + 1, step: outcome.step }, 'interrupted');
    const dir = this.paths.dir;
    return new SvdError('E_INTERRUPTED', `run ${dir} stopped by ${signal} in epoch ${outcome.epoch + 1} after step ${outcome.step}; ${saved}: continue with svd resume ${dir}`, {}, signal === 'SIGTERM' ? 143 : 130);
  }

  /** Training failed with `err`: summary `failed` with the reason; returns the error to exit with. */
  failed(err: unknown): SvdError {
    this.progress.endLine();
    // Unexpected errors keep their stack in the log; the message is what the user sees.
    if (!(err instanceof SvdError)) this.log.error({ stack: (err as Error).stack }, 'unexpected error');
    const e = err instanceof SvdError ? err : new SvdError('E_TRAIN', (err as Error).message ?? String(err), {}, 1);
    const kept = this.lastCheckpoint ? `; the last good checkpoint ${this.lastCheckpoint} is intact` : '; no checkpoint was written';
    this.summary.status = 'failed';
    this.summary.error = { code: e.code, message: e.message };
    this.writeSummaryOrLog();
    this.log.error({ code: e.code, err: e.message }, 'failed');
    return new SvdError(e.code, `run ${this.paths.dir} failed: ${e.message}${e.code === 'E_CHECKPOINT' ? '' : kept}`, e.location, 1);
  }

  /** Flushes the log. */
  close(): void {
    this.log.flush();
  }

  /** Writes a checkpoint of the training now, after `state` (and `within` steps into the next epoch). */
  private async checkpoint(state: TrainProgress, within: EpochPosition | null): Promise<void> {
    const { model, optimizer, random } = this.training;
    const dir = await saveCheckpoint(this.paths.checkpoints, { epoch: state.epoch, seconds: state.seconds, within, rng: random.state(), variables: model.namedVariables(), optimizer });
    this.lastCheckpoint = dir;
    this.log.info({ epoch: state.epoch, ...(within && { step: within.step }), dir }, 'checkpoint');
  }

  /** The best-checkpoint record of this epoch when `training.keepBest` is set and `m` beats the best so far; else null. */
  private newBest(m: EpochMetrics, epoch: number): BestPointer | null {
    const metric = this.training.config.training.keepBest;
    const value = metric ? m[metric] : undefined;
    if (!metric || value === undefined || !Number.isFinite(value)) return null;
    const previous = this.summary.best ?? readBestPointer(this.paths.checkpoints);
    if (previous && previous.metric === metric && previous.value <= value) return null;
    return { metric, value, epoch, dir: checkpointDirName(epoch) };
  }

  private async snapshotIfDue(epoch: number): Promise<void> {
    const { config, model } = this.training;
    if (snapshotDue(config.training, epoch)) writeSnapshot(this.paths.dir, epoch, config.sparsity, await snapshotPictures(model, config.sparsity));
  }

  private updateFigures(m: EpochMetrics): void {
    const val = m.valError === undefined ? {} : { valError: m.valError, valNll: m.valNll ?? null };
    Object.assign(this.summary, { ...val, testError: m.testError, testAccuracy: 1 - m.testError, sparsity: m.sparsity, compression: m.compression });
  }

  private writeSummaryOrLog(): void {
    try {
      writeSummary(this.paths.summary, this.summary);
    } catch (writeErr) {
      this.log.error({ err: (writeErr as Error).message }, 'cannot write summary.json');
    }
  }
}
