/**
 * The in-memory dataset every loader returns: images as NHWC float32, labels as class indices.
 */
import type { DataConfig } from '../config/types.js';

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
}

/** A registered dataset: static facts the config checks need, and the loader. */
export interface DatasetEntry {
  inputShape: [number, number, number];
  numClasses: number;
  /** Default `data.root` when the config gives none. */
  defaultRoot: string;
  /** Reads, checks and normalizes the dataset as `data` says (limits, normalize). */
  load(data: DataConfig): Promise<Dataset>;
}
