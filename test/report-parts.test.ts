/**
 * Pieces of `svd report` checked on their own, without training: a downsampled dense picture
 * keeps every kept weight visible (a block is white only when all its weights are pruned, and
 * darker the more are kept); the snapshot schedule is denser early with the same budget; the
 * command line is shown as typed (`svd ...`); identical points of a sweep's scatter plot keep
 * their numbers apart, with every label in the legend; the cache of threshold evaluations keeps what it
 * is given whole, drops another checkpoint's points, and sets a damaged file aside.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawWeights, weightLayout } from '../src/report/weight-images.js';
import { PRUNED } from '../src/report/raster.js';
import { snapshotEpochs } from '../src/store/snapshots.js';
import { shownCommand } from '../src/report/command-line.js';
import type { LayerPicture } from '../src/store/snapshots.js';
import * as fs from 'node:fs';
import { ThresholdEvals, thresholdEvalsFile } from '../src/store/threshold-evals.js';
import { tempDir } from './helpers/cli.js';
import { scatter } from '../src/report/svg.js';

/** A dense picture of `rows` x `cols` keeping the weights at `kept` (row, col). */
function picture(rows: number, cols: number, kept: Array<[number, number]>): LayerPicture {
  const keep = new Uint8Array(rows * cols);
  for (const [r, c] of kept) keep[r * cols + c] = 1;
  return { name: 'fc', type: 'dense-svd', shape: [rows, cols], block: [rows, cols], theta: new Float32Array(rows * cols).fill(0.5), keep, size: rows * cols, kept: kept.length };
}

test('a downsampled dense picture shows a block kept when any of its weights is, darker when more are', () => {
  const p = picture(900, 600, [[0, 0], [3, 0], [4, 0], [5, 1], [3, 1], [4, 1], [899, 599]]);
  const layout = weightLayout(p.block);
  assert.deepEqual([layout.step, layout.cell, layout.width, layout.height], [{ rows: 3, cols: 2 }, { width: 2, height: 2 }, 300 * 2 + 4, 300 * 2 + 4]);
  const img = drawWeights(p, 1, layout);
  const cell = (r: number, c: number) => img.pixels[(2 + r * 2) * img.width + 2 + c * 2];
  // block (0, 0) keeps 1 of 6, block (1, 0) 5 of 6, block (299, 299) 1 of 6, block (0, 1) none
  assert.notEqual(cell(0, 0), PRUNED);
  assert.ok(cell(1, 0) > cell(0, 0), 'more kept: a darker shade (a higher index on the ramp)');
  assert.equal(cell(299, 299), cell(0, 0));
  assert.equal(cell(0, 1), PRUNED);
  let blank = 0;
  for (let r = 0; r < 300; r++) for (let c = 0; c < 300; c++) if (cell(r, c) === PRUNED) blank++;
  assert.equal(blank, 300 * 300 - 3);
});

test('a narrow dense matrix gets wide cells, not a thin strip; a small one is drawn weight by weight', () => {
  assert.deepEqual(weightLayout([500, 10]).cell, { width: 20, height: 2 });
  const small = weightLayout([100, 10]);
  assert.deepEqual([small.step, small.cell], [{ rows: 1, cols: 1 }, { width: 20, height: 6 }]);
});

test('snapshots are spaced densest early, as many as evenly spaced ones would be, first and last included', () => {
  const epochs = snapshotEpochs(200, 5);
  assert.equal(epochs.length, 41, 'as many as one every 5 epochs');
  assert.deepEqual([epochs[0], epochs.at(-1)], [0, 200]);
  assert.deepEqual(epochs.slice(0, 11), [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 13]);
  const gaps = epochs.slice(1).map((e, i) => e - epochs[i]);
  assert.ok(gaps.every((g) => g >= 1), 'strictly increasing');
  for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i] >= gaps[i - 1] - 1, `gaps grow: ${gaps.join(',')}`);
  assert.ok(gaps.at(-1)! >= 9);
  for (const [e, every] of [[3, 1], [2, 1], [7, 3], [20, 5], [1, 5]]) {
    const list = snapshotEpochs(e, every);
    assert.equal(list.length, Math.ceil(e / every) + 1, `${e} every ${every}: ${list}`);
    assert.deepEqual([list[0], list.at(-1)], [0, e]);
  }
  assert.deepEqual(snapshotEpochs(3, 1), [0, 1, 2, 3], 'every epoch when asked for every epoch');
  assert.deepEqual(snapshotEpochs(10, 0), []);
});

test('the command line is shown as the user typed it: svd, not a launcher path', () => {
  const args = ['run', 'configs/lenet5-mnist.yaml', '--set', 'name=a b'];
  assert.equal(shownCommand(['/root/.npm/_npx/5eec080bf95e7d97/node_modules/.bin/svd', ...args]), "svd run configs/lenet5-mnist.yaml --set 'name=a b'");
  assert.equal(shownCommand(['/work/main/bin/svd.js', ...args]), "svd run configs/lenet5-mnist.yaml --set 'name=a b'");
  assert.equal(shownCommand('/root/.npm/_npx/5eec/node_modules/.bin/svd report runs/x'), 'svd report runs/x');
  assert.equal(shownCommand('svd run configs/quickstart.yaml'), 'svd run configs/quickstart.yaml');
  assert.equal(shownCommand(['/usr/bin/other', 'x']), '/usr/bin/other x');
  assert.equal(shownCommand(undefined), null);
});

test('the threshold cache keeps every figure of a point, for its checkpoint only, and sets a damaged file aside', () => {
  const dir = tempDir('svd-threshold-evals-');
  const point = { threshold: -1.5, testError: 0.02, testNll: 0.07, compression: Infinity, sparsity: { fc: 1 }, valError: 0.03, valNll: 0.09 };
  const cache = ThresholdEvals.open(dir, 'a');
  assert.equal(cache.problem, null);
  cache.put(point);
  assert.equal(cache.save(), true);
  assert.equal(cache.save(), false, 'nothing new: not written again');
  assert.deepEqual(ThresholdEvals.open(dir, 'a').get(-1.5), point, 'Infinity (written as null) and the validation figures come back');
  assert.equal(ThresholdEvals.open(dir, 'b').get(-1.5), undefined, 'another checkpoint: not used');
  for (const damage of ['{ torn', '[]', '{"format": "svd-threshold-evals", "version": 1, "checkpoint": "a", "points": [{"threshold": 1, "testError": "x", "testNll": 0, "compression": 1, "sparsity": {}}]}']) {
    fs.writeFileSync(thresholdEvalsFile(dir), damage);
    const damaged = ThresholdEvals.open(dir, 'a');
    assert.match(damaged.problem ?? '', /threshold-evals\.json: /, damage);
    assert.equal(damaged.get(1), undefined);
    assert.equal(damaged.save(), true, 'rewritten');
    assert.equal(ThresholdEvals.open(dir, 'a').problem, null);
  }
});

test('points on top of each other keep their numbers apart; labels go to the legend, not beside the points', () => {
  const svg = scatter({ title: 't', xLabel: 'x', yLabel: 'y', logX: true, points: [
    { x: 2, y: 0.5, label: 'kl.end=3', key: 1 }, { x: 2, y: 0.5, label: 'kl.end=5', key: 2 }, { x: 20, y: 0.1, label: 'kl.end=9', key: 3 },
  ] });
  const numbers = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)" font-size="10"[^>]*>(\d)<\/text>/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), key: m[3] }));
  assert.deepEqual(numbers.map((n) => n.key), ['1', '2', '3']);
  assert.equal(numbers[0].y, numbers[1].y);
  assert.ok(numbers[1].x - numbers[0].x >= 10, `numbers at ${numbers[0].x} and ${numbers[1].x}: apart`);
  for (const label of ['kl.end=3', 'kl.end=5', 'kl.end=9']) assert.equal(svg.split(`>${label}</text>`).length - 1, 1, `${label} once, in the legend`);
});
