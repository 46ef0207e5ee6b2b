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

/** A loaded, normalized dataset. */
export interface Dataset {
  name: string;
  /** [height, width, channels] */
  inputShape: [number, number, number];
  numClasses: number;
  train: Split;
  test: Split;
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
