/**
 * `--set path=value`: YAML values, list indices, keys the schema allows even when absent, and
 * E_CONFIG_OVERRIDE errors located at `--set` for unknown paths, bad indices and bad syntax.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadConfig } from '../src/experiment/load-config.js';
import { FIXTURES, loadErrors } from './config-support.js';

const LENET = path.join(FIXTURES, 'good', 'lenet-300-100.yaml');

test('values are parsed as YAML: numbers, null, strings, mappings', async () => {
  const { config } = await loadConfig(LENET, ['training.epochs=3', 'data.trainLimit=5000', 'data.testLimit=null', 'backend=cpu', 'data.augment={crop: 2}']);
  assert.equal(config.training.epochs, 3);
  assert.equal(config.data.trainLimit, 5000);
  assert.equal(config.data.testLimit, null);
  assert.equal(config.backend, 'cpu');
  assert.deepEqual(config.data.augment, { crop: 2 });
});

test('numeric segments index lists', async () => {
  const { config } = await loadConfig(LENET, ['model.layers.1.units=200', 'model.layers.2.name=hidden2']);
  assert.equal(config.model.layers[1].units, 200);
  assert.equal(config.model.layers[2].name, 'hidden2');
  assert.equal(config.model.layers[3].units, 10);
});

test('a key the schema allows may be set even when absent; later overrides see earlier ones', async () => {
  const { config } = await loadConfig(LENET, ['optimizer.type=sgd', 'optimizer.momentum=0.5', 'init.from=runs/x', 'data.augment.flip=true']);
  assert.equal(config.optimizer.type, 'sgd');
  assert.equal(config.optimizer.momentum, 0.5);
  assert.equal(config.init.from, 'runs/x');
  assert.deepEqual(config.data.augment, { flip: true });
});

test('an unknown key names the path and the valid keys at that level', async () => {
  const [error, ...rest] = await loadErrors(LENET, ['training.epochz=3']);
  assert.equal(rest.length, 0);
  assert.equal(error.code, 'E_CONFIG_OVERRIDE');
  assert.deepEqual(error.location, { file: '--set', path: 'training.epochz' });
  assert.equal(error.format(), "--set: training.epochz: unknown key 'epochz'; allowed: epochs, evalEvery, checkpointEvery, snapshotEvery, stepsPerEpoch, keepBest, workers, microBatch");
  const [momentum] = await loadErrors(LENET, ['optimizer.momentum=0.9']); // adam has no momentum
  assert.match(momentum.format(), /^--set: optimizer.momentum: unknown key 'momentum'; allowed: type, lr, weightDecay, schedule, beta1, beta2, epsilon$/);
  const [fileOnly] = await loadErrors(LENET, ['extends=other.yaml']);
  assert.match(fileOnly.message, /^unknown key 'extends'; allowed: name, seed, /);
  const [layerKey] = await loadErrors(LENET, ['model.layers.1.filters=3']);
  assert.match(layerKey.message, /unknown key 'filters'; allowed: type, name, units, activation, useBias/);
});

test('list indices must exist and be numbers; scalars have no keys', async () => {
  const [missing] = await loadErrors(LENET, ['model.layers.4.units=1']);
  assert.equal(missing.code, 'E_CONFIG_OVERRIDE');
  assert.match(missing.format(), /^--set: model.layers.4.units: model.layers has no item 4 \(it has 4 item\(s\)\)$/);
  const [word] = await loadErrors(LENET, ['model.layers.first.units=1']);
  assert.match(word.message, /model.layers is a list; index it with a number/);
  const [scalar] = await loadErrors(LENET, ['training.epochs.max=1']);
  assert.match(scalar.message, /training.epochs is not a mapping/);
});

test('a missing "=", an empty path and bad YAML are E_CONFIG_OVERRIDE; all are reported', async () => {
  const errors = await loadErrors(LENET, ['training.epochs', '=3', 'a..b=1', 'seed=[1', 'nope=1']);
  assert.deepEqual(errors.map((e) => e.code), Array(5).fill('E_CONFIG_OVERRIDE'));
  assert.match(errors[0].message, /no '='/);
  assert.match(errors[1].message, /empty path/);
  assert.match(errors[2].message, /empty key/);
  assert.match(errors[3].message, /not valid YAML/);
  assert.match(errors[4].message, /unknown key 'nope'/);
  for (const e of errors) assert.equal(e.location.file, '--set');
});

test('schema errors on overridden values point at --set', async () => {
  const errors = await loadErrors(LENET, ['training.epochs=abc', 'model.layers.1.units=0']);
  assert.deepEqual(errors.map((e) => e.format()).sort(), [
    '--set: model.layers.1.units: must be >= 1, got 0',
    '--set: training.epochs: must be integer, got "abc"',
  ]);
});

test('overriding a mapping replaces what the file had under it', async () => {
  const errors = await loadErrors(LENET, ['optimizer.schedule={type: step}']);
  assert.equal(errors[0].format(), "--set: optimizer.schedule: missing required key 'every'");
});
