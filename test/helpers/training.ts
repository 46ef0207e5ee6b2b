/**
 * Test helpers for tests that drive the trainer themselves: the training step a run of `config`
 * would get on the active backend (the experiment builder's, with `training.workers` resolved as
 * a run resolves it), and one training leg (from scratch or from a checkpoint, to the end or until
 * a stop), which checkpoints after every epoch and at a stop, as a run does.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../src/config/types.js';
import { runtimeFromEnv } from '../../src/backends/backend.js';
import { buildTrainStep } from '../../src/experiment/build.js';
import { restoreCheckpoint, saveCheckpoint } from '../../src/experiment/checkpoint-state.js';
import { trainingWorkers } from '../../src/experiment/training.js';
import { Model } from '../../src/layers/model.js';
import { OPTIMIZERS } from '../../src/registries.js';
import type { Checkpoint } from '../../src/store/checkpoint.js';
import type { DeviceData } from '../../src/train/device-data.js';
import { RunRandom } from '../../src/train/rng.js';
import type { TrainStepRunner } from '../../src/train/step.js';
import { train, type EpochMetrics } from '../../src/train/trainer.js';

/** The step for `model` and `optimizer` on `data`, its noise from `random()`'s noise stream; the caller disposes it. */
export function stepFor(config: ExperimentConfig, model: Model, optimizer: tf.Optimizer, data: DeviceData, random: () => RunRandom): Promise<TrainStepRunner> {
  const backend = { name: tf.getBackend(), requested: tf.getBackend() };
  return buildTrainStep(config, {
    model, optimizer, workers: trainingWorkers(config, backend, runtimeFromEnv()), backend: backend.name,
    trainSize: data.train.count, numClasses: data.dataset.numClasses, nextSeed: () => random().noise.nextSeed(),
  });
}

/** What one leg leaves: its model and optimizer (the caller disposes them), its metrics, and the stop's checkpoint. */
export interface Leg {
  model: Model;
  optimizer: tf.Optimizer;
  metrics: Array<Omit<EpochMetrics, 'seconds'>>;
  /** The checkpoint written at the stop, or null when the leg trained to the end. */
  stopped: string | null;
}

/**
 * Trains `cfg` on `data` from `checkpoint` (a model of another init seed, restored) or from
 * scratch, stopping after `stopAfter` steps in all when given; writes a checkpoint into
 * `checkpoints` after every epoch and at the stop.
 */
export async function trainLeg(cfg: ExperimentConfig, data: DeviceData, checkpoints: string, checkpoint: Checkpoint | null, stopAfter: number | null): Promise<Leg> {
  const fresh = RunRandom.fromSeed(checkpoint ? 999 : cfg.seed);
  const model = Model.build({ layers: cfg.model.layers, width: cfg.model.width ?? 1, inputShape: data.dataset.inputShape, sparsity: cfg.sparsity }, fresh.init);
  const optimizer = OPTIMIZERS.get(cfg.optimizer.type).create(cfg.optimizer, cfg.optimizer.lr);
  let random = fresh;
  if (checkpoint) {
    await restoreCheckpoint(checkpoint, model.namedVariables(), optimizer);
    random = RunRandom.fromState(checkpoint.rng);
  }
  const step = await stepFor(cfg, model, optimizer, data, () => random);
  const metrics: Leg['metrics'] = [];
  let steps = 0;
  try {
    const outcome = await train({
      config: cfg, model, optimizer, data, random, step,
      start: { epoch: checkpoint?.epoch ?? 0, seconds: checkpoint?.seconds ?? 0, within: checkpoint?.within ?? null },
      hooks: {
        onStep: () => void steps++,
        shouldStop: () => stopAfter !== null && steps >= stopAfter,
        onEpochEnd: async (p, m) => {
          if (m) metrics.push((({ seconds: _s, ...rest }) => rest)(m));
          await saveCheckpoint(checkpoints, { epoch: p.epoch, seconds: p.seconds, rng: random.state(), variables: model.namedVariables(), optimizer });
        },
      },
    });
    if (outcome.status === 'completed') return { model, optimizer, metrics, stopped: null };
    const stopped = await saveCheckpoint(checkpoints, { epoch: outcome.progress.epoch, seconds: outcome.progress.seconds, within: outcome.position, rng: random.state(), variables: model.namedVariables(), optimizer });
    return { model, optimizer, metrics, stopped };
  } finally {
    step.dispose();
  }
}
