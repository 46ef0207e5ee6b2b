/**
 * Defaults: a config with only the required keys resolves to the documented defaults, filled
 * from the schema's `default`s (whole sections included), the name from the file name and the
 * data root from the dataset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadConfig } from '../src/experiment/load-config.js';
import { DATASETS } from '../src/registries.js';
import { FIXTURES, MINIMAL, tempConfigs } from './config-support.js';

test('a minimal config gets every default', async () => {
  const { config } = await loadConfig(path.join(FIXTURES, 'good', 'minimal.yaml'));
  assert.deepEqual(config, {
    name: 'minimal',
    seed: 0,
    backend: 'auto',
    data: {
      dataset: 'mnist', root: DATASETS.get('mnist').defaultRoot, labels: null, normalize: 'none', zcaEpsilon: 1e-5, cacheDir: null,
      batchSize: 100, trainLimit: null, testLimit: null, validation: null, augment: null,
    },
    model: {
      layers: [{ type: 'flatten' }, { type: 'dense-svd', units: 10, activation: 'linear', useBias: true, kernelInitializer: 'glorotUniform', initStddev: 0.01 }],
      width: 1,
    },
    sparsity: { threshold: 3, logAlphaClip: 8, logSigma2Init: -10, trainClip: true, trainClipNoise: true, trainClipKl: false },
    kl: { schedule: 'linear', start: 5, end: 20, weight: 1 },
    optimizer: { type: 'adam', lr: 0.001, weightDecay: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, schedule: { type: 'constant' } },
    training: { epochs: 200, evalEvery: 1, checkpointEvery: 1, snapshotEvery: 0, stepsPerEpoch: null, keepBest: null, workers: null, microBatch: null },
    init: { from: null },
  });
});

test('defaults fill the keys a partial section leaves out, and type-specific keys follow the type', async () => {
  const dir = await tempConfigs({
    'run-1.yml': `${MINIMAL}optimizer: { type: sgd, schedule: { type: step, every: 3, gamma: 0.1 } }\n`,
  });
  const { config } = await loadConfig(path.join(dir, 'run-1.yml'), ['data.root=/data/mnist']);
  assert.equal(config.name, 'run-1');
  assert.equal(config.data.root, '/data/mnist');
  assert.deepEqual(config.optimizer, { type: 'sgd', lr: 0.001, weightDecay: 0, momentum: 0.9, schedule: { type: 'step', every: 3, gamma: 0.1 } });
});

test('an explicit name wins over the file name; aliases are copied, not shared', async () => {
  const dir = await tempConfigs({
    'x.yaml': `name: chosen
data: { dataset: mnist }
model:
  layers: [{ type: flatten }, &h { type: dense, units: 10 }, *h]
`,
  });
  const { config } = await loadConfig(path.join(dir, 'x.yaml'), ['model.layers.1.units=20']);
  assert.equal(config.name, 'chosen');
  assert.equal(config.model.layers[1].units, 20);
  assert.equal(config.model.layers[2].units, 10);
});
