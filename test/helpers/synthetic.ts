/**
 * Test helper: a tiny deterministic image dataset (8x8x1, 3 classes) for trainer tests.
 */
import type { Dataset } from '../../src/data/dataset.js';

/** `n` examples whose pixels depend on the class, used as both train and test split. */
export function syntheticDataset(n: number): Dataset {
  const x = new Float32Array(n * 64);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = 0; j < 64; j++) x[i * 64 + j] = Math.sin(i * 0.7 + j * (y[i] + 1) * 0.3);
  }
  const split = { x, y, count: n };
  return { name: 'synthetic', inputShape: [8, 8, 1], numClasses: 3, train: split, test: split, sources: [] };
}
