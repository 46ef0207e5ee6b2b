/**
 * The JSON schema (draft-07) of an experiment config, composed at run time from a fixed base and
 * the registries (after Ludwig): every `type` enum is a registry's names, with one if/then clause
 * per entry holding that entry's own keys, so schema and registries cannot drift. The schema's
 * `default`s and `description`s are the config reference; schemas/config.schema.json is this
 * schema written out by write-schemas.ts.
 */
import { registryEnum, section, typeSwitch, type JsonSchema, type TypedEntry } from '../config/json-schema.js';
import { DATASETS } from '../data/registry.js';
import { backendChoices } from '../backends/select.js';
import { KL_SCHEDULES, LR_SCHEDULES, OPTIMIZERS } from '../optim/registry.js';
import { epochPoint } from '../config/epoch-points.js';
import { LAYERS } from '../layers/registry.js';
import { KEEP_BEST_METRICS } from '../config/types.js';

/** The composed config schema (a fresh object each call). */
export function composeSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'svd experiment config',
    description: 'One Sparse Variational Dropout experiment. Generated from the registries by src/write-schemas.ts; do not edit.',
    type: 'object',
    additionalProperties: false,
    required: ['data', 'model'],
    properties: {
      extends: { type: 'string', description: 'a config file this one builds on (relative to this file): mappings merge key by key, other values (lists too) and mappings whose type changes are replaced by this file\'s' },
      name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'experiment name; runs go to runs/<name>/. Default: the config file name without extension' },
      seed: { type: 'integer', minimum: 0, default: 0, description: 'seed of every random draw (initialisation, noise, shuffling)' },
      backend: { enum: backendChoices(), default: 'auto', description: 'TensorFlow.js backend; auto picks the fastest available' },
      data: dataSchema(),
      model: modelSchema(),
      sparsity: sparsitySchema(),
      kl: klSchema(),
      optimizer: optimizerSchema(),
      training: trainingSchema(),
      init: section('where the weights start from', {
        from: { type: ['string', 'null'], default: null, description: 'run directory, checkpoint, or a model file (.onnx, or a tfjs model.json) to initialise from (e.g. a dense model pretrained with binary dropout); null: random initialisation' },
      }),
    },
  };
}

/** The composed schema as written to schemas/config.schema.json. */
export function schemaJson(): string {
  return `${JSON.stringify(composeSchema(), null, 2)}\n`;
}

function dataSchema(): JsonSchema {
  const limit = (what: string) => ({ type: ['integer', 'null'], minimum: 1, default: null, description: `use only the first N ${what} examples; null: all` });
  return section('the dataset and how it is fed', {
    dataset: registryEnum(DATASETS, 'registered dataset name'),
    root: { type: ['string', 'null'], default: null, description: 'folder with the dataset files; null: the dataset\'s default (data/<dataset>)' },
    labels: { enum: [null, ...labelSetNames()], default: null, description: 'label set of datasets that have several (cifar100: fine, the default, or coarse); null: the dataset\'s default' },
    normalize: { enum: ['none', 'mean-image', 'standardize', 'zca'], default: 'none', description: 'input normalisation from training statistics: none, subtract the mean image, per-channel standardize, or ZCA whitening' },
    zcaEpsilon: { type: 'number', exclusiveMinimum: 0, default: 1e-5, description: 'normalize zca: added to the eigenvalues of the training covariance (pixel values scaled to [0, 1])' },
    cacheDir: { type: ['string', 'null'], default: null, description: 'folder for cached preprocessing (ZCA fits); null: <root>/.cache' },
    batchSize: { type: 'integer', minimum: 1, default: 100, description: 'examples per minibatch' },
    trainLimit: limit('training'),
    testLimit: limit('test'),
    validation: {
      anyOf: [{ type: 'integer', minimum: 1 }, { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, { type: 'null' }],
      default: null,
      description: 'hold out a validation split from the training set (after trainLimit): a count (e.g. 5000) or a fraction (e.g. 0.1), chosen with the seed and recorded in validation.json; evaluated every evaluated epoch (valError, valNll); null: none',
    },
    augment: {
      type: ['object', 'null'],
      default: null,
      additionalProperties: false,
      description: 'training-time augmentation; null: none',
      properties: {
        crop: { type: 'integer', minimum: 0, description: 'pad by this many pixels and crop randomly back to size' },
        flip: { type: 'boolean', description: 'random horizontal flips' },
      },
    },
  }, ['dataset']);
}

/** Every label-set name some registered dataset offers, in registration order. */
function labelSetNames(): string[] {
  return [...new Set(DATASETS.list().flatMap(([, entry]) => Object.keys(entry.labelSets ?? {})))];
}

function modelSchema(): JsonSchema {
  const layerEntries = LAYERS.list().map(([name, entry]): [string, TypedEntry] => [name, entry.schema]);
  return section('the network: layers applied in order to each input', {
    layers: {
      type: 'array',
      minItems: 1,
      description: 'the layers, input first; the last one outputs one score per class',
      items: {
        type: 'object',
        description: 'one layer: a registered `type` and that type\'s keys',
        required: ['type'],
        properties: {
          type: registryEnum(LAYERS, 'layer type'),
          name: { type: 'string', minLength: 1, description: 'layer name (keys per-layer sparsity); default: <type>_<index>' },
        },
        allOf: typeSwitch(layerEntries, ['type', 'name']),
      },
    },
    width: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'width multiplier k: every layer\'s units or filters except the classifier\'s (the last sized layer) are multiplied by k and rounded (at least 1), e.g. the paper\'s VGG-like widths 64k..512k' },
  }, ['layers']);
}

function sparsitySchema(): JsonSchema {
  return section('Sparse VD: pruning threshold and log alpha clipping', {
    threshold: { type: 'number', default: 3, description: 'a weight is pruned when its log alpha >= threshold' },
    logAlphaClip: { type: 'number', exclusiveMinimum: 0, default: 8, description: 'log alpha is clipped to [-logAlphaClip, logAlphaClip]' },
    logSigma2Init: { type: 'number', default: -10, description: 'initial log sigma^2 of every Sparse VD weight' },
    trainClip: { type: 'boolean', default: true, description: 'apply the pruning mask in the training forward pass too' },
    trainClipNoise: {
      type: 'boolean', default: true,
      description: 'with trainClip, pruned weights also leave the noise (LRT variance); false keeps their noise, so the data term can lower their alpha and revive them (the authors\' dense layers)',
    },
    trainClipKl: {
      type: 'boolean', default: false,
      description: 'with trainClip, a pruned weight\'s KL term is held at its value at the clip, with no gradient, so nothing but the data term moves it (the authors\' original Theano code)',
    },
  });
}

function klSchema(): JsonSchema {
  return section('weight of the KL term of the loss over epochs', {
    schedule: registryEnum(KL_SCHEDULES, 'KL-weight schedule over epochs (see start, end, weight)', 'linear'),
    start: epochPoint('epoch where the linear warm-up begins', { default: 5 }),
    end: epochPoint('epoch where the linear warm-up reaches weight', { default: 20 }),
    weight: { type: 'number', minimum: 0, default: 1, description: 'final KL weight' },
  });
}

function optimizerSchema(): JsonSchema {
  const optimizers = OPTIMIZERS.list().map(([name, entry]): [string, TypedEntry] => [name, entry]);
  const schedules = LR_SCHEDULES.list().map(([name, entry]): [string, TypedEntry] => [name, entry]);
  return {
    type: 'object',
    description: 'the optimizer and its learning-rate schedule; further keys depend on type',
    default: {},
    properties: {
      type: registryEnum(OPTIMIZERS, 'optimizer', 'adam'),
      lr: { type: 'number', exclusiveMinimum: 0, default: 0.001, description: 'base learning rate' },
      weightDecay: { type: 'number', minimum: 0, default: 0, description: 'L2 penalty on the weights' },
      schedule: {
        type: 'object',
        description: 'learning rate over epochs; further keys depend on type',
        default: {},
        properties: { type: registryEnum(LR_SCHEDULES, 'learning-rate schedule', 'constant') },
        allOf: typeSwitch(schedules, ['type'], 'constant'),
      },
    },
    allOf: typeSwitch(optimizers, ['type', 'lr', 'weightDecay', 'schedule'], 'adam'),
  };
}

function trainingSchema(): JsonSchema {
  const every = (what: string) => ({ type: 'integer', minimum: 1, default: 1, description: `${what} every this many epochs` });
  return section('the training loop', {
    epochs: { type: 'integer', minimum: 1, default: 200, description: 'passes over the training set' },
    evalEvery: every('evaluate on the test set'),
    checkpointEvery: every('write a checkpoint'),
    snapshotEvery: { type: 'integer', minimum: 0, default: 0, description: 'write a small snapshot of every Sparse VD layer\'s weights and keep mask (for the pictures of svd report) about every this many epochs on average (denser early, where the weights change), at the start and at the end; 0: never' },
    stepsPerEpoch: { type: ['integer', 'null'], minimum: 1, default: null, description: 'stop each epoch after this many steps (quick tests, benchmarks); null: a full pass' },
    keepBest: { enum: [null, ...KEEP_BEST_METRICS], default: null, description: 'keep the checkpoint of the best evaluated epoch by this metric (lower is better; valError and valNll need data.validation) beside the two newest, recorded in checkpoints/best.json (svd eval/export --checkpoint best); null: none' },
    workers: { type: ['integer', 'null'], minimum: 1, maximum: 64, default: null, description: 'threads per training step: each batch is split into this many parts whose gradients are computed in parallel (main thread + worker threads) and averaged into one update; the noise then differs from a 1-thread run (same seed and workers: same metrics). wasm and cpu backends only; null: on wasm the environment variable SVD_WASM_THREADS (set by svd sweep) or else the number of CPUs, on other backends 1' },
    microBatch: { type: ['integer', 'null'], minimum: 1, default: null, description: 'most examples one forward and backward pass takes: a batch (or a worker\'s part of it) with more is computed in consecutive micro-batches of this many, whose gradients are summed into the whole batch\'s (less memory: one micro-batch\'s activations at a time; batchnorm normalises each micro-batch with its own statistics). null: the whole batch at once' },
  });
}
