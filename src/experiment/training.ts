/**
 * Everything one run trains, prepared from a resolved config before its run directory is
 * written to: the backend (and whether it can do what the config asks of it), the model (started
 * from `init.from` on a fresh run, or restored from the checkpoint a resume continues), the
 * random streams, the dataset, the optimizer, the data on the device and the training step.
 * Every check that can fail here fails before anything is written (config and backend problems
 * exit 2, a damaged checkpoint exits 1 and changes nothing).
 */
import type * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types.js';
import * as os from 'node:os';
import { SvdError } from '../errors.js';
import { memoryLimits, memoryProblems } from './memory.js';
import { coresOf, runtimeFromEnv, type BackendInfo, type RuntimeOptions } from '../backends/backend.js';
import { BACKENDS } from '../backends/registry.js';
import { selectBackend } from '../backends/select.js';
import type { Dataset } from '../data/dataset.js';
import { makeAugmenter } from '../data/augment.js';
import type { Model } from '../layers/model.js';
import type { Checkpoint } from '../store/checkpoint.js';
import { DeviceData } from '../train/device-data.js';
import { RunRandom } from '../train/rng.js';
import type { TrainStepRunner } from '../train/step.js';
import { buildModel, buildOptimizer, buildTrainStep, loadDataset } from './build.js';
import { checkCompatible, restoreCheckpoint } from './checkpoint-state.js';
import { initFromPretrained, loadInitSource, type InitReport } from './init-from.js';

/** A run's training, ready to go; `dispose` frees all of it. */
export interface Training {
  config: ExperimentConfig;
  backend: BackendInfo;
  /** Threads per training step. */
  workers: number;
  model: Model;
  optimizer: tf.Optimizer;
  /** The run's random streams: fresh, or as the checkpoint left them. */
  random: RunRandom;
  dataset: Dataset;
  data: DeviceData;
  step: TrainStepRunner;
  /** What `init.from` loaded (fresh runs), or null. */
  init: InitReport | null;
  /** The checkpoint it continues from (restored into model and optimizer), or null. */
  checkpoint: Checkpoint | null;
  dispose(): void;
}

/**
 * Threads per training step: `training.workers`, or the backend's default for this process's
 * cores. More than one on a backend without worker threads is E_CONFIG_CHECK (exit 2), except on
 * a GPU backend (capabilities.gpu), where it is one, with a warning.
 */
export function trainingWorkers(config: ExperimentConfig, backend: BackendInfo, runtime: RuntimeOptions): number {
  const entry = BACKENDS.get(backend.name);
  const configured = config.training.workers ?? null;
  if (configured !== null && configured > 1 && !entry.capabilities.workers && entry.capabilities.gpu) {
    console.error(`svd: warning: training.workers ${configured} is ignored on backend "${backend.name}": each step runs on its GPU, which parallelises it itself`);
    return 1;
  }
  if (configured !== null && configured > 1 && !entry.capabilities.workers) {
    const able = BACKENDS.list().filter(([, e]) => e.capabilities.workers).map(([name]) => name);
    throw new SvdError(
      'E_CONFIG_CHECK',
      `training.workers ${configured} needs a backend that splits steps over worker threads (${able.join(', ')}), not "${backend.name}"; set training.workers to 1 or null, or choose another backend`,
      { path: 'training.workers' }, 2,
    );
  }
  return configured ?? entry.defaultWorkers(coresOf(runtime));
}

/**
 * The memory check (memory.ts) again with the backend chosen and the workers counted (the config
 * checks saw `backend: auto` and `training.workers: null` as the most lenient case): E_CONFIG_CHECK,
 * exit 2, before any tensor exists. More workers than cores is allowed, with a warning on stderr.
 */
function checkMemory(config: ExperimentConfig, backend: BackendInfo, workers: number): void {
  const [problem] = memoryProblems(config, memoryLimits(backend.name), workers);
  if (problem) throw new SvdError('E_CONFIG_CHECK', `${problem[1]} [model-fits-memory]`, { path: problem[0] }, 2);
  const cores = os.availableParallelism();
  if (workers > cores) console.error(`svd: warning: training.workers ${workers} is more than the ${cores} CPU core(s) here; each worker holds a copy of the model, and steps get slower, not faster`);
}

/** Prepares the training of `config`, continuing `checkpoint` when one is given. */
export async function prepareTraining(config: ExperimentConfig, checkpoint: Checkpoint | null, runtime: RuntimeOptions = runtimeFromEnv()): Promise<Training> {
  const backend = await selectBackend(config.backend, runtime);
  const workers = trainingWorkers(config, backend, runtime);
  checkMemory(config, backend, workers);
  // init.from is read and checked before the data, which may take long to load.
  const pretrained = config.init.from !== null && checkpoint === null ? await loadInitSource(config.init.from) : null;
  const fresh = RunRandom.fromSeed(config.seed);
  const model = buildModel(config, fresh);
  const owned: Array<{ dispose(): void }> = [model];
  try {
    const init = pretrained ? initFromPretrained(model, pretrained, config.sparsity) : null;
    if (checkpoint) checkCompatible(checkpoint, model.namedVariables());
    const dataset = await loadDataset(config);
    const optimizer = buildOptimizer(config);
    owned.push(optimizer);
    if (checkpoint) await restoreCheckpoint(checkpoint, model.namedVariables(), optimizer);
    const random = checkpoint ? RunRandom.fromState(checkpoint.rng) : fresh;
    const data = new DeviceData(dataset, makeAugmenter(config.data.augment, () => random.data));
    owned.push(data);
    const step = await buildTrainStep(config, {
      model, optimizer, workers, backend: backend.name, trainSize: data.train.count, numClasses: dataset.numClasses, nextSeed: () => random.noise.nextSeed(),
    });
    owned.push(step);
    return {
      config, backend, workers, model, optimizer, random, dataset, data, step, init, checkpoint,
      dispose: () => {
        for (const thing of owned.reverse()) thing.dispose();
      },
    };
  } catch (err) {
    for (const thing of owned.reverse()) thing.dispose();
    throw err;
  }
}
