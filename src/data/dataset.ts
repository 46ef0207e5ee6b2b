/**
 * The in-memory dataset every loader returns: images as NHWC float32, labels as class indices.
 */
import type { DataConfig } from '../config/types.js';
import type { NormalizeStats } from './normalize.js';

/** One split: `x` holds count * height * width * channels floats, NHWC. */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  count: number;
}

/** The examples `data.validation` held out of the training set (src/data/validation-split.ts), and which they were. */
export interface ValidationSplit {
  split: Split;
  /** Indices into the training set (after trainLimit) of the held-out examples, ascending. */
  indices: Int32Array;
  /** Training examples before the hold-out. */
  from: number;
  /** The seed the selection was drawn with (the config's). */
  seed: number;
}

/** A loaded, normalized dataset. */
export interface Dataset {
  name: string;
  /** [height, width, channels] */
  inputShape: [number, number, number];
  numClasses: number;
  train: Split;
  test: Split;
  /** Held out of the training set by `data.validation` (validation-split.ts); absent: none. */
  validation?: ValidationSplit;
  /** Files read, for env.json and error messages. */
  sources: string[];
  /** How the inputs were normalized (mode, ZCA cache file...), for the run log. */
  preprocessing?: Record<string, unknown>;
  /** What normalization subtracted and multiplied by (arrays included), for exports to carry it. */
  normalization?: NormalizeStats;
}

/** A registered dataset: static facts the config checks need, and the loader. */
export interface DatasetEntry {
  inputShape: [number, number, number];
  numClasses: number;
  /**
   * The label sets `data.labels` can choose, with their class counts; the first is the default
   * (CIFAR-100: fine 100, coarse 20). Absent: the dataset has one set of `numClasses` labels.
   */
  labelSets?: Record<string, number>;
  /** Default `data.root` when the config gives none. */
  defaultRoot: string;
  /** Reads, checks and normalizes the dataset as `data` says (limits, normalize). */
  load(data: DataConfig): Promise<Dataset>;
}

/** The number of classes `data` asks of `entry`: the chosen label set's, else `numClasses`. */
export function classCount(entry: DatasetEntry, labels: string | null | undefined): number {
  if (!entry.labelSets) return entry.numClasses;
  const chosen = labels ?? Object.keys(entry.labelSets)[0];
  return entry.labelSets[chosen] ?? entry.numClasses;
}
