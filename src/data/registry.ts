/**
 * The dataset registry: every dataset usable in `data.dataset`. A new dataset is one file in
 * this folder exporting its DatasetEntry (dataset.ts) and one line here.
 */
import { Registry } from '../registry.js';
import type { DatasetEntry } from './dataset.js';
import { MNIST } from './mnist.js';
import { CIFAR10_ENTRY, CIFAR100_ENTRY } from './cifar.js';

/** Datasets by name. */
export const DATASETS = new Registry<DatasetEntry>('dataset')
  .register('mnist', MNIST)
  .register('cifar10', CIFAR10_ENTRY)
  .register('cifar100', CIFAR100_ENTRY);
