/**
 * Reading a config file: read errors, size limit, YAML problems, the shape of the thrown
 * SvdErrors (all schema problems at once, checks only after the schema passed), no writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAYERS } from '../src/registries.js';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../src/experiment/load-config.js';
import { MAX_CONFIG_BYTES } from '../src/config/load.js';
import { MINIMAL, loadErrors, tempConfigs } from './config-support.js';

test('a missing file, a folder and an oversized file are E_CONFIG_READ naming the file', async () => {
  const dir = await tempConfigs({ 'big.yaml': `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n${MINIMAL}`, 'folder/keep.yaml': MINIMAL });
  for (const [name, why] of [['nope.yaml', /no such file/], ['folder', /not a regular file/], ['big.yaml', /too large .*1 MiB/]] as const) {
    const errors = await loadErrors(path.join(dir, name));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'E_CONFIG_READ');
    assert.equal(errors[0].location.file, path.join(dir, name));
    assert.match(errors[0].format(), why);
  }
});

test('YAML problems are E_CONFIG_YAML with line and column; every one is reported', async () => {
  const dir = await tempConfigs({
    'dup.yaml': `seed: 1\ndata: { dataset: mnist, dataset: mnist }\nseed: 2\n`,
    'empty.yaml': '# nothing here\n',
    'scalar.yaml': 'just a string\n',
  });
  const dup = await loadErrors(path.join(dir, 'dup.yaml'));
  assert.deepEqual(dup.map((e) => [e.code, e.location.line, e.location.col]), [['E_CONFIG_YAML', 2, 25], ['E_CONFIG_YAML', 3, 1]]);
  const [empty] = await loadErrors(path.join(dir, 'empty.yaml'));
  assert.match(empty.message, /the file is empty/);
  const [scalar] = await loadErrors(path.join(dir, 'scalar.yaml'));
  assert.match(scalar.message, /top level is "just a string"; a config must be a mapping/);
});

test('all schema problems come at once; cross-field checks wait for a valid schema', async () => {
  const dir = await tempConfigs({
    'many.yaml': `seed: x\nbackend: gpu\ndata: { dataset: mnist, batchSize: 0 }\nmodel: { layers: [{ type: flatten }, { type: dense }] }\nsparsity: { threshold: 9 }\n`,
  });
  const errors = await loadErrors(path.join(dir, 'many.yaml'));
  assert.deepEqual(errors.map((e) => [e.code, e.location.line, e.location.path]), [
    ['E_CONFIG_SCHEMA', 1, 'seed'],
    ['E_CONFIG_SCHEMA', 2, 'backend'],
    ['E_CONFIG_SCHEMA', 3, 'data.batchSize'],
    ['E_CONFIG_SCHEMA', 4, 'model.layers.1'],
  ]);
  assert.equal(new Set(errors.map((e) => e.format())).size, errors.length, 'no duplicates');
});

test('loading writes nothing and returns the text as given', async () => {
  const text = `# a comment stays\n${MINIMAL}`;
  const dir = await tempConfigs({ 'c.yaml': text });
  const before = readdirSync(dir);
  const loaded = await loadConfig(path.join(dir, 'c.yaml'), ['training.epochs=1']);
  assert.equal(loaded.text, text);
  assert.deepEqual(readdirSync(dir), before);
});

test('an unknown layer type is one problem, not a cascade from the other layer types', async () => {
  const dir = await tempConfigs({
    'c.yaml': `data: { dataset: mnist }
model:
  layers: [{ type: flatten }, { type: desne, units: 10, activation: relu, kernelSize: 3 }]
`,
  });
  const errors = await loadErrors(path.join(dir, 'c.yaml'));
  assert.deepEqual(errors.map((e) => e.format().replace(`${dir}/`, '')), [
    `c.yaml:3:39: model.layers.1.type: unknown layer type 'desne'; known: ${LAYERS.names().join(', ')}`,
  ]);
});
