/**
 * What the benchmark and the profiler run: the benchmarked models (shipped configs plus
 * overrides, with the PyTorch reference's arguments for the same network), the batch, the
 * training-set size of the loss, random inputs of a dataset's shape, and step i's batch of them.
 */
import type { Dataset } from '../src/data/dataset.js';
import type { ExperimentConfig } from '../src/config/types.js';
import { DATASETS } from '../src/registries.js';
import type { Batch, DeviceData } from '../src/train/device-data.js';

/** A benchmarked model: a shipped config plus overrides, and the reference's arguments for the same network. */
export interface BenchModel {
  config: string;
  sets: string[];
  torchArgs: string[];
}

/** Benchmarked models by name. */
export const BENCH_MODELS: Record<string, BenchModel> = {
  lenet300: { config: 'configs/lenet300-mnist.yaml', sets: [], torchArgs: [] },
  lenet5: { config: 'configs/lenet5-mnist.yaml', sets: [], torchArgs: [] },
  vgg: { config: 'configs/vgg-cifar10.yaml', sets: ['model.width=0.25', 'init.from=null'], torchArgs: ['--width', '0.25'] },
  // the full-width network: its batch of 100 does not fit a 4 GiB wasm heap at once, so in micro-batches of 25 (timed only when --models names it)
  'vgg-full': { config: 'configs/vgg-cifar10.yaml', sets: ['model.width=1', 'init.from=null', 'training.microBatch=25'], torchArgs: ['--width', '1'] },
};

/** N of the SGVLB in benchmarked steps (MNIST's training set). */
export const BENCH_TRAIN_SIZE = 60_000;
/** Rows per benchmarked step. */
export const BENCH_BATCH = 100;

/** Random images of the dataset's shape (the step's cost does not depend on the pixel values). */
export function syntheticDataset(config: ExperimentConfig, count: number): Dataset {
  const entry = DATASETS.get(config.data.dataset);
  const size = entry.inputShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(count * size);
  const y = new Int32Array(count);
  for (let i = 0; i < x.length; i++) x[i] = Math.random() - 0.5;
  for (let i = 0; i < count; i++) y[i] = i % entry.numClasses;
  const split = { x, y, count };
  return { name: 'synthetic', inputShape: entry.inputShape, numClasses: entry.numClasses, train: split, test: split, sources: [] };
}

/** Step `i`'s batch: BENCH_BATCH rows of the training split in `order`, consecutive steps BENCH_BATCH rows apart (caller disposes it). */
export function benchBatch(data: DeviceData, order: Int32Array, i: number): Batch {
  const start = (i * BENCH_BATCH) % (data.train.count - BENCH_BATCH);
  return data.batch(data.train, order.subarray(start, start + BENCH_BATCH));
}
