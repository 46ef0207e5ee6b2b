/**
 * `extends`: mappings merge key by key along the chain, lists and scalars are replaced by the
 * child, and every problem points into the file that set the offending value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../src/experiment/load-config.js';
import { FIXTURES, loadErrors, tempConfigs } from './config-support.js';

test('a chain of three files merges, nearest file winning', async () => {
  const child = path.join(FIXTURES, 'good', 'extends-child.yaml');
  const { config, files, text } = await loadConfig(child);
  assert.deepEqual(files, [child, path.join(FIXTURES, 'good', 'parts', 'base.yaml'), path.join(FIXTURES, 'good', 'parts', 'grandparent.yaml')]);
  assert.equal(text, readFileSync(child, 'utf8'));
  assert.equal(config.name, 'extends-child'); // child over grandparent
  assert.equal(config.seed, 5); // from base
  assert.equal(config.data.batchSize, 50); // child, merged into base's data mapping
  assert.equal(config.data.normalize, 'mean-image'); // base, kept beside the child's key
  assert.equal(config.training.epochs, 2);
  assert.equal(config.training.evalEvery, 2);
  assert.equal(config.sparsity.threshold, 2); // grandparent
  assert.deepEqual(config.model.layers.map((l) => l.type), ['flatten', 'dense-svd']);
  assert.equal('extends' in config, false);
});

test('lists and scalars are replaced, not merged; null replaces a mapping', async () => {
  const dir = await tempConfigs({
    'base.yaml': `data: { dataset: mnist, augment: { crop: 2, flip: true } }
model:
  layers: [{ type: flatten }, { type: dense, units: 100 }, { type: dense, units: 10 }]
`,
    'sub/child.yaml': `extends: ../base.yaml
data: { augment: null }
model:
  layers: [{ type: flatten }, { type: dense-svd, units: 10 }]
`,
  });
  const { config } = await loadConfig(path.join(dir, 'sub', 'child.yaml'));
  assert.deepEqual(config.model.layers.map((l) => l.type), ['flatten', 'dense-svd']);
  assert.equal(config.data.augment, null);
  assert.equal(config.data.dataset, 'mnist');
});

test('each problem points at the file and line that set the value', async () => {
  const dir = await tempConfigs({
    'base.yaml': `seed: -1
data: { dataset: mnist, batchSize: 0 }
model:
  layers: [{ type: flatten }, { type: dense, units: 10 }]
`,
    'child.yaml': `# overrides the batch size with another bad one
extends: base.yaml
data:
  batchSize: -3
`,
  });
  const errors = await loadErrors(path.join(dir, 'child.yaml'));
  const at = errors.map((e) => `${path.basename(e.location.file ?? '')}:${e.location.line}: ${e.location.path}`);
  assert.deepEqual(at.sort(), ['base.yaml:1: seed', 'child.yaml:4: data.batchSize']);
});

test('a missing parent, a cycle and a non-string extends are E_CONFIG_EXTENDS in the extending file', async () => {
  const dir = await tempConfigs({
    'missing.yaml': 'extends: nowhere.yaml\n',
    'a.yaml': 'extends: b.yaml\n',
    'b.yaml': 'seed: 1\nextends: a.yaml\n',
    'self.yaml': 'extends: self.yaml\n',
    'list.yaml': 'extends: [a.yaml]\n',
  });
  const missing = await loadErrors(path.join(dir, 'missing.yaml'));
  assert.equal(missing[0].code, 'E_CONFIG_EXTENDS');
  assert.match(missing[0].message, /nowhere\.yaml.*no such file/);
  const cycle = await loadErrors(path.join(dir, 'a.yaml'));
  assert.equal(cycle[0].code, 'E_CONFIG_EXTENDS');
  assert.equal(cycle[0].location.file, path.join(dir, 'b.yaml'));
  assert.equal(cycle[0].location.line, 2);
  assert.match(cycle[0].message, /a\.yaml -> .*b\.yaml -> .*a\.yaml/);
  const self = await loadErrors(path.join(dir, 'self.yaml'));
  assert.match(self[0].message, /cycle: .*self\.yaml -> .*self\.yaml/);
  const list = await loadErrors(path.join(dir, 'list.yaml'));
  assert.equal(list[0].code, 'E_CONFIG_EXTENDS');
  assert.match(list[0].message, /must be the name of a config file, got a list of 1/);
});

test('a mapping whose type changes replaces the parent mapping instead of merging', async () => {
  const dir = await tempConfigs({
    'base.yaml': `data: { dataset: mnist }
model:
  layers: [{ type: flatten }, { type: dense, units: 10 }]
optimizer: { lr: 0.01, schedule: { type: constant-then-linear, start: 100 } }
`,
    'linear.yaml': 'extends: base.yaml\noptimizer: { schedule: { type: linear } }\n',
    'same.yaml': 'extends: base.yaml\noptimizer: { schedule: { type: constant-then-linear } }\n',
  });
  const linear = await loadConfig(path.join(dir, 'linear.yaml'));
  assert.deepEqual(linear.config.optimizer.schedule, { type: 'linear' });
  assert.equal(linear.config.optimizer.lr, 0.01);
  const same = await loadConfig(path.join(dir, 'same.yaml'));
  assert.deepEqual(same.config.optimizer.schedule, { type: 'constant-then-linear', start: 100 });
});
