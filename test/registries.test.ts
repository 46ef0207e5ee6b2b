/**
 * Every entry of every registry (src/registries.ts), so that a new one is covered the moment it
 * registers (after timm's test_models.py):
 * - every layer type, in a small model around its registered example: trained, stopped in the
 *   middle of an epoch, checkpointed and resumed with exactly the numbers of an uninterrupted run;
 *   exported in every format (stock tfjs LayersModel through tfjs's own save and load, the
 *   sparse format, and ONNX run by onnxruntime-node) with the model's deterministic predictions;
 *   its ONNX and tfjs exports imported back (src/import/) as an init.from start with them; used as an `init.from` source;
 *   widened by `model.width` as the config checks predict; and shrunk with the same predictions;
 * - every optimizer, learning-rate schedule and KL schedule: stopped, checkpointed and resumed
 *   exactly;
 * - every dataset: loads its generated fixture (test/helpers/dataset-fixtures.ts);
 * - every backend: starts, or says why it cannot; pins a sweep job with plain variables;
 * - every executor: runs jobs (a stand-in `svd`) and reports each one's start and end (one that
 *   needs a scheduler, against the real test cluster of test/helpers/slurm.ts).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { onnxModelBytes } from '../src/export/onnx-model.js';
import { BACKENDS, DATASETS, EXECUTORS, KL_SCHEDULES, LAYERS, LR_SCHEDULES, OPTIMIZERS } from '../src/registries.js';
import * as registries from '../src/registries.js';
import { selectBackend } from '../src/backends/select.js';
import { SvdError } from '../src/errors.js';
import type { ExperimentConfig, LayerSpec } from '../src/config/types.js';
import type { Dataset } from '../src/data/dataset.js';
import type { LayerEntry, Shape } from '../src/layers/layer.js';
import { Model } from '../src/layers/model.js';
import { scaleLayerWidths } from '../src/layers/width.js';
import { walkLayerShapes } from '../src/layers/shapes.js';
import { classCount } from '../src/data/dataset.js';
import { RunRandom } from '../src/train/rng.js';
import { DeviceData } from '../src/train/device-data.js';
import { saveCheckpoint } from '../src/experiment/checkpoint-state.js';
import { initFromPretrained, loadPretrained, plainSourceLayers } from '../src/experiment/init-from.js';
import { importOnnx } from '../src/import/onnx-import.js';
import { importTfjs } from '../src/import/tfjs-import.js';
import { loadLatestCheckpoint } from '../src/store/checkpoint.js';
import { plainNetFromModel } from '../src/export/extract.js';
import { outWidth, plainFacet, weightedRole, type PlainNet } from '../src/export/plain-net.js';
import { decodeSparse, encodeSparse } from '../src/export/sparse-format.js';
import { shrinkNet } from '../src/export/structure.js';
import { tfjsFiles } from '../src/formats/tfjs-files.js';
import { buildTfjsModel } from '../src/export/tfjs-model.js';
import { JOB_BIN_ENV } from '../src/sweep/executors/process-job.js';
import { startSlurmCluster } from './helpers/slurm.js';
import type { ExecutorJob, JobOutcome } from '../src/sweep/executors/executor.js';
import { PAPER_SPARSITY, outputShapeOf } from './helpers/layers.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { trainLeg, type Leg } from './helpers/training.js';
import { DATASET_FIXTURES } from './helpers/dataset-fixtures.js';

const CLASSES = 3;
const EXAMPLES = 24;
const BATCH = 8;
const SPARSITY = { ...PAPER_SPARSITY, logSigma2Init: -4 };

before(async () => {
  await selectBackend('wasm');
});

test('src/registries.ts lists every registry, none empty', () => {
  const listed = Object.entries(registries);
  assert.deepEqual(listed.map(([name]) => name).sort(), ['BACKENDS', 'DATASETS', 'EXECUTORS', 'KL_SCHEDULES', 'LAYERS', 'LR_SCHEDULES', 'OPTIMIZERS']);
  for (const [name, registry] of listed) assert.ok(registry.names().length > 0, `${name} is empty`);
});

// ---------------------------------------------------------------- layers

/** A small model around `type`'s example: a Sparse VD layer making its input, the layer, a classifier. */
function harness(type: string, entry: LayerEntry): { specs: LayerSpec[]; inputShape: [number, number, number] } {
  const input = entry.example.input;
  const underTest: LayerSpec = { type, name: 'under_test', ...entry.example.spec };
  const image = input.length === 3;
  const pre: LayerSpec[] = image
    ? [{ type: 'conv2d-svd', name: 'pre', filters: input[2], kernelSize: 1, activation: 'relu' }]
    : [{ type: 'flatten', name: 'flat_in' }, { type: 'dense-svd', name: 'pre', units: input[0], activation: 'relu' }];
  const out = outputShapeOf(underTest, input);
  const post: LayerSpec[] = [...(out.length > 1 ? [{ type: 'flatten', name: 'flat_out' }] : []), { type: 'dense-svd', name: 'head', units: CLASSES }];
  return { specs: [...pre, underTest, ...post], inputShape: image ? [input[0], input[1], 1] : [input[0], 1, 1] };
}

/** `n` examples of `shape` whose pixels depend on the class (train and test alike). */
function dataset(shape: [number, number, number], n = EXAMPLES): Dataset {
  const size = shape[0] * shape[1] * shape[2];
  const y = Int32Array.from({ length: n }, (_, i) => i % CLASSES);
  const x = Float32Array.from({ length: n * size }, (_, k) => Math.sin(Math.floor(k / size) * 0.9 + (k % size) * (y[Math.floor(k / size)] + 1) * 0.7));
  const split = { x, y, count: n };
  return { name: 'generated', inputShape: shape, numClasses: CLASSES, train: split, test: split, sources: [] };
}

/** A resolved config for `specs` (one worker thread: the parallel step has its own tests). */
function config(specs: LayerSpec[], overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  return {
    name: 't', seed: 5, backend: 'wasm',
    data: { dataset: 'generated', normalize: 'none', batchSize: BATCH, trainLimit: null, testLimit: null, augment: null },
    model: { layers: specs, width: 1 },
    sparsity: SPARSITY,
    kl: { schedule: 'linear', start: 0, end: 2, weight: 1 },
    optimizer: { type: 'adam', lr: 0.01, schedule: { type: 'linear' } },
    training: { epochs: 2, evalEvery: 1, checkpointEvery: 1, stepsPerEpoch: null, workers: 1 },
    init: { from: null },
    ...overrides,
  };
}

/** Frees what training legs left. */
function disposeLegs(...legs: Leg[]): void {
  for (const { model, optimizer } of legs) {
    model.dispose();
    optimizer.dispose();
  }
}

/** Every variable of `model`, by logical name. */
function values(model: Model): Map<string, number[]> {
  return new Map([...model.namedVariables()].map(([name, v]) => [name, Array.from(v.dataSync())]));
}

/** Trained harness models, by layer type (built once per type, shared by its tests). */
const trained = new Map<string, Promise<{ cfg: ExperimentConfig; data: DeviceData; model: Model }>>();

function trainedHarness(type: string, entry: LayerEntry) {
  if (!trained.has(type)) {
    trained.set(type, (async () => {
      const { specs, inputShape } = harness(type, entry);
      const cfg = config(specs);
      const data = new DeviceData(dataset(inputShape));
      const { model, optimizer } = await trainLeg(cfg, data, tempDir(), null, null);
      optimizer.dispose();
      return { cfg, data, model };
    })());
  }
  return trained.get(type)!;
}

/** Log sigma^2 spread so that log alpha crosses the threshold for part of every Sparse VD layer's weights. */
function spreadLogSigma2(model: Model): void {
  let seed = 11;
  for (const [name, v] of model.namedVariables()) if (name.endsWith('/logSigma2')) v.assign(tf.randomUniform(v.shape, -12, 2, 'float32', seed++));
}

/** The model's deterministic logits on every test example. */
function evalLogits(model: Model, data: DeviceData): number[][] {
  return tf.tidy(() => model.apply(data.test.x, { training: false, sparsity: SPARSITY, nextSeed: () => 1 }).arraySync() as number[][]);
}

function predict(net: PlainNet, data: DeviceData): number[][] {
  const m = buildTfjsModel(net);
  try {
    return tf.tidy(() => (m.predict(data.test.x) as tf.Tensor).arraySync() as number[][]);
  } finally {
    m.dispose();
  }
}

function assertClose(actual: number[][], expected: number[][], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) <= tol * Math.max(1, Math.abs(expected[i][j])), `${what}: [${i}][${j}] ${v} vs ${expected[i][j]}`)));
}

for (const [type, entry] of LAYERS.list()) {
  test(`layer ${type}: trained, stopped mid-epoch, checkpointed and resumed with an uninterrupted run's numbers`, async () => {
    const { specs, inputShape } = harness(type, entry);
    const cfg = config(specs);
    const data = new DeviceData(dataset(inputShape));
    const dir = tempDir();
    const whole = await trainLeg(cfg, data, tempDir(), null, null);
    const first = await trainLeg(cfg, data, dir, null, 4); // 3 steps per epoch: stops after step 1 of epoch 2
    assert.notEqual(first.stopped, null);
    const rest = await trainLeg(cfg, data, dir, loadLatestCheckpoint(dir), null);
    assert.equal(rest.stopped, null);
    assert.deepEqual([...first.metrics, ...rest.metrics], whole.metrics);
    assert.deepEqual(values(rest.model), values(whole.model));
    disposeLegs(whole, first, rest);
    data.dispose();
  });

  test(`layer ${type}: exported as a stock tfjs model and in the sparse format, both with the model's predictions`, async () => {
    const { data, model } = await trainedHarness(type, entry);
    spreadLogSigma2(model);
    const expected = evalLogits(model, data);
    const { net, masks } = plainNetFromModel(model, SPARSITY);
    assert.ok(masks.kept > 0 && masks.kept < masks.sparsifiable, `kept ${masks.kept} of ${masks.sparsifiable}`);
    const under = net.layers.find((l) => l.name === 'under_test')!;
    assert.equal(under.type, entry.export!.as);
    const built = buildTfjsModel(net);
    const files = await tfjsFiles(built);
    built.dispose();
    const loaded = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: files.modelJson.modelTopology, weightSpecs: files.modelJson.weightsManifest[0].weights, weightData: files.weights.slice().buffer }));
    const viaTfjs = tf.tidy(() => (loaded.predict(data.test.x) as tf.Tensor).arraySync() as number[][]);
    loaded.dispose();
    assertClose(viaTfjs, expected, 1e-5, 'tfjs export');
    const { layout, bin } = encodeSparse(net);
    assert.deepEqual(predict(decodeSparse(layout, net.inputShape, bin, 'm', 'w'), data), predict(net, data), 'the sparse format gives the same model');
  });

  test(`layer ${type}: exported to ONNX (dense and sparse initializers), onnxruntime-node gives the model's predictions`, async () => {
    const { data, model } = await trainedHarness(type, entry);
    spreadLogSigma2(model);
    const expected = evalLogits(model, data);
    const { net } = plainNetFromModel(model, SPARSITY);
    const x = data.test.x.dataSync() as Float32Array;
    for (const sparse of [false, true]) {
      const session = await ort.InferenceSession.create(onnxModelBytes(net, CLASSES, '', sparse));
      const out = await session.run({ input: new ort.Tensor('float32', x, [expected.length, ...data.dataset.inputShape]) });
      await session.release();
      const flat = out.logits.data as Float32Array;
      assertClose(expected.map((_row, i) => Array.from(flat.subarray(i * CLASSES, (i + 1) * CLASSES))), expected, 1e-5, `onnx export${sparse ? ' with sparse initializers' : ''}`);
    }
  });

  test(`layer ${type}: its ONNX and tfjs exports import back as an init.from start with the model's predictions`, async () => {
    const { cfg, data, model } = await trainedHarness(type, entry);
    spreadLogSigma2(model);
    const expected = evalLogits(model, data);
    const { net } = plainNetFromModel(model, SPARSITY);
    const dir = tempDir();
    const onnxFile = path.join(dir, 'model.onnx');
    fs.writeFileSync(onnxFile, onnxModelBytes(net, CLASSES));
    const sparseFile = path.join(dir, 'sparse.onnx');
    fs.writeFileSync(sparseFile, onnxModelBytes(net, CLASSES, '', true));
    const built = buildTfjsModel(net);
    const files = await tfjsFiles(built);
    built.dispose();
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(files.modelJson));
    fs.writeFileSync(path.join(dir, 'weights.bin'), files.weights);
    for (const imported of [importOnnx(onnxFile), importOnnx(sparseFile), await importTfjs(dir)]) {
      const target = Model.build({ layers: cfg.model.layers, width: 1, inputShape: data.dataset.inputShape, sparsity: SPARSITY }, RunRandom.fromSeed(78).init);
      initFromPretrained(target, { from: imported.file, dir: imported.file, epoch: null, layers: plainSourceLayers(imported.layers, imported.file) }, SPARSITY);
      const unmasked = { ...SPARSITY, threshold: SPARSITY.logAlphaClip + 1 };
      const got = tf.tidy(() => target.apply(data.test.x, { training: false, sparsity: unmasked, nextSeed: () => 1 }).arraySync() as number[][]);
      target.dispose();
      assertClose(got, expected, 1e-5, `${imported.format} import`);
    }
  });

  test(`layer ${type}: its trained model is an init.from source`, async () => {
    const { cfg, data, model } = await trainedHarness(type, entry);
    const run = path.join(tempDir(), 'run');
    fs.mkdirSync(path.join(run, 'checkpoints'), { recursive: true });
    fs.writeFileSync(path.join(run, 'resolved.json'), JSON.stringify(cfg));
    const optimizer = tf.train.adam(0.01);
    await saveCheckpoint(path.join(run, 'checkpoints'), { epoch: 2, seconds: 1, rng: RunRandom.fromSeed(1).state(), variables: model.namedVariables(), optimizer });
    optimizer.dispose();
    const target = Model.build({ layers: cfg.model.layers, width: 1, inputShape: data.dataset.inputShape, sparsity: SPARSITY }, RunRandom.fromSeed(77).init);
    const report = initFromPretrained(target, loadPretrained(run), SPARSITY);
    const weighted = target.layers.filter((l) => l.trainable.length + l.nonTrainable.length > 0).map((l) => l.name);
    assert.deepEqual(report.layers, weighted.map((name) => [name, name]));
    assert.deepEqual(values(target), values(model));
    target.dispose();
  });

  test(`layer ${type}: model.width scales it as the config checks predict, and --shrink keeps the predictions`, async () => {
    const { cfg, data, model } = await trainedHarness(type, entry);
    const wide = Model.build({ layers: cfg.model.layers, width: 2, inputShape: data.dataset.inputShape, sparsity: SPARSITY }, RunRandom.fromSeed(3).init);
    const walk = walkLayerShapes(scaleLayerWidths(cfg.model.layers, 2), data.dataset.inputShape);
    assert.equal(walk.failure, undefined);
    assert.deepEqual(wide.layers.map((l) => l.outputShape), walk.shapes.slice(1));
    const at = cfg.model.layers.findIndex((s) => s.name === 'under_test');
    if (entry.widthKey) {
      const narrow = model.layers[at].outputShape;
      assert.equal(wide.layers[at].outputShape.at(-1), 2 * narrow.at(-1)!, `${type}'s ${entry.widthKey} doubles`);
    }
    wide.dispose();

    // Unit 0 of `pre` made dead out: every weight of the next weighted layer reading it is zero.
    const { net } = plainNetFromModel(model, SPARSITY);
    const pre = net.layers.findIndex((l) => l.name === 'pre');
    const next = net.layers.findIndex((l, i) => i > pre && weightedRole(l) !== null);
    const kernel = net.layers[next].params.find((p) => p.name === 'kernel')!;
    const width = outWidth(net.layers[pre]);
    const out = kernel.shape.at(-1)!;
    for (let i = 0; i < kernel.values.length; i++) if (Math.floor(i / out) % width === 0) kernel.values[i] = 0;
    const mixed = net.layers.slice(pre + 1, next).some((l) => {
      const role = plainFacet(l).role;
      return role.kind === 'channels' && role.effect(l.config) === 'mixed';
    });
    const shrunk = shrinkNet(net);
    if (mixed) assert.equal(shrunk.after.pre, width, 'nothing is removed across a layer that mixes channels');
    else assert.ok(shrunk.after.pre < width, `pre ${width} -> ${shrunk.after.pre}`);
    assertClose(predict(shrunk.net, data), predict(net, data), 1e-5, 'shrunk');
  });
}

// ---------------------------------------------------------------- optimizers and schedules

const SMALL: LayerSpec[] = [
  { type: 'conv2d-svd', filters: 2, kernelSize: 3, activation: 'relu' },
  { type: 'flatten' },
  { type: 'dense', units: 4, activation: 'tanh' },
  { type: 'dense-svd', units: CLASSES },
];

/** A valid value for a schedule's or optimizer's key, from its schema. */
function exampleValue(schema: { type?: string; minimum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; default?: unknown }): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schema.type === 'integer') return Math.max(1, schema.minimum ?? 1);
  return schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum / 2 : 0.5;
}

/** The required keys of an entry, with example values. */
function requiredKeys(entry: { properties: Record<string, object>; required?: string[] }): Record<string, unknown> {
  return Object.fromEntries((entry.required ?? []).map((key) => [key, exampleValue(entry.properties[key] as Parameters<typeof exampleValue>[0])]));
}

const trainingCases: Array<[string, Partial<ExperimentConfig>]> = [
  ...OPTIMIZERS.list().map(([name, entry]): [string, Partial<ExperimentConfig>] => [`optimizer ${name}`, { optimizer: { type: name, lr: 0.01, schedule: { type: 'constant' }, ...requiredKeys(entry) } }]),
  ...LR_SCHEDULES.list().map(([name, entry]): [string, Partial<ExperimentConfig>] => [`learning-rate schedule ${name}`, { optimizer: { type: 'adam', lr: 0.01, schedule: { type: name, ...requiredKeys(entry) } } }]),
  ...KL_SCHEDULES.list().map(([name]): [string, Partial<ExperimentConfig>] => [`KL schedule ${name}`, { kl: { schedule: name, start: 0, end: 2, weight: 0.5 } }]),
];

for (const [what, overrides] of trainingCases) {
  test(`${what}: stopped, checkpointed and resumed with an uninterrupted run's numbers`, async () => {
    const cfg = config(SMALL, { ...overrides, training: { epochs: 3, evalEvery: 1, checkpointEvery: 1, stepsPerEpoch: null, workers: 1 } });
    const data = new DeviceData(dataset([6, 6, 1]));
    const dir = tempDir();
    const whole = await trainLeg(cfg, data, tempDir(), null, null);
    const first = await trainLeg(cfg, data, dir, null, 5);
    assert.notEqual(first.stopped, null);
    const rest = await trainLeg(cfg, data, dir, loadLatestCheckpoint(dir), null);
    assert.deepEqual([...first.metrics, ...rest.metrics], whole.metrics);
    assert.deepEqual(values(rest.model), values(whole.model));
    disposeLegs(whole, first, rest);
    data.dispose();
  });
}

// ---------------------------------------------------------------- datasets

for (const [name, entry] of DATASETS.list()) {
  test(`dataset ${name}: loads its generated fixture with its shapes and classes`, async () => {
    const fixture = DATASET_FIXTURES[name];
    assert.ok(fixture, `test/helpers/dataset-fixtures.ts has no fixture for dataset '${name}'`);
    const root = tempDir();
    fixture.write(root);
    const ds = await entry.load({ dataset: name, root, normalize: 'none', batchSize: 2, trainLimit: null, testLimit: null, augment: null });
    assert.deepEqual(ds.inputShape, entry.inputShape);
    assert.deepEqual([ds.train.count, ds.test.count], [fixture.train, fixture.test]);
    const size = entry.inputShape.reduce((a, b) => a * b, 1);
    assert.equal(ds.train.x.length, fixture.train * size);
    const classes = classCount(entry, null);
    assert.equal(ds.numClasses, classes);
    assert.ok([...ds.train.y, ...ds.test.y].every((y) => y >= 0 && y < classes));
  });
}

// ---------------------------------------------------------------- backends

for (const [name, entry] of BACKENDS.list()) {
  test(`backend ${name}: starts and computes, or is E_BACKEND saying why; pins a sweep job with string variables`, async () => {
    try {
      const info = await selectBackend(name);
      assert.equal(info.name, name);
      assert.deepEqual(tf.tidy(() => Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())), [2, 3]);
      assert.ok(Object.values(entry.versions()).every((v) => v === null || typeof v === 'string'));
    } catch (err) {
      assert.ok(err instanceof SvdError && err.code === 'E_BACKEND' && err.message.includes(`backend "${name}" is not available`), String(err));
    } finally {
      await selectBackend('wasm');
    }
    for (const env of [entry.pinJob(null, 1), entry.pinJob('0', 3)]) assert.ok(Object.values(env).every((v) => typeof v === 'string'));
    assert.ok(entry.defaultWorkers(4) >= 1);
  });
}

// ---------------------------------------------------------------- executors

for (const [name, entry] of EXECUTORS.list()) {
  test(`executor ${name}: runs every job and reports its start and end`, async (t) => {
    // An executor that needs a scheduler runs against the test cluster (test/helpers/slurm.ts).
    const unavailable = entry.unavailable ? startSlurmCluster() ?? entry.unavailable() : null;
    if (unavailable) {
      if (process.env.CI === 'true') assert.fail(`executor ${name} cannot run here: ${unavailable}`);
      return t.skip(unavailable);
    }
    const saved = process.env[JOB_BIN_ENV];
    process.env[JOB_BIN_ENV] = path.join(ROOT, 'test', 'fixtures', 'sweeps', 'fake-svd.mjs');
    try {
      const root = tempDir();
      const executor = entry.create({}, { sweepDir: root, jobs: 2, devices: null, cpusPerJob: 1 });
      const jobs: ExecutorJob[] = [0, 1, 2].map((index) => {
        const dir = path.join(root, String(index));
        fs.mkdirSync(dir);
        return { index, args: ['run', path.join(ROOT, 'configs', 'quickstart.yaml'), '--set', `seed=${index}`, '--runs-dir', dir], dir, backend: 'wasm' };
      });
      const started: number[] = [];
      const ended: Array<[number, JobOutcome]> = [];
      await executor.run(jobs, { started: (job) => void started.push(job.index), ended: (job, outcome) => void ended.push([job.index, outcome]) }, new AbortController().signal);
      assert.deepEqual([...started].sort(), [0, 1, 2]);
      assert.deepEqual(ended.map(([i]) => i).sort(), [0, 1, 2]);
      for (const [, outcome] of ended) assert.equal(outcome.exitCode, 0, outcome.stderrTail);
    } finally {
      if (saved === undefined) delete process.env[JOB_BIN_ENV];
      else process.env[JOB_BIN_ENV] = saved;
    }
  });
}

test('a registered layer needs a plain form to be exported (so every layer test above exports one)', () => {
  const missing = LAYERS.list().filter(([, e]) => !e.export || !LAYERS.get(e.export.as).plain).map(([n]) => n);
  assert.deepEqual(missing, []);
});

test('every layer entry says the shapes of the variables it builds (paramShapes), as built', () => {
  for (const [type, entry] of LAYERS.list()) {
    const spec: LayerSpec = { type, ...entry.example.spec };
    const model = Model.build({ layers: [spec], inputShape: entry.example.input, sparsity: PAPER_SPARSITY, width: 1 }, RunRandom.fromSeed(1).init);
    const built = [...model.namedVariables().values()].map((v) => v.shape).sort();
    model.dispose();
    assert.deepEqual((entry.paramShapes?.(entry.config(spec), entry.example.input) ?? []).sort(), built, type);
  }
});

test('every layer example is a shape the harness can feed', () => {
  for (const [type, entry] of LAYERS.list()) {
    const { specs, inputShape } = harness(type, entry);
    const walk = walkLayerShapes(specs, inputShape as Shape);
    assert.equal(walk.failure, undefined, `${type}: ${JSON.stringify(walk.failure)}`);
  }
});
