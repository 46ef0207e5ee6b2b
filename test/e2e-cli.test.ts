/**
 * End to end: the real `svd` binary on small subsets of real MNIST. Checks every contract file
 * and field of a run directory, `svd eval`, `svd resume` after a SIGKILL, the conv net on the
 * default backend, and that a bad config exits 2 and writes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lastLine, readJsonFile, readJsonl, svd, svdAsync, tempDir, waitFor } from './helpers/cli.js';

const SMALL = ['--set', 'data.trainLimit=1000', '--set', 'data.testLimit=500'];

const METRIC_KEYS = ['epoch', 'lr', 'klWeight', 'trainLoss', 'trainNll', 'trainKl', 'trainAccuracy', 'testError', 'testNll', 'sparsity', 'compression', 'seconds'];
const SUMMARY_KEYS = ['status', 'epochs', 'testError', 'testAccuracy', 'sparsity', 'compression', 'params', 'seconds', 'backend'];
const LENET300_LAYERS = ['fc1', 'fc2', 'fc3'];

test('svd run writes every contract file and field', () => {
  const runs = tempDir();
  const r = svd(['run', 'configs/quickstart.yaml', ...SMALL, '--set', 'training.epochs=3', '--runs-dir', runs]);
  assert.equal(r.status, 0, r.stderr);
  const dir = lastLine(r.stdout);
  assert.match(dir, /quickstart[/\\]\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-[0-9a-f]{6}$/);
  assert.ok(dir.startsWith(runs));

  assert.match(fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8'), /extends: lenet300-mnist.yaml/);
  const resolved = readJsonFile<{ name: string; training: { epochs: number }; data: { trainLimit: number } }>(path.join(dir, 'resolved.json'));
  assert.equal(resolved.name, 'quickstart');
  assert.equal(resolved.training.epochs, 3);
  assert.equal(resolved.data.trainLimit, 1000);

  const env = readJsonFile<{ backend: { name: string }; seed: number; command: string[]; versions: Record<string, string> }>(path.join(dir, 'env.json'));
  assert.equal(env.backend.name, 'wasm');
  assert.equal(env.seed, 0);
  assert.ok(env.command.some((a) => a.includes('quickstart.yaml')));
  assert.ok(env.versions.tfjs && env.versions.node && env.versions.svd);

  const log = readJsonl<{ msg: string; rssMB?: number; tensors?: number }>(path.join(dir, 'log.jsonl'));
  assert.deepEqual([log[0].msg, log.at(-1)!.msg], ['started', 'completed']);
  // Each epoch's log line carries the memory: live tensors the same after every epoch.
  const epochs = log.filter((l) => l.msg === 'epoch');
  assert.equal(epochs.length, 3);
  assert.ok(epochs.every((l) => typeof l.rssMB === 'number' && l.rssMB > 0));
  assert.deepEqual(new Set(epochs.map((l) => l.tensors)).size, 1, `live tensors per epoch: ${epochs.map((l) => l.tensors).join(', ')}`);

  const metrics = readJsonl<Record<string, unknown>>(path.join(dir, 'metrics.jsonl'));
  assert.deepEqual(metrics.map((m) => m.epoch), [1, 2, 3]);
  for (const m of metrics) {
    assert.deepEqual(Object.keys(m).sort(), [...METRIC_KEYS].sort());
    assert.deepEqual(Object.keys(m.sparsity as object), LENET300_LAYERS);
    for (const key of METRIC_KEYS.filter((k) => k !== 'sparsity')) assert.ok(Number.isFinite(m[key]), `${key} = ${m[key]}`);
    assert.ok((m.testError as number) >= 0 && (m.testError as number) <= 1);
  }
  // quickstart's KL warm-up: 0 at epoch 0, then 1/3, 2/3
  assert.deepEqual(metrics.map((m) => Number((m.klWeight as number).toFixed(4))), [0, 0.3333, 0.6667]);

  const summary = readJsonFile<Record<string, unknown> & { params: Record<string, number> }>(path.join(dir, 'summary.json'));
  for (const key of SUMMARY_KEYS) assert.ok(key in summary, `summary.json lacks ${key}`);
  assert.equal(summary.status, 'completed');
  assert.equal(summary.epochs, 3);
  assert.equal(summary.backend, 'wasm');
  assert.equal(summary.testError, metrics[2].testError);
  assert.equal(summary.params.sparsifiable, 784 * 300 + 300 * 100 + 100 * 10);
  assert.equal(summary.params.total, summary.params.sparsifiable + 300 + 100 + 10);
  assert.ok(summary.params.nonzero <= summary.params.sparsifiable);
  assert.equal(summary.compression, summary.params.sparsifiable / summary.params.nonzero);

  const latest = readJsonFile<{ epoch: number; dir: string }>(path.join(dir, 'checkpoints', 'latest.json'));
  assert.equal(latest.epoch, 3);
  assert.ok(fs.existsSync(path.join(dir, 'checkpoints', latest.dir, 'tensors.bin')));

  // svd eval reproduces the run's masked test error from the checkpoint
  const ev = svd(['eval', dir, '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  const result = JSON.parse(ev.stdout) as { testError: number; compression: number; epoch: number };
  assert.equal(result.epoch, 3);
  assert.ok(Math.abs(result.testError - (summary.testError as number)) < 1e-9);
  assert.equal(result.compression, summary.compression);
  // a lower threshold prunes more
  const low = JSON.parse(svd(['eval', dir, '--threshold=-2', '--json']).stdout) as { compression: number; threshold: number };
  assert.equal(low.threshold, -2);
  assert.ok(low.compression > result.compression);
});

test('svd resume continues a run killed with SIGKILL and completes every epoch once; a live run is not resumed twice; svd ls tells stopped from running', async () => {
  const runs = tempDir();
  const epochs = 12;
  const child = svdAsync(['run', 'configs/quickstart.yaml', ...SMALL, '--set', `training.epochs=${epochs}`, '--runs-dir', runs]);
  const checkpointsDir = await waitFor(() => findCheckpointsDir(runs), 120_000);
  await waitFor(() => fs.existsSync(path.join(checkpointsDir, 'latest.json')) || null, 120_000);
  const dir = path.dirname(checkpointsDir);
  // While the run's process lives, a second process may not resume it (and writes nothing).
  const envBefore = fs.readFileSync(path.join(dir, 'env.json'), 'utf8');
  const busy = svd(['resume', dir]);
  assert.equal(busy.status, 2, busy.stderr);
  assert.match(busy.stderr, new RegExp(`run .* is in use by process ${child.pid} \\(svd run configs/quickstart\\.yaml.*\\); stop that process first`));
  assert.equal(fs.readFileSync(path.join(dir, 'env.json'), 'utf8'), envBefore);
  const listed = () => JSON.parse(svd(['ls', runs, '--json']).stdout) as Array<{ status: string }>;
  assert.deepEqual(listed().map((r) => r.status), ['running']);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const killedAt = readJsonFile<{ epoch: number }>(path.join(checkpointsDir, 'latest.json')).epoch;
  assert.equal(readJsonFile<{ status: string }>(path.join(dir, 'summary.json')).status, 'running');
  assert.deepEqual(listed().map((r) => r.status), ['stopped'], 'a killed run lists as stopped');

  const r = svd(['resume', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(lastLine(r.stdout), dir);
  const metrics = readJsonl<{ epoch: number }>(path.join(dir, 'metrics.jsonl'));
  assert.deepEqual(metrics.map((m) => m.epoch), Array.from({ length: epochs }, (_, i) => i + 1), `killed after epoch ${killedAt}`);
  const summary = readJsonFile<{ status: string; epochs: number }>(path.join(dir, 'summary.json'));
  assert.deepEqual([summary.status, summary.epochs], ['completed', epochs]);
  const env = readJsonFile<{ resumes: Array<{ fromEpoch: number }> }>(path.join(dir, 'env.json'));
  assert.equal(env.resumes.length, 1);
  assert.equal(fs.existsSync(path.join(dir, 'run.lock')), false, 'the lock goes with the process that held it');
  assert.deepEqual(listed().map((r) => r.status), ['completed']);
});

test('SIGINT stops a run after the current step: exit 130, status interrupted, and svd resume finishes it', async () => {
  const runs = tempDir();
  const epochs = 12;
  const child = svdAsync(['run', 'configs/quickstart.yaml', ...SMALL, '--set', `training.epochs=${epochs}`, '--runs-dir', runs]);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const checkpointsDir = await waitFor(() => findCheckpointsDir(runs), 120_000);
  await waitFor(() => fs.existsSync(path.join(checkpointsDir, 'latest.json')) || null, 120_000);
  child.kill('SIGINT');
  assert.equal(await exited, 130);
  const dir = path.dirname(checkpointsDir);
  const summary = readJsonFile<{ status: string; epochs: number }>(path.join(dir, 'summary.json'));
  assert.equal(summary.status, 'interrupted');
  assert.ok(summary.epochs < epochs, `stopped after ${summary.epochs} epochs`);
  const log = readJsonl<{ msg: string }>(path.join(dir, 'log.jsonl'));
  assert.equal(log.at(-1)!.msg, 'interrupted');

  const r = svd(['resume', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readJsonl<{ epoch: number }>(path.join(dir, 'metrics.jsonl')).map((m) => m.epoch), Array.from({ length: epochs }, (_, i) => i + 1));
  assert.equal(readJsonFile<{ status: string }>(path.join(dir, 'summary.json')).status, 'completed');
});

test('LeNet-5 trains on the default backend', () => {
  const runs = tempDir();
  const r = svd(['run', 'configs/lenet5-mnist.yaml', '--set', 'training.epochs=1', '--set', 'data.trainLimit=300', '--set', 'data.testLimit=200', '--runs-dir', runs]);
  assert.equal(r.status, 0, r.stderr);
  const summary = readJsonFile<{ status: string; backend: string; sparsity: Record<string, number> }>(path.join(lastLine(r.stdout), 'summary.json'));
  assert.equal(summary.status, 'completed');
  assert.equal(summary.backend, 'wasm');
  assert.deepEqual(Object.keys(summary.sparsity), ['conv1', 'conv2', 'fc1', 'fc2']);
});

test('a bad config exits 2 with file:line: path: message and writes nothing', () => {
  const runs = tempDir();
  const r = svd(['run', 'configs/quickstart.yaml', '--set', 'training.epochs=abc', '--runs-dir', path.join(runs, 'r')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--set: training\.epochs: must be integer/);
  assert.equal(r.stdout, '');
  assert.equal(fs.existsSync(path.join(runs, 'r')), false);

  const v = svd(['validate', 'test/fixtures/bad/wrong-type-integer.yaml']);
  assert.equal(v.status, 2);
  assert.match(v.stderr, /^test\/fixtures\/bad\/wrong-type-integer\.yaml:8:\d+: model\.layers\.2\.units: must be integer/m);
});

test('svd validate accepts every shipped config', () => {
  const configs = fs.readdirSync('configs').filter((f) => f.endsWith('.yaml')).map((f) => `configs/${f}`);
  const r = svd(['validate', ...configs]);
  assert.equal(r.status, 0, r.stderr);
});

test('an unknown command or option exits 2 with usage', () => {
  assert.equal(svd(['frobnicate']).status, 2);
  const r = svd(['run', 'configs/quickstart.yaml', '--epochs', '3']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage: svd run/);
});

function findCheckpointsDir(runs: string): string | null {
  const named = path.join(runs, 'quickstart');
  if (!fs.existsSync(named)) return null;
  const [run] = fs.readdirSync(named);
  return run ? path.join(named, run, 'checkpoints') : null;
}
