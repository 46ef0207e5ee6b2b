/**
 * Test helper: the training step a run of `config` would get on the active backend (the
 * experiment builder's, with `training.workers` resolved as a run resolves it), for tests that
 * drive the trainer themselves.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../src/config/types.js';
import { runtimeFromEnv } from '../../src/backends/backend.js';
import { buildTrainStep } from '../../src/experiment/build.js';
import { trainingWorkers } from '../../src/experiment/training.js';
import type { Model } from '../../src/layers/model.js';
import type { DeviceData } from '../../src/train/device-data.js';
import type { RunRandom } from '../../src/train/rng.js';
import type { TrainStepRunner } from '../../src/train/step.js';

/** The step for `model` and `optimizer` on `data`, its noise from `random()`'s noise stream; the caller disposes it. */
export function stepFor(config: ExperimentConfig, model: Model, optimizer: tf.Optimizer, data: DeviceData, random: () => RunRandom): Promise<TrainStepRunner> {
  const backend = { name: tf.getBackend(), requested: tf.getBackend() };
  return buildTrainStep(config, {
    model, optimizer, workers: trainingWorkers(config, backend, runtimeFromEnv()), backend: backend.name,
    trainSize: data.train.count, numClasses: data.dataset.numClasses, nextSeed: () => random().noise.nextSeed(),
  });
}
