/**
 * Cross-field checks: the named rules exist, every failing rule is reported (E_CONFIG_CHECK at
 * the relevant key), and rules that do not apply stay quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { CHECKS, loadConfig } from '../src/experiment/load-config.js';
import { loadErrors, tempConfigs } from './config-support.js';

test('the documented rules are registered, each named and described', () => {
  const names = CHECKS.map((c) => c.name);
  for (const name of ['threshold-below-clip', 'kl-end-after-start', 'layers-connect', 'classes-match-dataset', 'limits-fit-batch', 'layer-names-unique']) {
    assert.ok(names.includes(name), name);
  }
  for (const c of CHECKS) assert.ok(c.description.length > 0, c.name);
});

test('all failing rules are reported, each at its key', async () => {
  const dir = await tempConfigs({
    'c.yaml': `data: { dataset: mnist, batchSize: 64, trainLimit: 10 }
model:
  layers:
    - { type: flatten }
    - { type: dense-svd, units: 7 }
sparsity: { threshold: 9 }
kl: { start: 4, end: 4 }
training: { epochs: 2, checkpointEvery: 3 }
`,
  });
  const errors = await loadErrors(path.join(dir, 'c.yaml'));
  assert.deepEqual(errors.map((e) => [e.code, e.location.line, e.location.path, /\[([a-z-]+)\]$/.exec(e.message)?.[1]]), [
    ['E_CONFIG_CHECK', 6, 'sparsity.threshold', 'threshold-below-clip'],
    ['E_CONFIG_CHECK', 7, 'kl.end', 'kl-end-after-start'],
    ['E_CONFIG_CHECK', 5, 'model.layers.1.units', 'classes-match-dataset'],
    ['E_CONFIG_CHECK', 1, 'data.trainLimit', 'limits-fit-batch'],
  ]);
});

test('a broken layer chain is reported once, at the layer, not again as a class mismatch', async () => {
  const dir = await tempConfigs({
    'c.yaml': `data: { dataset: mnist }
model:
  layers:
    - { type: flatten }
    - { type: maxpool }
    - { type: dense, units: 3 }
`,
  });
  const errors = await loadErrors(path.join(dir, 'c.yaml'));
  assert.equal(errors.length, 1);
  assert.equal(errors[0].location.path, 'model.layers.1');
  assert.match(errors[0].message, /^maxpool cannot take input of shape \[784\]: /);
});

test('the constant KL schedule does not need end > start; default layer names are unique', async () => {
  const dir = await tempConfigs({
    'c.yaml': `data: { dataset: mnist }
model:
  layers: [{ type: flatten }, { type: dense, units: 10 }, { type: dense, units: 10 }]
kl: { schedule: constant, start: 3, end: 3 }
`,
  });
  const { config } = await loadConfig(path.join(dir, 'c.yaml'));
  assert.equal(config.kl.schedule, 'constant');
});

test('model-fits-memory: workers, heaps and the machine bound what a config may ask for, naming the key', async () => {
  const { memoryLimits, memoryProblems } = await import('../src/experiment/memory.js');
  const { config } = await loadConfig(path.join(process.cwd(), 'configs/quickstart.yaml'), []);
  const small = { backend: 'cpu', heap: null, machineBytes: 2 * 2 ** 30 };
  assert.deepEqual(memoryProblems(config, small, 1), [], 'the quickstart fits 2 GiB');
  const [[key, message]] = memoryProblems(config, small, 64);
  assert.equal(key, 'training.workers');
  assert.match(message, /in each of 64 worker threads .* more than the 2\.0 GiB of memory this machine has/);
  const wasm = memoryLimits('wasm');
  assert.equal(wasm.heap?.bytes, 4 * 2 ** 30);
  const wide = { ...config, model: { ...config.model, layers: config.model.layers.map((l, i) => (i === 1 ? { ...l, units: 300_000 } : l)) } };
  const [[wideKey, wideMessage]] = memoryProblems(wide, { ...wasm, machineBytes: 2 ** 50 }, 1);
  assert.equal(wideKey, 'model.layers.1.units');
  assert.match(wideMessage, /more than the 4\.0 GiB a 32-bit WebAssembly heap can hold/);
  assert.deepEqual(memoryProblems(wide, { backend: 'cpu', heap: null, machineBytes: 2 ** 50 }, 1), [], 'no heap of its own: only the machine bounds it');
});
