/**
 * `model.width`: every layer's units/filters but the classifier's are scaled and rounded (at least
 * 1); the built model has those shapes, layer names do not change, and the config checks walk
 * the scaled shapes (the shipped VGG configs validate at every paper k).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { selectBackend } from '../src/backends/select.js';
import type { LayerSpec } from '../src/config/types.js';
import { loadConfig } from '../src/experiment/load-config.js';
import { Model } from '../src/layers/model.js';
import { classifierIndex, scaleLayerWidths } from '../src/layers/width.js';
import { RunRandom } from '../src/train/rng.js';
import { PAPER_SPARSITY } from './helpers/layers.js';
import { ROOT } from './helpers/cli.js';

const SPECS: LayerSpec[] = [
  { type: 'conv2d-svd', filters: 64, kernelSize: 3, padding: 'same' },
  { type: 'batchnorm' },
  { type: 'maxpool' },
  { type: 'flatten' },
  { type: 'dense', name: 'fc1', units: 512 },
  { type: 'dense-svd', name: 'fc2', units: 10 },
  { type: 'activation', activation: 'softmax' },
];

before(async () => {
  await selectBackend('wasm');
});

test('scaleLayerWidths scales units and filters except the classifier, rounding to at least 1', () => {
  assert.equal(classifierIndex(SPECS), 5);
  assert.equal(scaleLayerWidths(SPECS, 1), SPECS);
  const scaled = scaleLayerWidths(SPECS, 0.125);
  assert.deepEqual(scaled.map((s) => s.filters ?? s.units ?? null), [8, null, null, null, 64, 10, null]);
  assert.deepEqual(scaled.map((s) => s.name), SPECS.map((s) => s.name));
  assert.deepEqual(scaleLayerWidths(SPECS, 0.001).map((s) => s.filters ?? s.units ?? null), [1, null, null, null, 1, 10, null]);
  assert.deepEqual(scaleLayerWidths(SPECS, 1.5).map((s) => s.filters ?? s.units ?? null), [96, null, null, null, 768, 10, null]);
  assert.equal(SPECS[0].filters, 64, 'the specs themselves are not changed');
});

test('Model.build with a width has the scaled variable shapes and the same layer names', () => {
  const model = Model.build({ layers: SPECS, inputShape: [8, 8, 3], sparsity: PAPER_SPARSITY, width: 0.25 }, RunRandom.fromSeed(1).init);
  try {
    const shapes = Object.fromEntries([...model.namedVariables()].map(([name, v]) => [name, v.shape]));
    assert.deepEqual(shapes['conv2d-svd_0/theta'], [3, 3, 3, 16]);
    assert.deepEqual(shapes['batchnorm_1/gamma'], [16]);
    assert.deepEqual(shapes['fc1/kernel'], [4 * 4 * 16, 128]);
    assert.deepEqual(shapes['fc2/theta'], [128, 10]);
  } finally {
    model.dispose();
  }
});

test('the shipped VGG configs validate at every width of the paper, and widths scale the checks', async () => {
  for (const file of ['vgg-cifar10.yaml', 'vgg-cifar100.yaml', 'vgg-cifar10-dense.yaml']) {
    for (const width of [0.125, 0.25, 0.5, 1, 1.5]) {
      const { config } = await loadConfig(path.join(ROOT, 'configs', file), [`model.width=${width}`]);
      assert.equal(config.model.width, width);
    }
  }
  const { config } = await loadConfig(path.join(ROOT, 'configs', 'vgg-cifar10.yaml'));
  const convs = config.model.layers.filter((l) => l.type === 'conv2d-svd');
  assert.deepEqual(convs.map((l) => l.filters), [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]);
  assert.equal(config.model.layers.filter((l) => l.type === 'maxpool').length, 5);
  assert.equal(config.model.layers.filter((l) => l.type === 'batchnorm').length, 14);
  assert.deepEqual(config.model.layers.filter((l) => l.type === 'dense-svd').map((l) => l.units), [512, 10]);
});
