/**
 * A user's own trained model as the start (src/import/, init.from, svd init):
 * - round trip: a dense LeNet-5-Caffe trained here, exported to ONNX and to tfjs, turned into a
 *   Sparse VD config by `svd init`, started with init.from: before any training step its mean
 *   network without the mask gives the dense run's logits (1e-4) on the same images;
 * - a PyTorch-style ONNX model (NCHW input, explicit pads, Gemm with transB, a flatten of NCHW
 *   features, a final Softmax) written here with the official schema: onnxruntime-node's output
 *   is the softmax of the imported start's logits;
 * - an unsupported shape is an E_IMPORT error (exit 2) naming the node and what is supported.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { selectBackend } from '../src/backends/select.js';
import type { ExperimentConfig, LayerSpec } from '../src/config/types.js';
import { DATASETS } from '../src/registries.js';
import { Model } from '../src/layers/model.js';
import { RunRandom } from '../src/train/rng.js';
import { loadLatestCheckpoint } from '../src/store/checkpoint.js';
import { restoreCheckpoint } from '../src/experiment/checkpoint-state.js';
import { loadConfig } from '../src/experiment/load-config.js';
import { buildModel } from '../src/experiment/build.js';
import { initFromPretrained, loadInitSource, plainSourceLayers } from '../src/experiment/init-from.js';
import { encodeOnnxModel } from '../src/formats/onnx-proto.js';
import { importOnnx } from '../src/import/onnx-import.js';
import { sparseTypeOf } from '../src/import/config-from-model.js';
import { SvdError } from '../src/errors.js';
import { svdHere } from './helpers/cli-in-process.js';
import { writeSmallMnist } from './helpers/small-run.js';
import { lastLine, readJsonFile, svd, tempDir } from './helpers/cli.js';
import { PAPER_SPARSITY } from './helpers/layers.js';
import * as fs from 'node:fs';

const mnist = tempDir('svd-import-mnist-');
const work = tempDir('svd-import-');

before(async () => {
  writeSmallMnist(mnist);
  await selectBackend('wasm');
});


function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Mean weights, no mask: log alpha is clipped at logAlphaClip, below this threshold. */
const NO_MASK = (config: ExperimentConfig) => ({ ...config.sparsity, threshold: config.sparsity.logAlphaClip + 1 });

test('round trip: a dense run exported to ONNX and tfjs, svd init, init.from: the start predicts as the dense run did', async () => {
  const r = svd(['run', 'configs/lenet5-mnist-dense.yaml', '--set', `data.root=${mnist}`, '--set', 'training.epochs=1', '--set', 'training.workers=1', '--runs-dir', path.join(work, 'runs')]);
  assert.equal(r.status, 0, r.stderr);
  const runDir = lastLine(r.stdout);
  const runConfig = readJsonFile<ExperimentConfig>(path.join(runDir, 'resolved.json'));
  const dataset = await DATASETS.get('mnist').load(runConfig.data);
  const x = tf.tensor4d(dataset.test.x, [dataset.test.count, ...dataset.inputShape]);
  const dense = buildModel(runConfig);
  await restoreCheckpoint(loadLatestCheckpoint(path.join(runDir, 'checkpoints'))!, dense.namedVariables(), null);
  const expected = tf.tidy(() => dense.apply(x, { training: false, sparsity: runConfig.sparsity, nextSeed: () => 1 }).dataSync());
  dense.dispose();

  for (const format of ['onnx', 'tfjs']) {
    const out = path.join(work, `export-${format}`);
    assert.equal((await svdHere(['export', runDir, '--format', format, '--out', out])).status, 0);
    const model = format === 'onnx' ? path.join(out, 'model.onnx') : path.join(out, 'model.json');
    const configFile = path.join(work, `from-${format}.yaml`);
    const init = await svdHere(['init', model, '--out', configFile]);
    assert.equal(init.status, 0, init.stderr);
    assert.equal(lastLine(init.stdout), configFile);
    const { config } = await loadConfig(configFile, [`data.root=${mnist}`]);
    assert.deepEqual([config.data.dataset, config.data.normalize, config.init.from], ['mnist', 'mean-image', model]);
    assert.deepEqual(config.model.layers.map((l) => l.type), ['conv2d-svd', 'maxpool', 'conv2d-svd', 'maxpool', 'flatten', 'dense-svd', 'dense-svd']);
    const start = buildModel(config);
    const report = initFromPretrained(start, await loadInitSource(config.init.from!), config.sparsity);
    assert.equal(report.layers.length, 4);
    assert.deepEqual([...start.namedVariables()].filter(([n]) => n.endsWith('logSigma2')).map(([, v]) => v.dataSync()[0]), [-10, -10, -10, -10], 'log sigma^2 starts at sparsity.logSigma2Init');
    const again = await DATASETS.get('mnist').load(config.data);
    const y = tf.tensor4d(again.test.x, [again.test.count, ...again.inputShape]);
    const got = tf.tidy(() => start.apply(y, { training: false, sparsity: NO_MASK(config), nextSeed: () => 1 }).dataSync());
    const d = maxDiff(got, expected);
    assert.ok(d < 1e-4, `${format}: the imported start's logits differ from the dense run's by up to ${d}`);
    tf.dispose(y);
    start.dispose();
  }
  x.dispose();
});

/** Deterministic values in [-0.5, 0.5). */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  });
}

/** A small PyTorch-style classifier: x [N, 2, 6, 6] -> Conv 3x3 pad 1 -> Relu -> MaxPool 2 -> Flatten -> Gemm (transB) -> Softmax. */
function pytorchStyle(conv: Record<string, unknown> = {}): Uint8Array {
  const t = (name: string, dims: number[], seed: number) => ({ name, dims, dataType: 1, floatData: Array.from(values(dims.reduce((a, b) => a * b, 1), seed)) });
  const ints = (name: string, v: number[]) => ({ name, type: 7, ints: v });
  return encodeOnnxModel({
    irVersion: 8, opsetImport: [{ domain: '', version: 13 }], producerName: 'pytorch',
    graph: {
      name: 'net',
      node: [
        { name: '/conv1/Conv', opType: 'Conv', input: ['x', 'conv1.weight', 'conv1.bias'], output: ['a'], attribute: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [1, 1]), ...(conv.group ? [{ name: 'group', type: 2, i: conv.group }] : [])] },
        { name: '/relu/Relu', opType: 'Relu', input: ['a'], output: ['b'] },
        { name: '/pool/MaxPool', opType: 'MaxPool', input: ['b'], output: ['c'], attribute: [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])] },
        { name: '/Flatten', opType: 'Flatten', input: ['c'], output: ['d'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
        { name: '/fc/Gemm', opType: 'Gemm', input: ['d', 'fc.weight', 'fc.bias'], output: ['e'], attribute: [{ name: 'transB', type: 2, i: 1 }] },
        { name: '/Softmax', opType: 'Softmax', input: ['e'], output: ['probs'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
      ],
      initializer: [t('conv1.weight', [3, 2, 3, 3], 1), t('conv1.bias', [3], 2), t('fc.weight', [4, 27], 3), t('fc.bias', [4], 4)],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 2 }, { dimValue: 6 }, { dimValue: 6 }] } } } }],
      output: [{ name: 'probs', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] } } } }],
    },
  });
}

test('a PyTorch-style ONNX model (NCHW, Gemm transB, NCHW flatten, final softmax) imports with its outputs', async () => {
  const file = path.join(work, 'pytorch.onnx');
  fs.writeFileSync(file, pytorchStyle());
  const n = 5;
  const nchw = values(n * 2 * 6 * 6, 9);
  const session = await ort.InferenceSession.create(fs.readFileSync(file));
  const probs = (await session.run({ x: new ort.Tensor('float32', nchw, [n, 2, 6, 6]) })).probs.data as Float32Array;
  await session.release();

  const imported = importOnnx(file);
  assert.deepEqual(imported.inputShape, [6, 6, 2], 'NCHW [2, 6, 6] becomes svd\'s [6, 6, 2]');
  assert.deepEqual(imported.layers.map((l) => [l.name, l.type]), [['conv1', 'conv2d'], ['pool', 'maxpool'], ['flatten_0', 'flatten'], ['fc', 'dense']]);
  assert.match(imported.notes.join(), /final Softmax .* left out/);
  const specs: LayerSpec[] = imported.layers.map((l) => ({ type: sparseTypeOf(l.type), name: l.name, ...l.config }));
  const model = Model.build({ layers: specs, inputShape: [6, 6, 2], sparsity: PAPER_SPARSITY, width: 1 }, RunRandom.fromSeed(3).init);
  initFromPretrained(model, { from: file, dir: file, epoch: null, layers: plainSourceLayers(imported.layers, file) }, PAPER_SPARSITY);
  const got = tf.tidy(() => {
    const x = tf.transpose(tf.tensor4d(nchw, [n, 2, 6, 6]), [0, 2, 3, 1]);
    return tf.softmax(model.apply(x, { training: false, sparsity: { ...PAPER_SPARSITY, threshold: PAPER_SPARSITY.logAlphaClip + 1 }, nextSeed: () => 1 })).dataSync();
  });
  model.dispose();
  const d = maxDiff(got, probs);
  assert.ok(d < 1e-5, `differs by up to ${d}`);
});

test('an unsupported shape is an E_IMPORT error (exit 2) naming the node and what is supported', () => {
  const file = path.join(work, 'grouped.onnx');
  fs.writeFileSync(file, pytorchStyle({ group: 2 }));
  assert.throws(() => importOnnx(file), (err: unknown) =>
    err instanceof SvdError && err.code === 'E_IMPORT' && err.exitCode === 2 && err.location.file === file &&
    /node '\/conv1\/Conv' \(Conv\): .*group and dilations must be 1; svd imports chains of Gemm, MatMul/.test(err.message));
});
