/**
 * The paper's VGG-like on generated CIFAR-10 files, end to end with the real `svd` binary on the
 * default backend, at k = 0.125 and a few steps: the dense baseline (binary dropout, weight decay,
 * ZCA), then Sparse VD initialised from that real run directory (init.from). Also, in process:
 * what init.from loads (run directory, checkpoints folder or one checkpoint; theta = kernel,
 * log sigma^2 = logSigma2Init, batchnorm copied) and its errors (a layer of another shape named,
 * Sparse VD into plain refused, a missing path), and that a bad init.from writes nothing.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectBackend } from '../src/backends/select.js';
import { loadConfig } from '../src/experiment/load-config.js';
import { Model } from '../src/layers/model.js';
import { RunRandom } from '../src/train/rng.js';
import { SvdError } from '../src/errors.js';
import { initFromPretrained, loadPretrained } from '../src/experiment/init-from.js';
import { makeCifarSplit, writeCifar10 } from './helpers/cifar-files.js';
import { lastLine, readJsonFile, readJsonl, ROOT, svd, tempDir } from './helpers/cli.js';

const root = tempDir('svd-vgg-data-');
const runs = tempDir('svd-vgg-runs-');
/** Small and quick: k = 0.125, batches of 10, 2 steps, 10 test images. */
const SMALL = [
  '--set', 'model.width=0.125', '--set', 'training.epochs=1', '--set', 'training.stepsPerEpoch=2',
  '--set', 'data.batchSize=10', '--set', 'data.testLimit=10', '--set', `data.root=${root}`, '--runs-dir', runs,
];
const VGG_LAYERS = [
  'conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv3_3',
  'conv4_1', 'conv4_2', 'conv4_3', 'conv5_1', 'conv5_2', 'conv5_3', 'fc1', 'fc2',
];

let denseRun = '';
let sparseRun = '';

before(async () => {
  writeCifar10(root, makeCifarSplit(40, 10, 1), makeCifarSplit(12, 10, 2), { format: 'python' });
  await selectBackend('wasm');
});

test('the dense VGG-like baseline (dropout, weight decay, ZCA) trains on generated CIFAR-10', () => {
  const r = svd(['run', 'configs/vgg-cifar10-dense.yaml', ...SMALL, '--set', 'data.augment={crop: 4, flip: true}']);
  assert.equal(r.status, 0, r.stderr);
  denseRun = lastLine(r.stdout);
  const summary = readJsonFile<{ status: string; backend: string; epochs: number; testError: number }>(path.join(denseRun, 'summary.json'));
  assert.deepEqual([summary.status, summary.epochs, summary.backend], ['completed', 1, 'wasm']);
  assert.ok(summary.testError >= 0 && summary.testError <= 1);
  const started = readJsonl<{ msg: string; preprocessing?: { normalize: string; zca: { cacheFile: string } } }>(path.join(denseRun, 'log.jsonl'))[0];
  assert.equal(started.preprocessing?.normalize, 'zca');
  assert.ok(fs.existsSync(started.preprocessing!.zca.cacheFile));
  assert.equal(path.dirname(started.preprocessing!.zca.cacheFile), path.join(root, '.cache'));
});

test('Sparse VD VGG-like fine-tunes from the dense run directory (init.from)', () => {
  assert.ok(denseRun, 'the dense run must have succeeded');
  const r = svd(['run', 'configs/vgg-cifar10.yaml', ...SMALL, '--set', `init.from=${denseRun}`]);
  assert.equal(r.status, 0, r.stderr);
  const dir = lastLine(r.stdout);
  sparseRun = dir;
  const summary = readJsonFile<{ status: string; sparsity: Record<string, number>; params: { sparsifiable: number } }>(path.join(dir, 'summary.json'));
  assert.equal(summary.status, 'completed');
  assert.deepEqual(Object.keys(summary.sparsity), VGG_LAYERS);
  const started = readJsonl<{ initFrom?: { checkpoint: string; layers: Array<[string, string]> } }>(path.join(dir, 'log.jsonl'))[0];
  assert.equal(started.initFrom?.checkpoint, path.join(denseRun, 'checkpoints', 'epoch-000001'));
  assert.equal(started.initFrom?.layers.length, 29); // 13 conv + 13 bn + fc1 + bn_fc1 + fc2
  assert.deepEqual(started.initFrom?.layers[0], ['conv1_1', 'conv1_1']);
  // k = 0.125: conv filters 8, 8, 16, 16, 32 x 3, 64 x 6; fc1 64 units; fc2 10
  const convIn = [3, 8, 8, 16, 16, 32, 32, 32, 64, 64, 64, 64, 64];
  const convOut = [8, 8, 16, 16, 32, 32, 32, 64, 64, 64, 64, 64, 64];
  const weights = convIn.reduce((s, cin, i) => s + 9 * cin * convOut[i], 0) + 64 * 64 + 64 * 10;
  assert.equal(summary.params.sparsifiable, weights);
});

test('init.from loads a run directory, its checkpoints folder or one checkpoint: theta = kernel, log sigma^2 = init', async () => {
  assert.ok(denseRun, 'the dense run must have succeeded');
  const { config } = await loadConfig(path.join(ROOT, 'configs', 'vgg-cifar10.yaml'), ['model.width=0.125']);
  const checkpoint = path.join(denseRun, 'checkpoints', 'epoch-000001');
  for (const from of [denseRun, path.join(denseRun, 'checkpoints'), checkpoint]) {
    assert.equal(loadPretrained(from).dir, checkpoint);
  }
  const source = loadPretrained(denseRun);
  const model = Model.build({ layers: config.model.layers, inputShape: [32, 32, 3], sparsity: config.sparsity, width: 0.125 }, RunRandom.fromSeed(0).init);
  try {
    const report = initFromPretrained(model, source, config.sparsity);
    assert.equal(report.epoch, 1);
    const vars = model.namedVariables();
    const saved = source.checkpoint!.variables;
    for (const [target, from] of [['conv1_1/theta', 'conv1_1/kernel'], ['fc2/theta', 'fc2/kernel'], ['fc2/bias', 'fc2/bias'], ['bn3_2/movingVariance', 'bn3_2/movingVariance'], ['bn_fc1/gamma', 'bn_fc1/gamma']]) {
      assert.deepEqual(vars.get(target)!.dataSync(), saved.get(from)!.values, target);
    }
    const ls2 = vars.get('conv4_2/logSigma2')!.dataSync();
    assert.ok(ls2.every((v) => v === -15));
  } finally {
    model.dispose();
  }
});

test('init.from errors: the first layer of another shape is named; Sparse VD into plain is refused', async () => {
  assert.ok(denseRun, 'the dense run must have succeeded');
  const source = loadPretrained(denseRun);
  const expectError = (fn: () => unknown, pattern: RegExp) => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof SvdError, String(err));
      assert.equal(err.code, 'E_CHECKPOINT');
      assert.equal(err.exitCode, 2);
      assert.equal(err.location.path, 'init.from');
      assert.match(err.message, pattern);
      return;
    }
    assert.fail('expected an error');
  };
  const { config } = await loadConfig(path.join(ROOT, 'configs', 'vgg-cifar10.yaml'));
  const wider = Model.build({ layers: config.model.layers, inputShape: [32, 32, 3], sparsity: config.sparsity, width: 0.25 }, RunRandom.fromSeed(0).init);
  const before = wider.namedVariables().get('conv1_1/theta')!.dataSync().slice();
  expectError(() => initFromPretrained(wider, source, config.sparsity), /^model\.layers\.0 \(conv1_1, conv2d-svd\): theta has shape \[3, 3, 3, 16\] but the matching pretrained layer 'conv1_1' \(conv\) has \[3, 3, 3, 8\]/);
  assert.deepEqual(wider.namedVariables().get('conv1_1/theta')!.dataSync(), before, 'nothing assigned');
  wider.dispose();
  const lenet = Model.build({ layers: [{ type: 'flatten' }, { type: 'dense-svd', units: 10 }], inputShape: [32, 32, 3], sparsity: config.sparsity, width: 1 }, RunRandom.fromSeed(0).init);
  expectError(() => initFromPretrained(lenet, source, config.sparsity), /^model\.layers\.1 \(dense-svd_1, dense-svd\) is a dense layer but the matching pretrained layer 'conv1_1' \(conv\) is not/);
  lenet.dispose();
  const { config: dense } = await loadConfig(path.join(ROOT, 'configs', 'vgg-cifar10-dense.yaml'));
  const plain = Model.build({ layers: dense.model.layers, inputShape: [32, 32, 3], sparsity: dense.sparsity, width: 0.125 }, RunRandom.fromSeed(0).init);
  expectError(() => initFromPretrained(plain, loadPretrained(sparseRun), dense.sparsity), /^model\.layers\.0 \(conv1_1, conv2d\) is a plain layer but the matching pretrained layer 'conv1_1' \(conv Sparse VD\) is Sparse VD/);
  plain.dispose();
  expectError(() => loadPretrained(path.join(runs, 'nope')), /no such run directory or checkpoint/);
  expectError(() => loadPretrained(root), /neither a run directory/);
});

test('a bad init.from exits 2 before anything is written', () => {
  const out = path.join(runs, 'never');
  const r = svd(['run', 'configs/vgg-cifar10.yaml', '--set', 'model.width=0.25', '--set', `init.from=${denseRun}`, '--set', `data.root=${root}`, '--runs-dir', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /init\.from: model\.layers\.0 \(conv1_1, conv2d-svd\): theta has shape \[3, 3, 3, 16\]/);
  assert.equal(fs.existsSync(out), false);
});
