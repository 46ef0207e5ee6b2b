/**
 * Test helper for comparing two ways of computing a training step: two identical models (the
 * same init seed) with their own Adam on a small synthetic dataset, a deterministic batch, and
 * a step's stats read back as numbers.
 */
import type { LayerSpec, SparsityConfig } from '../../src/config/types.js';
import { OPTIMIZERS } from '../../src/registries.js';
import { Model } from '../../src/layers/model.js';
import { RunRandom } from '../../src/train/rng.js';
import { DeviceData, type Batch } from '../../src/train/device-data.js';
import { disposeStats, type StepStats } from '../../src/train/step-stats.js';
import { syntheticDataset } from './synthetic.js';

/** Two identical models of `layers` (same init seed) with their own Adam, and the data (40 examples). */
export function twins(layers: LayerSpec[], sparsity: SparsityConfig) {
  const dataset = syntheticDataset(40);
  const make = () => ({
    model: Model.build({ layers, inputShape: dataset.inputShape, sparsity, width: 1 }, RunRandom.fromSeed(7).init),
    optimizer: OPTIMIZERS.get('adam').create({ type: 'adam', lr: 0.01, schedule: { type: 'linear' } }, 0.01),
  });
  return { dataset, data: new DeviceData(dataset), a: make(), b: make() };
}

/** Frees what `twins` made. */
export function disposeTwins({ data, a, b }: ReturnType<typeof twins>): void {
  for (const m of [a, b]) {
    m.model.dispose();
    m.optimizer.dispose();
  }
  data.dispose();
}

/** `count` training examples from `start`, every third one (wrapping around). */
export function batchOf(data: DeviceData, start: number, count: number): Batch {
  return data.batch(data.train, Int32Array.from({ length: count }, (_, i) => (start + i * 3) % data.train.count));
}

/** A step's stats as [nllSum, kl, correct]; disposes them. */
export function readStats(s: StepStats): number[] {
  const out = [s.nllSum, s.kl, s.correct].map((t) => t.dataSync()[0]);
  disposeStats(s);
  return out;
}
