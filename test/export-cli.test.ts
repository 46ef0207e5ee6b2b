/**
 * End to end: `svd export` and `svd eval EXPORT_DIR` with the real binary on a LeNet-300-100
 * trained here on 1,000 MNIST images (8 short epochs, a higher learning rate and a KL weight
 * scaled towards the small training set, so that it is sparse enough to matter). Checks that
 * the sparse export is at least 10x smaller than the dense float32 weights, that both exports
 * (and a --shrink one) evaluate to exactly the run's masked test error, that the tfjs export
 * loads with the stock tf.loadLayersModel (no svd code in the load path) and predicts what the
 * run predicts, and the errors: existing output, corrupt files, bad arguments.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/select.js';
import type { ExperimentConfig } from '../src/config/types.js';
import { DATASETS } from '../src/registries.js';
import { Model } from '../src/layers/model.js';
import { RunRandom } from '../src/train/rng.js';
import { loadLatestCheckpoint } from '../src/store/checkpoint.js';
import { restoreCheckpoint } from '../src/experiment/checkpoint-state.js';
import { svdHere } from './helpers/cli-in-process.js';
import { lastLine, readJsonFile, svd, tempDir } from './helpers/cli.js';

const TRAIN = [
  'run', 'configs/quickstart.yaml', '--set', 'data.trainLimit=1000', '--set', 'data.testLimit=500', '--set', 'training.epochs=8',
  '--set', 'optimizer.lr=0.01', '--set', 'kl.weight=0.1',
];
const LENET300_DENSE_WEIGHTS = 784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10;
/** The mean image subtraction at the head of every export: a batchnorm over the 784 pixels (4 arrays). */
const MEAN_IMAGE_WEIGHTS = 4 * 784;

interface ExportJson {
  out: string;
  files: Record<string, number>;
  bytes: { dense: number; weights: number; exported: number };
  weights: { dense: number; stored: number; nonzero: number };
  compression: { weights: number; bytes: number; paper: number };
  structure: { layers: Array<{ layer: string; removable: number }> };
  shrink: { before: Record<string, number>; after: Record<string, number> } | null;
}

let runs = '';
let runDir = '';
let runEval: { testError: number; compression: number };

before(() => {
  runs = tempDir('svd-export-');
  const r = svd([...TRAIN, '--runs-dir', runs]);
  assert.equal(r.status, 0, r.stderr);
  runDir = lastLine(r.stdout);
  const ev = svd(['eval', runDir, '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  runEval = JSON.parse(ev.stdout);
});

after(() => {
  if (runs) fs.rmSync(runs, { recursive: true, force: true });
});

function exportJson(args: string[]): ExportJson {
  const r = svd(['export', runDir, ...args, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ExportJson;
}


function evalError(dir: string): number {
  const r = svd(['eval', dir, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { testError: number }).testError;
}

test('sparse export: 10x+ smaller than the dense float32 weights, same test error as the run', () => {
  const result = exportJson(['--format', 'sparse']);
  assert.equal(result.out, path.join(runDir, 'export-sparse'));
  assert.deepEqual(Object.keys(result.files), ['svd-export.json', 'weights.bin']);
  assert.equal(result.weights.dense, LENET300_DENSE_WEIGHTS);
  assert.equal(result.bytes.dense, 4 * LENET300_DENSE_WEIGHTS);
  assert.equal(result.bytes.exported, Object.values(result.files).reduce((a, b) => a + b, 0));
  assert.equal(result.bytes.weights, result.files['weights.bin']);
  assert.equal(result.compression.paper, runEval.compression);
  const ratio = result.bytes.dense / result.bytes.exported;
  assert.ok(ratio >= 10, `sparse export is only ${ratio.toFixed(1)}x smaller (${result.bytes.exported} bytes; run compression ${runEval.compression.toFixed(1)}x)`);
  assert.equal(evalError(result.out), runEval.testError);
});

test('tfjs export: stock tf.loadLayersModel reads it and predicts what the run predicts', async () => {
  const result = exportJson(['--format', 'tfjs', '--out', path.join(runs, 'tfjs')]);
  assert.deepEqual(Object.keys(result.files), ['model.json', 'svd-export.json', 'weights.bin']);
  assert.equal(result.bytes.weights, 4 * (LENET300_DENSE_WEIGHTS + MEAN_IMAGE_WEIGHTS));
  assert.equal(evalError(result.out), runEval.testError);

  await selectBackend('wasm');
  // the load path: tfjs only
  const modelJson = JSON.parse(fs.readFileSync(path.join(result.out, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const group = modelJson.weightsManifest[0];
  const bin = fs.readFileSync(path.join(result.out, group.paths[0]));
  const exported = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: group.weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
  }));
  assert.deepEqual(exported.layers.map((l) => l.getClassName()), ['Reshape', 'BatchNormalization', 'Reshape', 'Flatten', 'Dense', 'Dense', 'Dense'], 'the mean image subtraction, then the network');
  assert.ok(!exported.weights.some((w) => /logSigma2|theta/.test(w.name)), 'variational parameters are dropped');

  // the reference: the run's own model from its checkpoint, masked, as svd eval computes it
  const config = readJsonFile<ExperimentConfig>(path.join(runDir, 'resolved.json'));
  const dataset = await DATASETS.get(config.data.dataset).load(config.data);
  const model = Model.build({ layers: config.model.layers, inputShape: dataset.inputShape, sparsity: config.sparsity, width: 1 }, RunRandom.fromSeed(config.seed).init);
  await restoreCheckpoint(loadLatestCheckpoint(path.join(runDir, 'checkpoints'))!, model.namedVariables(), null);
  const x = tf.tensor4d(dataset.test.x, [dataset.test.count, ...dataset.inputShape]);
  const expected = model.apply(x, { training: false, sparsity: config.sparsity, nextSeed: () => 1 });
  // the export is fed raw pixels in [0, 1]: it subtracts the mean image itself
  const raw = await DATASETS.get(config.data.dataset).load({ ...config.data, normalize: 'none' });
  const rawX = tf.tensor4d(raw.test.x, [raw.test.count, ...raw.inputShape]);
  const actual = exported.predict(rawX) as tf.Tensor;
  const maxDiff = tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0];
  assert.ok(maxDiff < 1e-4, `logits differ by up to ${maxDiff}`);
  const predicted = tf.argMax(actual, 1).dataSync();
  assert.deepEqual([...predicted], [...tf.argMax(expected, 1).dataSync()]);
  const wrong = Array.from(predicted).filter((p, i) => p !== dataset.test.y[i]).length;
  assert.equal(wrong / dataset.test.count, runEval.testError);
  tf.dispose([x, rawX, expected, actual]);
  exported.dispose();
  model.dispose();
});

test('--shrink removes dead units and predicts the same', async () => {
  const result = exportJson(['--shrink', '--out', path.join(runs, 'shrunk')]);
  assert.ok(result.shrink, 'the result lists the widths');
  const { before: widths, after } = result.shrink!;
  assert.deepEqual(widths, { 'fc1': 300, 'fc2': 100, 'fc3': 10 });
  assert.equal(after['fc3'], 10, 'the logits are never removed');
  assert.ok(after['fc1'] < 300 || after['fc2'] < 100, `nothing removed: ${JSON.stringify(after)}`);
  assert.ok(result.weights.stored < result.weights.dense);
  assert.equal(evalError(result.out), runEval.testError);
  const r = await svdHere(['export', runDir, '--shrink', '--format', 'sparse', '--out', path.join(runs, 'sparse-shrunk'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const sparseShrunk = JSON.parse(r.stdout) as ExportJson;
  assert.deepEqual(sparseShrunk.shrink!.after, after);
  const ev = await svdHere(['eval', sparseShrunk.out, '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  const shrunkEval = JSON.parse(ev.stdout) as { testError: number; params: { total: number } };
  assert.equal(shrunkEval.testError, runEval.testError);
  const widthsAfter = [784, after['fc1'], after['fc2'], after['fc3']];
  const shrunkCount = widthsAfter.slice(1).reduce((n, w, i) => n + widthsAfter[i] * w + w, 0);
  assert.equal(shrunkEval.params.total, shrunkCount, 'svd eval of a shrunk export counts the narrower model');
  const o = await svdHere(['export', runDir, '--shrink', '--format', 'onnx', '--out', path.join(runs, 'onnx-shrunk'), '--json']);
  assert.equal(o.status, 0, o.stderr);
  const onnxShrunk = JSON.parse(o.stdout) as ExportJson;
  assert.deepEqual(onnxShrunk.shrink!.after, after);
  assert.ok(onnxShrunk.files['model.onnx'] < 4 * (LENET300_DENSE_WEIGHTS + MEAN_IMAGE_WEIGHTS), 'the shrunk ONNX model holds the narrower layers');
  const oe = await svdHere(['eval', onnxShrunk.out, '--json']);
  assert.equal(oe.status, 0, oe.stderr);
  const onnxEval = JSON.parse(oe.stdout) as { testError: number; params: { total: number } };
  assert.equal(onnxEval.testError, runEval.testError);
  assert.equal(onnxEval.params.total, shrunkCount, 'the shrunk ONNX export counts the narrower model too');
  const table = await svdHere(['eval', sparseShrunk.out]);
  assert.match(table.stdout, new RegExp(`^parameters +${shrunkCount.toLocaleString('en-US')} in the model as shrunk$`, 'm'));
  assert.match(table.stdout, /^fc1 +\d+\.\d% +\d+$/m, 'the table names each layer with its sparsity and width');
});

test('svd export prints one compression figure per line, each naming what it divides; the last line is the export directory', async () => {
  const out = path.join(runs, 'described');
  const r = await svdHere(['export', runDir, '--format', 'sparse', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const figures = lines.filter((l) => /compression/.test(l) && !/dead/.test(l));
  assert.deepEqual(figures.map((l) => /^ {2}compression, (bytes|stored|Sparse VD): +(\d+\.\dx) \(\S/.exec(l)?.[1]), ['bytes', 'stored', 'Sparse VD']);
  for (const l of figures) assert.equal((l.match(/\d+\.\dx/g) ?? []).length, 1, `one figure on the line: ${l}`);
  assert.equal(lines.at(-1), out);
});

test('export refuses to overwrite, writes nothing half-done, and reports bad files and arguments', async () => {
  const out = path.join(runs, 'refuse');
  assert.equal((await svdHere(['export', runDir, '--format', 'sparse', '--out', out])).status, 0);
  const again = await svdHere(['export', runDir, '--format', 'sparse', '--out', out]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /already holds an export; pass --force/);
  const forced = await svdHere(['export', runDir, '--format', 'tfjs', '--out', out, '--force']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(lastLine(forced.stdout), out);
  assert.ok(fs.existsSync(path.join(out, 'model.json')));

  const mine = path.join(runs, 'mine');
  fs.mkdirSync(mine);
  fs.writeFileSync(path.join(mine, 'notes.txt'), 'keep me');
  const refused = await svdHere(['export', runDir, '--out', mine, '--force']);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /not an svd export/);
  assert.deepEqual(fs.readdirSync(mine), ['notes.txt']);
  assert.deepEqual(fs.readdirSync(runs).filter((n) => n.startsWith('.')), [], 'no temporary directories left');

  // a truncated weights file is an error naming it (exit 2: a bad file given)
  const broken = path.join(runs, 'broken');
  assert.equal((await svdHere(['export', runDir, '--format', 'sparse', '--out', broken])).status, 0);
  const bin = path.join(broken, 'weights.bin');
  fs.truncateSync(bin, fs.statSync(bin).size - 8);
  const bad = await svdHere(['eval', broken]);
  assert.equal(bad.status, 2);
  assert.ok(bad.stderr.includes(bin), bad.stderr);
  const badTfjs = path.join(runs, 'tfjs-broken');
  fs.cpSync(out, badTfjs, { recursive: true });
  fs.writeFileSync(path.join(badTfjs, 'model.json'), '{"modelTopology":');
  const bad2 = await svdHere(['eval', badTfjs]);
  assert.equal(bad2.status, 2);
  assert.ok(bad2.stderr.includes(path.join(badTfjs, 'model.json')), bad2.stderr);
  fs.copyFileSync(path.join(out, 'model.json'), path.join(badTfjs, 'model.json'));
  fs.truncateSync(path.join(badTfjs, 'weights.bin'), 1000);
  const bad3 = await svdHere(['eval', badTfjs]);
  assert.equal(bad3.status, 2);
  assert.match(bad3.stderr, /weights\.bin: .*has 1000 bytes/);

  assert.equal((await svdHere(['export', runDir, '--format', 'pytorch'])).status, 2);
  const threshold = await svdHere(['eval', out, '--threshold', '1']);
  assert.equal(threshold.status, 2);
  assert.match(threshold.stderr, /--threshold applies to run directories/);
  const neither = await svdHere(['eval', runs]);
  assert.equal(neither.status, 2);
  assert.match(neither.stderr, /not a run directory .* nor an export directory/);
});
