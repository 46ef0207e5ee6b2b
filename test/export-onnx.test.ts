/**
 * Real clients, no svd code in the model's load path: runs of LeNet-300-100, LeNet-5-Caffe
 * (MNIST, mean image) and the paper's VGG-like at k = 0.125 (batchnorm, CIFAR-10 with ZCA),
 * each one short epoch on generated files, exported to ONNX and tfjs. onnxruntime-node loads
 * model.onnx as bytes, tf.loadLayersModel loads model.json, both are fed the raw test images
 * (pixels in [0, 1], NHWC), and both give the logits of the run's own model on its normalized
 * images (1e-4) and exactly `svd eval RUN_DIR`'s test error; `svd eval EXPORT_DIR` agrees.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/select.js';
import type { ExperimentConfig } from '../src/config/types.js';
import { DATASETS } from '../src/registries.js';
import { Model } from '../src/layers/model.js';
import { RunRandom } from '../src/train/rng.js';
import { loadLatestCheckpoint } from '../src/store/checkpoint.js';
import { restoreCheckpoint } from '../src/experiment/checkpoint-state.js';
import { makeCifarSplit, writeCifar10 } from './helpers/cifar-files.js';
import { writeSmallMnist } from './helpers/small-run.js';
import { lastLine, readJsonFile, svd, tempDir } from './helpers/cli.js';
import { svdHere } from './helpers/cli-in-process.js';
import { decodeOnnxModel } from '../src/formats/onnx-proto.js';

const mnist = tempDir('svd-onnx-mnist-');
const cifar = tempDir('svd-onnx-cifar-');
const runs = tempDir('svd-onnx-runs-');

const CASES: Array<{ name: string; args: string[]; layers: RegExp }> = [
  { name: 'LeNet-300-100', args: ['configs/lenet300-mnist.yaml', '--set', `data.root=${mnist}`], layers: /^Gemm$/ },
  { name: 'LeNet-5-Caffe', args: ['configs/lenet5-mnist.yaml', '--set', `data.root=${mnist}`], layers: /^(Conv|MaxPool)$/ },
  {
    name: 'VGG-like (batchnorm, ZCA)',
    args: ['configs/vgg-cifar10.yaml', '--set', `data.root=${cifar}`, '--set', 'model.width=0.125', '--set', 'training.stepsPerEpoch=2', '--set', 'data.batchSize=10'],
    layers: /^BatchNormalization$/,
  },
];

before(async () => {
  writeSmallMnist(mnist);
  writeCifar10(cifar, makeCifarSplit(40, 10, 1), makeCifarSplit(12, 10, 2), { format: 'python' });
  await selectBackend('wasm');
  tensorsAtStart = tf.memory().numTensors;
});

let tensorsAtStart = 0;

/** The run's own model on its normalized test images (as svd eval computes them), and the raw images with labels. */
async function reference(runDir: string): Promise<{ logits: Float32Array; raw: Float32Array; labels: Int32Array; count: number; shape: number[]; classes: number }> {
  const config = readJsonFile<ExperimentConfig>(path.join(runDir, 'resolved.json'));
  const entry = DATASETS.get(config.data.dataset);
  const normalized = await entry.load(config.data);
  const raw = await entry.load({ ...config.data, normalize: 'none' });
  const model = Model.build({ layers: config.model.layers, inputShape: normalized.inputShape, sparsity: config.sparsity, width: config.model.width ?? 1 }, RunRandom.fromSeed(config.seed).init);
  await restoreCheckpoint(loadLatestCheckpoint(path.join(runDir, 'checkpoints'))!, model.namedVariables(), null);
  const logits = tf.tidy(() => model.apply(tf.tensor4d(normalized.test.x, [normalized.test.count, ...normalized.inputShape]), { training: false, sparsity: config.sparsity, nextSeed: () => 1 }).dataSync() as Float32Array);
  model.dispose();
  return { logits, raw: raw.test.x, labels: raw.test.y, count: raw.test.count, shape: [...raw.inputShape], classes: normalized.numClasses };
}

function errorOf(logits: Float32Array, labels: Int32Array, classes: number): number {
  let wrong = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    if (row.indexOf(Math.max(...row)) !== labels[i]) wrong++;
  }
  return wrong / labels.length;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}


async function evalJson(dir: string): Promise<{ testError: number }> {
  const r = await svdHere(['eval', dir, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { testError: number };
}

for (const c of CASES) {
  test(`${c.name}: onnxruntime-node and tf.loadLayersModel on raw pixels give the run's logits and test error`, async () => {
    const r = svd(['run', ...c.args, '--set', 'training.epochs=1', '--runs-dir', runs]);
    assert.equal(r.status, 0, r.stderr);
    const runDir = lastLine(r.stdout);
    const runError = (await evalJson(runDir)).testError;
    const ref = await reference(runDir);
    assert.equal(errorOf(ref.logits, ref.labels, ref.classes), runError, 'the reference is what svd eval counts');

    const onnxDir = path.join(runDir, 'onnx');
    const ex = await svdHere(['export', runDir, '--format', 'onnx', '--out', onnxDir]);
    assert.equal(ex.status, 0, ex.stderr);
    const manifest = readJsonFile<{ version: number; input: { layout: string; range: number[]; shape: number[]; normalize: string } }>(path.join(onnxDir, 'svd-export.json'));
    assert.equal(manifest.version, 2);
    assert.deepEqual([manifest.input.layout, manifest.input.range, manifest.input.shape], ['NHWC', [0, 1], ref.shape]);
    const ops = ((decodeOnnxModel(fs.readFileSync(path.join(onnxDir, 'model.onnx'))).graph as { node: Array<{ opType: string }> }).node).map((n) => n.opType);
    assert.ok(ops.some((op) => c.layers.test(op)), `the graph has the model's ops: ${ops.join(' ')}`);

    // the ONNX client: bytes from disk into onnxruntime, raw NHWC pixels in
    const session = await ort.InferenceSession.create(fs.readFileSync(path.join(onnxDir, 'model.onnx')));
    const out = await session.run({ input: new ort.Tensor('float32', ref.raw, [ref.count, ...ref.shape]) });
    await session.release();
    const onnxLogits = out.logits.data as Float32Array;
    assert.deepEqual(out.logits.dims, [ref.count, ref.classes]);
    const d = maxDiff(onnxLogits, ref.logits);
    assert.ok(d < 1e-4, `ONNX logits differ by up to ${d}`);
    assert.equal(errorOf(onnxLogits, ref.labels, ref.classes), runError);
    assert.equal((await evalJson(onnxDir)).testError, runError, 'svd eval EXPORT_DIR on the onnx export');
    assert.equal(readJsonFile<{ input: { normalize: string } }>(path.join(onnxDir, 'svd-export.json')).input.normalize, readJsonFile<ExperimentConfig>(path.join(runDir, 'resolved.json')).data.normalize);

    // the tfjs client: stock tf.loadLayersModel, raw pixels in
    const tfjsDir = path.join(runDir, 'tfjs');
    const tx = await svdHere(['export', runDir, '--format', 'tfjs', '--out', tfjsDir]);
    assert.equal(tx.status, 0, tx.stderr);
    const modelJson = JSON.parse(fs.readFileSync(path.join(tfjsDir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const bin = fs.readFileSync(path.join(tfjsDir, modelJson.weightsManifest[0].paths[0]));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer }));
    const tfjsLogits = tf.tidy(() => (loaded.predict(tf.tensor4d(ref.raw, [ref.count, ...ref.shape as [number, number, number]])) as tf.Tensor).dataSync() as Float32Array);
    loaded.dispose();
    const dt = maxDiff(tfjsLogits, ref.logits);
    assert.ok(dt < 1e-4, `tfjs logits differ by up to ${dt}`);
    assert.equal(errorOf(tfjsLogits, ref.labels, ref.classes), runError);
    assert.equal((await evalJson(tfjsDir)).testError, runError, 'svd eval EXPORT_DIR on the tfjs export');
    assert.equal(tf.memory().numTensors, tensorsAtStart, 'no tensor leaked');
  });
}

