/**
 * The validation split (`data.validation`), the best checkpoint (`training.keepBest`) and the
 * threshold picker (`svd eval/export --threshold auto`): the split is seeded, disjoint from the
 * training set and recorded; a real tiny run reports valError and keeps its best checkpoint out
 * of the rotation; the picker's choice is the most compressed threshold within the tolerance on
 * validation, as `svd eval --threshold T` measures each one; the default grid is fine where the
 * compression changes; the end of a run names its layers and the next commands.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lastLine, readJsonFile, readJsonl, svd, tempDir } from './helpers/cli.js';
import { writeSmallMnist } from './helpers/small-run.js';
import { holdOutValidation, validationIndices } from '../src/data/validation-split.js';
import { mostCompressedWithin, type ThresholdPick } from '../src/run/pick-threshold.js';
import { thresholdGrid } from '../src/svd/threshold-grid.js';
import type { Dataset } from '../src/data/dataset.js';

test('the validation split: seeded, sorted, disjoint from what stays for training, counts and fractions', () => {
  const a = validationIndices(1000, 100, 7);
  assert.deepEqual(a, validationIndices(1000, 100, 7), 'the same seed holds out the same examples');
  assert.notDeepEqual(a, validationIndices(1000, 100, 8), 'another seed, others');
  assert.equal(new Set(a).size, 100);
  assert.deepEqual([...a], [...a].sort((x, y) => x - y));
  const n = 300;
  const dataset = {
    name: 't', inputShape: [1, 1, 2], numClasses: 10, sources: [],
    train: { x: Float32Array.from({ length: 2 * n }, (_, i) => Math.floor(i / 2)), y: Int32Array.from({ length: n }, (_, i) => i), count: n },
    test: { x: new Float32Array(2), y: new Int32Array(1), count: 1 },
  } as Dataset;
  const split = holdOutValidation(dataset, 0.1, 3, 100);
  const held = split.validation!;
  assert.deepEqual([held.split.count, split.train.count, held.from], [30, 270, 300]);
  assert.deepEqual([...held.split.y], [...held.indices], 'each held-out example is the one its index names');
  assert.deepEqual([...held.split.x.filter((_, i) => i % 2 === 0)], [...held.indices]);
  const all = [...split.train.y, ...held.split.y].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: n }, (_, i) => i), 'together they are the training set, each example once');
  assert.equal(holdOutValidation(dataset, 50, 3, 100).validation!.split.count, 50, 'a whole number is a count');
  assert.equal(holdOutValidation(dataset, null, 3, 100), dataset, 'no split: the dataset as it was');
});

test('the picker takes the most compression within the tolerance, and nothing when none is within', () => {
  const c = (threshold: number, valError: number, compression: number) => ({ threshold, valError, compression });
  const candidates = [c(-1, 0.2, 400), c(0, 0.0125, 300), c(1, 0.0119, 200), c(3, 0.0101, 50), c(8, 0.0100, 1)];
  assert.equal(mostCompressedWithin(candidates, 0.01, 0.1)?.threshold, 3, '0.1 points: 1.01% is within, 1.19% is not');
  assert.equal(mostCompressedWithin(candidates, 0.01, 0.25)?.threshold, 0);
  assert.equal(mostCompressedWithin(candidates, 0.01, 100)?.threshold, -1);
  assert.equal(mostCompressedWithin(candidates.slice(0, 2), 0.001, 0.1), null);
});

test('the default grid is fine where the compression changes: log alphas piled between 3 and 3.5', () => {
  // 100 weights that matter (log alpha -5), 9900 spread over [3, 3.5): compression 100x at 3, 1x at 3.5.
  const values = Float32Array.from({ length: 10_000 }, (_, i) => (i < 100 ? -5 : 3 + (0.5 * (i - 100)) / 9900));
  const grid = thresholdGrid(values, 8, 3);
  for (const t of [-2, 0, 3, 3.5, 8]) assert.ok(grid.includes(t), `the even part has ${t}`);
  const inside = grid.filter((t) => t > 3 && t < 3.5);
  assert.ok(inside.length >= 10, `thresholds between 3 and 3.5: ${inside.join(', ')}`);
  const compression = (t: number) => values.length / Math.max(1, values.filter((v) => v < t).length);
  const jumps = grid.slice(1).map((t, i) => compression(grid[i]) / compression(t));
  assert.ok(Math.max(...jumps) < 3, `largest jump between neighbours ${Math.max(...jumps).toFixed(1)}x (the even grid alone: 100x)`);
});

let runDir: string;
let runStderr: string;

before(() => {
  const root = tempDir('svd-validation-');
  const mnist = writeSmallMnist(path.join(root, 'mnist'));
  // kl warm-up from 0 to 1 over the 3 epochs: trainLoss (nll + klWeight * kl) is lowest in epoch 1.
  const r = svd(['run', 'configs/quickstart.yaml', '--set', `data.root=${mnist}`, '--set', 'training.epochs=3', '--set', 'kl.end=3',
    '--set', 'data.validation=50', '--set', 'training.keepBest=trainLoss', '--set', 'training.snapshotEvery=0', '--runs-dir', path.join(root, 'runs')]);
  assert.equal(r.status, 0, r.stderr);
  runDir = lastLine(r.stdout);
  runStderr = r.stderr;
});

test('a run with data.validation reports valError and valNll each epoch, and records which examples it held out', () => {
  const metrics = readJsonl<{ epoch: number; valError: number; valNll: number }>(path.join(runDir, 'metrics.jsonl'));
  assert.deepEqual(metrics.map((m) => m.epoch), [1, 2, 3]);
  for (const m of metrics) assert.ok(m.valError >= 0 && m.valError <= 1 && Number.isFinite(m.valNll), JSON.stringify(m));
  const summary = readJsonFile<{ valError: number; testError: number }>(path.join(runDir, 'summary.json'));
  assert.equal(summary.valError, metrics[2].valError);
  const record = readJsonFile<{ count: number; from: number; seed: number; indices: number[] }>(path.join(runDir, 'validation.json'));
  assert.deepEqual([record.count, record.from, record.seed], [50, 200, 0]);
  assert.deepEqual(record.indices, [...validationIndices(200, 50, 0)]);
  assert.match(runStderr, /^epoch 1\/3 loss \S+ val error \d+\.\d\d% test error/m);
});

test('training.keepBest keeps the best checkpoint out of the rotation, records it, and svd eval --checkpoint best uses it', () => {
  const metrics = readJsonl<{ epoch: number; trainLoss: number }>(path.join(runDir, 'metrics.jsonl'));
  const best = metrics.reduce((a, b) => (b.trainLoss < a.trainLoss ? b : a));
  assert.equal(best.epoch, 1, 'the KL warm-up makes epoch 1 the best by trainLoss');
  const checkpoints = path.join(runDir, 'checkpoints');
  const pointer = readJsonFile<{ metric: string; value: number; epoch: number; dir: string }>(path.join(checkpoints, 'best.json'));
  assert.deepEqual(pointer, { metric: 'trainLoss', value: best.trainLoss, epoch: 1, dir: 'epoch-000001' });
  assert.deepEqual(fs.readdirSync(checkpoints).filter((d) => d.startsWith('epoch-')).sort(), ['epoch-000001', 'epoch-000002', 'epoch-000003'], 'the two newest, and the best');
  assert.deepEqual(readJsonFile<{ best: unknown }>(path.join(runDir, 'summary.json')).best, pointer);
  const ev = svd(['eval', runDir, '--checkpoint', 'best', '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.deepEqual([(JSON.parse(ev.stdout) as { epoch: number }).epoch, (JSON.parse(svd(['eval', runDir, '--json']).stdout) as { epoch: number }).epoch], [1, 3]);
  assert.match(runStderr, /best checkpoint by trainLoss: epoch 1/);
});

test('--threshold auto: the most compressed threshold whose validation error is within the tolerance, as svd eval measures them', () => {
  const r = svd(['eval', runDir, '--threshold', 'auto', '--max-error-increase', '1', '--thresholds=-1:4:1,8', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { threshold: number; valError: number; compression: number; pick: ThresholdPick };
  const { pick } = result;
  assert.deepEqual(pick.candidates.map((c) => c.threshold), [-1, 0, 1, 2, 3, 4, 8]);
  const measured = (t: number) => JSON.parse(svd(['eval', runDir, `--threshold=${t}`, '--json']).stdout) as { valError: number; compression: number };
  const unpruned = measured(9); // above the log alpha clip (8): nothing is pruned
  assert.equal(pick.unprunedValError, unpruned.valError);
  const within = pick.candidates.filter((c) => c.valError <= unpruned.valError + 0.01 + 1e-12);
  assert.ok(within.length > 0);
  assert.equal(pick.compression, Math.max(...within.map((c) => c.compression)));
  const chosen = measured(pick.threshold);
  assert.deepEqual([result.threshold, chosen.valError, chosen.compression], [pick.threshold, pick.valError, pick.compression]);

  const table = svd(['eval', runDir, '--threshold', 'auto', '--thresholds=-1:4:1,8', '--max-error-increase', '1']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`^threshold +${pick.threshold} \\(auto: the most compression within 1 points`, 'm'));
  assert.match(table.stdout, /^validation error +\d+\.\d\d%/m);
  assert.match(table.stdout, /^fc1 +\d+\.\d%$/m);

  const out = path.join(path.dirname(runDir), 'auto-export');
  const exported = svd(['export', runDir, '--threshold', 'auto', '--thresholds=-1:4:1,8', '--max-error-increase', '1', '--out', out, '--json']);
  assert.equal(exported.status, 0, exported.stderr);
  assert.equal((JSON.parse(exported.stdout) as { threshold: number }).threshold, pick.threshold);
});

test('the end of a run: figures and sparsity by layer name and the next commands on stderr; stdout ends with the run directory', () => {
  assert.match(runStderr, /^completed quickstart: 3 epoch\(s\) in /m);
  assert.match(runStderr, /^ {2}sparsity by layer: fc1 \d+\.\d%, fc2 \d+\.\d%, fc3 \d+\.\d%$/m);
  assert.ok(runStderr.includes(`  svd report ${runDir} `), runStderr);
  assert.ok(runStderr.includes(`  svd export ${runDir} `), runStderr);
  const env = readJsonFile<{ command: string[] }>(path.join(runDir, 'env.json'));
  assert.deepEqual(env.command.slice(0, 3), ['svd', 'run', 'configs/quickstart.yaml'], 'the command as typed, not node\'s path to the script');
});

test('the report\'s threshold curve has the validation error at every threshold, as svd eval measures it', () => {
  const r = svd(['report', runDir, '--thresholds=-1,3']);
  assert.equal(r.status, 0, r.stderr);
  const manifest = readJsonFile<{ thresholdCurve: Array<{ threshold: number; valError?: number }> }>(path.join(runDir, 'report', 'report.json'));
  for (const point of manifest.thresholdCurve) {
    const measured = JSON.parse(svd(['eval', runDir, `--threshold=${point.threshold}`, '--json']).stdout) as { valError: number };
    assert.equal(point.valError, measured.valError, `threshold ${point.threshold}`);
  }
  assert.ok(fs.readFileSync(path.join(runDir, 'report', 'index.html'), 'utf8').includes('validation error'));
});
