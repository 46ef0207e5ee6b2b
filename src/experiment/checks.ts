/**
 * Cross-field rules, run after the schema passed (after Ludwig's config_validation/checks.py):
 * each is a small named rule that returns E_CONFIG_CHECK errors located at the relevant key.
 * All rules run and all failures are reported.
 */
import { SvdError, type SourceLocation } from '../errors.js';
import { DATASETS } from '../data/registry.js';
import type { ExperimentConfig } from '../config/types.js';
import { formatShape, walkLayerShapes } from '../layers/shapes.js';
import { classCount } from '../data/dataset.js';
import { classifierIndex, scaleLayerWidths, sizeKey } from '../layers/width.js';
import { KL_SCHEDULES } from '../optim/registry.js';
import { memoryLimits, memoryProblems } from './memory.js';

/** The location of a dotted config path (`sparsity.threshold`). */
export type Locate = (dottedPath: string) => SourceLocation;

/** One cross-field rule. */
export interface CheckRule {
  name: string;
  /** What goes wrong when the rule is broken. */
  description: string;
  check(config: ExperimentConfig, locate: Locate): SvdError[];
}

/** A rule from its name, description and a function listing [path, message] failures. */
function rule(name: string, description: string, failures: (config: ExperimentConfig) => Array<[string, string]>): CheckRule {
  return {
    name,
    description,
    check: (config, locate) =>
      failures(config).map(([path, message]) => new SvdError('E_CONFIG_CHECK', `${message} [${name}]`, locate(path))),
  };
}

/** The shape walk of the config's layers (scaled by `model.width`) from its dataset's input shape. */
function walk(config: ExperimentConfig) {
  return walkLayerShapes(scaleLayerWidths(config.model.layers, config.model.width ?? 1), DATASETS.get(config.data.dataset).inputShape);
}

/** Every rule, in the order they run. */
export const CHECKS: readonly CheckRule[] = [
  rule('threshold-below-clip', 'log alpha never exceeds the clip, so a threshold at or above it prunes nothing', ({ sparsity: s }) =>
    s.threshold < s.logAlphaClip ? [] : [[
      'sparsity.threshold',
      `must be below sparsity.logAlphaClip (${s.logAlphaClip}), got ${s.threshold}: log alpha is clipped to ${s.logAlphaClip}, so no weight could ever be pruned`,
    ]]),

  rule('kl-end-after-start', 'the linear KL warm-up needs end > start', ({ kl }) =>
    kl.schedule !== 'linear' || kl.end > kl.start ? [] : [[
      'kl.end',
      `must be greater than kl.start (${kl.start}) for the linear KL schedule, got ${kl.end}`,
    ]]),

  rule('layers-connect', 'each layer must accept the shape the previous one outputs', (config) => {
    const { failure } = walk(config);
    if (!failure) return [];
    const type = config.model.layers[failure.index].type;
    return [[`model.layers.${failure.index}`, `${type} cannot take input of shape ${formatShape(failure.input)}: ${failure.reason}`]];
  }),

  rule('classes-match-dataset', 'the last layer must output one score per class of the dataset', (config) => {
    const { shapes, failure } = walk(config);
    if (failure) return []; // layers-connect reports it
    const numClasses = classCount(DATASETS.get(config.data.dataset), config.data.labels);
    const layers = config.model.layers;
    const output = shapes[shapes.length - 1];
    if (output.length !== 1) {
      return [[`model.layers.${layers.length - 1}`, `the model outputs shape ${formatShape(output)}; it must output a vector of ${numClasses} class scores (end with flatten and a dense layer)`]];
    }
    if (output[0] === numClasses) return [];
    const sized = classifierIndex(layers);
    const path = sized >= 0 ? `model.layers.${sized}.${sizeKey(layers[sized])}` : 'model.layers';
    const labels = config.data.labels ? ` (${config.data.labels} labels)` : '';
    return [[path, `the model outputs ${output[0]} values but dataset '${config.data.dataset}'${labels} has ${numClasses} classes`]];
  }),

  rule('layer-names-unique', 'layer names key per-layer sparsity and checkpoint variables', (config) => {
    const firstUse = new Map<string, number>();
    const failures: Array<[string, string]> = [];
    config.model.layers.forEach((spec, i) => {
      const name = spec.name ?? `${spec.type}_${i}`;
      const first = firstUse.get(name);
      if (first === undefined) firstUse.set(name, i);
      else failures.push([`model.layers.${i}${spec.name === undefined ? '' : '.name'}`, `layer name '${name}' is already used by model.layers.${first}`]);
    });
    return failures;
  }),

  rule('labels-known', 'data.labels must name a label set of the dataset', ({ data }) => {
    if (data.labels == null) return [];
    const sets = DATASETS.get(data.dataset).labelSets;
    if (!sets) return [['data.labels', `dataset '${data.dataset}' has one set of labels; remove data.labels (it chooses between label sets, e.g. cifar100's fine and coarse)`]];
    return data.labels in sets ? [] : [['data.labels', `dataset '${data.dataset}' has no '${data.labels}' labels; known: ${Object.keys(sets).join(', ')}`]];
  }),

  rule('model-fits-memory', 'a model too large for the backend or the machine is refused at once, before minutes and gigabytes are spent on it', (config) =>
    memoryProblems(config, memoryLimits(config.backend), config.training.workers ?? 1)),

  rule('limits-fit-batch', 'a training limit below the batch size leaves no full batch', ({ data }) =>
    data.trainLimit === null || data.trainLimit >= data.batchSize ? [] : [[
      'data.trainLimit',
      `must be >= data.batchSize (${data.batchSize}), got ${data.trainLimit}: not even one full batch per epoch`,
    ]]),

  rule('validation-fits-training', 'a validation count must leave at least one batch of the training limit', ({ data }) =>
    data.validation == null || data.trainLimit === null || !Number.isInteger(data.validation) || data.trainLimit - data.validation >= data.batchSize ? [] : [[
      'data.validation',
      `holds out ${data.validation} of data.trainLimit ${data.trainLimit} training examples, leaving fewer than data.batchSize (${data.batchSize})`,
    ]]),

  rule('keep-best-has-metric', 'training.keepBest by a validation metric needs a validation split', ({ data, training }) =>
    !training.keepBest?.startsWith('val') || data.validation != null ? [] : [[
      'training.keepBest',
      `selects by ${training.keepBest}, which needs a validation split: set data.validation (a count, or a fraction such as 0.1)`,
    ]]),

];

/** Runs every rule on a schema-valid config; returns all failures. */
export function runChecks(config: ExperimentConfig, locate: Locate): SvdError[] {
  return CHECKS.flatMap((r) => r.check(config, locate));
}

/**
 * Advice on a valid config that likely does not do what was meant, shown before training (and in
 * the run's log) but never refused: a KL weight that stays 0 for the whole run (no Sparse VD at
 * all, as in a run shortened below kl.start), or a warm-up that has not reached kl.weight by the
 * last epoch. Each message starts with the key it is about.
 */
export function configWarnings(config: ExperimentConfig): string[] {
  const { kl, training } = config;
  if (kl.weight === 0) return [];
  const last = KL_SCHEDULES.get(kl.schedule).weight(training.epochs - 1, kl);
  if (last === 0) {
    // A start within the first epoch came from a percentage (or was meant as one): the weight is set once per epoch, at its start.
    const advice = kl.start < 1
      ? 'the weight is set at the start of each epoch and is still 0 at the start of every one; train for more epochs (or end the warm-up sooner: kl.end)'
      : 'to keep the warm-up in a shortened run give it as percentages of training (kl.start: 2.5%, kl.end: 10%)';
    return [`kl.start: the KL weight is 0 in all ${training.epochs} epoch(s) (kl.start ${kl.start}, kl.end ${kl.end}): this trains without Sparse VD and prunes almost nothing; ${advice}`];
  }
  if (last < kl.weight) {
    return [`kl.end: the KL warm-up reaches only ${Number(last.toPrecision(3))} of kl.weight ${kl.weight} in the last epoch (kl.end ${kl.end}, training.epochs ${training.epochs}), so it prunes less than the full warm-up would`];
  }
  return [];
}
