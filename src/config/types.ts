/**
 * The resolved experiment config: what a YAML file becomes after `extends`, `--set` overrides
 * and defaults. Keys are a contract scripts rely on (camelCase, as in tfjs; docs/config.md).
 */

/** One entry of `model.layers`: a registered `type` plus that layer's own keys. */
export interface LayerSpec {
  type: string;
  /** Optional name; defaults to `${type}_${index}`. Used as the key of per-layer sparsity. */
  name?: string;
  [key: string]: unknown;
}

/** `data.*` */
export interface DataConfig {
  dataset: string;
  /** Folder with the dataset's files; default `data/<dataset>`. */
  root?: string;
  normalize: 'none' | 'mean-image' | 'standardize' | 'zca';
  batchSize: number;
  /** Use only the first N training examples (null: all). */
  trainLimit: number | null;
  /** Use only the first N test examples (null: all). */
  testLimit: number | null;
  /** Hold out of the training set: a count (>= 1) or a fraction in (0, 1); null/absent: none (src/data/validation-split.ts). */
  validation?: number | null;
  augment: { crop?: number; flip?: boolean } | null;
  /** Label set of datasets that have several (CIFAR-100: fine, coarse); null: the dataset's default. */
  labels?: string | null;
  /** `normalize: zca`: added to the covariance eigenvalues (pixel values in [0, 1]). */
  zcaEpsilon?: number;
  /** Folder for cached preprocessing (ZCA fits); null: `<root>/.cache`. */
  cacheDir?: string | null;
  [key: string]: unknown;
}

/** `sparsity.*` */
export interface SparsityConfig {
  /** A weight is pruned when log alpha >= threshold. */
  threshold: number;
  /** log alpha is clipped to [-logAlphaClip, logAlphaClip]. */
  logAlphaClip: number;
  /** Initial log sigma^2 of every Sparse VD weight. */
  logSigma2Init: number;
  /** Apply the pruning mask in the training forward pass too. */
  trainClip: boolean;
  /** With trainClip, also mask pruned weights out of the LRT variance (false: they keep their noise). */
  trainClipNoise: boolean;
  /** With trainClip, a pruned weight's KL is held constant (its value at the clip) with no gradient. */
  trainClipKl: boolean;
}

/** `kl.*`: the KL weight per epoch (0-based epoch e, fractional within an epoch). */
export interface KlConfig {
  /** `linear`: 0 until `start`, linear to `weight` at `end`; `constant`: always `weight`. */
  schedule: string;
  start: number;
  end: number;
  weight: number;
}

/** `optimizer.schedule`: learning-rate schedule over epochs. */
export interface LrScheduleConfig {
  /** constant | linear (to 0 at the last epoch) | constant-then-linear (from `start`) | step */
  type: string;
  start?: number;
  every?: number;
  gamma?: number;
}

/** `optimizer.*` */
export interface OptimizerConfig {
  type: string;
  lr: number;
  momentum?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  schedule: LrScheduleConfig;
}

/** `training.*` */
export interface TrainingConfig {
  epochs: number;
  evalEvery: number;
  checkpointEvery: number;
  /** Weight snapshots for `svd report` every N epochs (src/store/snapshots.ts); 0 or absent: none. */
  snapshotEvery?: number;
  /** Stop each epoch after this many steps (null: a full pass). For quick tests and benches. */
  stepsPerEpoch: number | null;
  /** Threads per training step (data parallel, src/train/parallel-step.ts); null/absent: the backend's default (src/backends/). */
  workers?: number | null;
  /** Most examples one forward and backward pass takes; a larger batch (or worker part) is computed in micro-batches whose gradients are summed. null: all at once. */
  microBatch?: number | null;
  /** Keep the checkpoint of the best epoch by this metric (lower is better), beside the rotated ones; null/absent: none. */
  keepBest?: KeepBestMetric | null;
}

/** Metrics `training.keepBest` may select by (all lower-is-better; test figures never select). */
export const KEEP_BEST_METRICS = ['valError', 'valNll', 'trainLoss', 'trainNll'] as const;
/** One of KEEP_BEST_METRICS. */
export type KeepBestMetric = (typeof KEEP_BEST_METRICS)[number];

/** The whole resolved config. */
export interface ExperimentConfig {
  name: string;
  seed: number;
  /** `auto` or a registered backend (src/backends/registry.ts). */
  backend: string;
  data: DataConfig;
  model: { layers: LayerSpec[]; width?: number };
  sparsity: SparsityConfig;
  kl: KlConfig;
  optimizer: OptimizerConfig;
  training: TrainingConfig;
  init: { from: string | null };
}
