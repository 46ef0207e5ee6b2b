/**
 * `svd diff` on run directories written by the test: only differing config keys by default,
 * final metrics with deltas, the last common epoch when lengths differ, environment differences
 * without the command line, `--all`, `--json`, 100 columns with many runs, and bad inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { svd, tempDir } from './helpers/cli.js';

interface Fake { threshold?: number; epochs?: number; evalEvery?: number; seed?: number; tfjs?: string; name?: string; width?: string }

/** A run directory with resolved.json, env.json, metrics.jsonl and summary.json. */
function fakeRun(root: string, id: string, o: Fake = {}): string {
  const dir = path.join(root, o.name ?? 'exp', id);
  fs.mkdirSync(dir, { recursive: true });
  const epochs = o.epochs ?? 3;
  const threshold = o.threshold ?? 3;
  const write = (name: string, value: unknown) => fs.writeFileSync(path.join(dir, name), JSON.stringify(value));
  write('resolved.json', {
    name: o.name ?? 'exp', seed: o.seed ?? 0, data: { dataset: 'mnist', trainLimit: 1000, root: o.width ?? 'data/mnist' },
    model: { layers: [{ type: 'flatten' }, { type: 'dense-svd', units: 10 }] }, sparsity: { threshold }, training: { epochs, evalEvery: o.evalEvery ?? 1 },
  });
  write('env.json', { backend: { name: 'wasm', simd: true }, seed: o.seed ?? 0, command: ['svd', 'run', id], cwd: root, started: '2026-11-24T20:00:00.000Z', versions: { svd: '0.1.0', tfjs: o.tfjs ?? '4.22.0' } });
  const lines = [];
  for (let e = o.evalEvery ?? 1; e <= epochs; e += o.evalEvery ?? 1) {
    lines.push({ epoch: e, testError: 0.1 / e + threshold / 1000, testNll: 1 / e, trainLoss: 2 / e, compression: e * threshold, sparsity: { 'dense-svd_1': e / 10 }, seconds: 10 * e });
  }
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''));
  const last = lines.at(-1)!;
  write('summary.json', { status: 'completed', name: o.name ?? 'exp', epochs, testError: last.testError, testAccuracy: 1 - last.testError, sparsity: last.sparsity, compression: last.compression, params: { total: 7850, sparsifiable: 7840, nonzero: Math.round(7840 / last.compression) }, seconds: last.seconds, backend: 'wasm' });
  return dir;
}

test('two runs that differ in threshold: the threshold line and metric deltas, no unchanged key', () => {
  const root = tempDir('svd-diff-');
  const a = fakeRun(root, 'a', { threshold: 3 });
  const b = fakeRun(root, 'b', { threshold: 2 });
  const r = svd(['diff', a, b]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^config: 1 of \d+ keys differ$/m);
  assert.match(r.stdout, /^sparsity\.threshold {2}3 {2}2$/m);
  assert.match(r.stdout, /^test error +3\.63% +3\.53% \(-0\.10pp\)$/m);
  assert.match(r.stdout, /^compression +9\.0x +6\.0x \(-3\.0x\)$/m);
  assert.match(r.stdout, /^sparsity dense-svd_1 +30\.00% +30\.00%$/m);
  assert.match(r.stdout, /^environment: the same/m);
  assert.doesNotMatch(r.stdout, /at epoch/);
  for (const unchanged of ['seed', 'trainLimit', 'layers', 'dataset', 'command', 'tfjs']) assert.ok(!r.stdout.includes(unchanged), unchanged);
});

test('runs of different lengths also compare at their last common epoch', () => {
  const root = tempDir('svd-diff-');
  const r = svd(['diff', fakeRun(root, 'a', { epochs: 5 }), fakeRun(root, 'b', { epochs: 3 }), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const diff = JSON.parse(r.stdout) as { common: { epoch: number; rows: Array<{ metric: string; values: number[]; deltas: number[] }> }; final: Array<{ metric: string; values: unknown[]; deltas: unknown[] }>; config: { rows: Array<{ key: string }> } };
  assert.equal(diff.common.epoch, 3);
  assert.deepEqual(diff.common.rows.find((m) => m.metric === 'seconds')!.values, [30, 30]);
  assert.deepEqual(diff.final.find((m) => m.metric === 'epochs')!.values, [5, 3]);
  assert.deepEqual(diff.final.find((m) => m.metric === 'epochs')!.deltas, [0, -2]);
  assert.deepEqual(diff.config.rows.map((row) => row.key), ['training.epochs']);
  const text = svd(['diff', fakeRun(root, 'c', { epochs: 4, evalEvery: 2 }), fakeRun(root, 'd', { epochs: 3, evalEvery: 3 })]).stdout;
  assert.match(text, /no evaluated epoch in common/);
  const common = svd(['diff', fakeRun(root, 'e', { epochs: 4, evalEvery: 2 }), fakeRun(root, 'f', { epochs: 6, evalEvery: 2 })]).stdout;
  assert.match(common, /^at epoch 4, the last epoch every run evaluated$/m);
});

test('--all shows unchanged config and environment keys too, marking the changed ones', () => {
  const root = tempDir('svd-diff-');
  const r = svd(['diff', fakeRun(root, 'a'), fakeRun(root, 'b', { tfjs: '4.21.0' }), '--all']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ {2}seed +0 +0$/m);
  assert.match(r.stdout, /^ {2}model\.layers\.1\.units +10 +10$/m);
  assert.match(r.stdout, /^environment: 2 of \d+ keys differ \(marked \*\)$/m);
  assert.match(r.stdout, /^\* versions\.tfjs +4\.22\.0 +4\.21\.0$/m);
  assert.match(r.stdout, /^\* command\.2 +a +b$/m);
  assert.match(r.stdout, /^ {2}backend\.name +wasm +wasm$/m);
  const plain = svd(['diff', fakeRun(root, 'c'), fakeRun(root, 'd', { tfjs: '4.21.0' })]).stdout;
  assert.match(plain, /^versions\.tfjs +4\.22\.0 +4\.21\.0$/m);
  assert.doesNotMatch(plain, /command/);
});

test('many runs with long values stay within 100 columns (the runs wrap into blocks)', () => {
  const root = tempDir('d-');
  const dirs = Array.from({ length: 14 }, (_, i) => fakeRun(root, `r${i}`, { threshold: i, seed: i, width: `some/long/folder/name/number/${i}/of/many` }));
  const r = svd(['diff', ...dirs]);
  assert.equal(r.status, 0, r.stderr);
  const long = r.stdout.split('\n').filter((l) => l.length > 100);
  assert.deepEqual(long, []);
  assert.match(r.stdout, /^ {2}N {2}/m);
  // one run per row: N is r13 (seed 13, threshold 13); a value that differs is shown whole, never cut
  assert.match(r.stdout, /^run +seed +data\.root +sparsity\.threshold$/m);
  assert.match(r.stdout, /^N +13 +some\/long\/folder\/name\/number\/13\/of\/many +13$/m);
  assert.doesNotMatch(r.stdout, /…/);
  assert.match(r.stdout, /^N +completed +3 +4\.63% \(\+1\.30pp\)/m);
  const runHeaders = r.stdout.split('\n').filter((l) => l.startsWith('run '));
  assert.ok(runHeaders.length >= 3, 'the metrics wrapped into blocks, each starting with the run column');
});

test('svd diff needs two or more run or sweep directories', () => {
  const root = tempDir('svd-diff-');
  const a = fakeRun(root, 'a');
  const cases: Array<[string[], RegExp]> = [
    [['diff', a], /needs two or more runs, got 1/],
    [['diff', a, path.join(root, 'nope')], /nope does not exist/],
    [['diff', a, root], /is neither a run directory \(no resolved\.json\) nor a sweep directory/],
    [['diff'], /usage: svd diff/],
  ];
  for (const [args, re] of cases) {
    const r = svd(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, re);
  }
});

test('a run resumed on another backend: the environment shows the backends it trained on, in order', () => {
  const root = tempDir('svd-diff-');
  const a = fakeRun(root, 'a');
  const b = fakeRun(root, 'b');
  const envFile = path.join(b, 'env.json');
  const env = JSON.parse(fs.readFileSync(envFile, 'utf8')) as Record<string, unknown>;
  env.backend = { name: 'webgpu' };
  env.resumes = [{ fromEpoch: 1, backend: { name: 'wasm' } }, { fromEpoch: 2, backend: { name: 'webgpu' } }];
  fs.writeFileSync(envFile, JSON.stringify(env));
  const r = svd(['diff', a, b]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^backendsUsed +wasm +webgpu -> wasm -> webgpu$/m);
});
