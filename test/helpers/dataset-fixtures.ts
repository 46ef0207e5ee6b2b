/**
 * Test helper: for every registered dataset, how to write a small generated copy of its files in
 * its real layout (the registry-looped dataset test fails for a dataset that has none here).
 */
import { makeCifarSplit, writeCifar10, writeCifar100 } from './cifar-files.js';
import { writeMnistFolder } from './idx-files.js';

/** A generated fixture: writes the files under `root`; says how many examples each split has. */
export interface DatasetFixture {
  write(root: string): void;
  train: number;
  test: number;
}

/** MNIST-like images: `count` 28x28 digits whose pixels depend on the label. */
function mnistSplit(count: number, seed: number) {
  const labels = Array.from({ length: count }, (_, i) => (i * 3 + seed) % 10);
  const pixels = Uint8Array.from({ length: count * 784 }, (_, p) => (labels[Math.floor(p / 784)] * 25 + p * seed) % 256);
  return { labels, pixels };
}

/** Fixtures by dataset name. */
export const DATASET_FIXTURES: Record<string, DatasetFixture> = {
  mnist: { write: (root) => void writeMnistFolder(root, mnistSplit(12, 1), mnistSplit(6, 2)), train: 12, test: 6 },
  cifar10: { write: (root) => void writeCifar10(root, makeCifarSplit(10, 10, 1), makeCifarSplit(5, 10, 2), { format: 'python' }), train: 10, test: 5 },
  cifar100: { write: (root) => void writeCifar100(root, makeCifarSplit(10, 100, 1, 20), makeCifarSplit(5, 100, 2, 20), { format: 'binary' }), train: 10, test: 5 },
};
