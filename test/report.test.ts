/**
 * `svd report` of a real run: LeNet-5 (configs/lenet5-mnist.yaml) trained for 2 epochs on small
 * MNIST-format files the test writes, with a weight snapshot every epoch. Checks the snapshots,
 * that every image decodes at its expected size, that the first conv layer's picture shows its
 * 20 filters with exactly the pruned weights blank (final PNG and every GIF frame, each frame
 * labelled with its epoch), the dense kernels whole, the histograms and threshold curve against
 * `svd eval`, the page's order (contents, summary, headline curves) and the dead units, that a
 * second report replaces the first, touches nothing else and evaluates nothing again (the
 * threshold cache), that a damaged cache is rewritten, the errors for bad arguments, and that
 * headless Chromium loads the page with no console error or failed request, every image loaded,
 * the first screen holding the summary and headline curves, and a non-blank screenshot.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { GifReader } from 'omggif';
import { lastLine, readJsonFile, svd, tempDir } from './helpers/cli.js';
import { writeMnistFolder, type IdxSplit } from './helpers/idx-files.js';
import { browserSkip, pngStats, visitPage } from './helpers/browser.js';
import { readSnapshots } from '../src/store/snapshots.js';
import type { RunReportManifest } from '../src/report/run-report.js';

const CONV1 = 'conv1';
const LAYERS = ['conv1', 'conv2', 'fc1', 'fc2'];
const WHITE = 0xffffff;
const GREY = 0x808080;

/** `count` 28x28 images: class k is a bright bar at rows 2k..2k+3 over a faint seeded texture. */
function split(count: number, seed: number): IdxSplit {
  const pixels = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  let s = seed;
  for (let i = 0; i < count; i++) {
    const k = (i * 7 + seed) % 10;
    labels[i] = k;
    for (let p = 0; p < 784; p++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      const row = Math.floor(p / 28);
      pixels[i * 784 + p] = row >= 2 * k + 2 && row < 2 * k + 6 ? 200 + (s % 56) : s % 40;
    }
  }
  return { pixels, labels };
}

let root: string;
let runDir: string;
let manifest: RunReportManifest;
let index: string;

before(() => {
  root = tempDir('svd-report-');
  const data = path.join(root, 'mnist');
  fs.mkdirSync(data);
  writeMnistFolder(data, split(300, 1), split(100, 2));
  const r = svd(['run', 'configs/lenet5-mnist.yaml', '--set', `data.root=${data}`, '--set', 'data.batchSize=50', '--set', 'training.epochs=2',
    '--set', 'training.snapshotEvery=1', '--runs-dir', root]);
  assert.equal(r.status, 0, r.stderr);
  runDir = lastLine(r.stdout);
  const rep = svd(['report', runDir]);
  assert.equal(rep.status, 0, rep.stderr);
  index = lastLine(rep.stdout);
  assert.equal(index, path.join(runDir, 'report', 'index.html'));
  manifest = readJsonFile<RunReportManifest>(path.join(runDir, 'report', 'report.json'));
});

/** Pixels of an RGBA buffer as 0xRRGGBB numbers. */
function rgbOf(data: Uint8Array | Buffer, width: number, height: number): number[] {
  return Array.from({ length: width * height }, (_, i) => (data[4 * i] << 16) | (data[4 * i + 1] << 8) | data[4 * i + 2]);
}

function count(values: number[], v: number): number {
  return values.filter((x) => x === v).length;
}

function readPng(file: string): PNG {
  return PNG.sync.read(fs.readFileSync(path.join(runDir, 'report', file)));
}

test('the run writes a small snapshot per epoch with the weights and keep mask of every Sparse VD layer', () => {
  assert.deepEqual(fs.readdirSync(path.join(runDir, 'snapshots')).sort(), ['epoch-000000.json', 'epoch-000001.json', 'epoch-000002.json']);
  // about 107 KB: the whole 800 x 500 mask is most of it
  for (const name of fs.readdirSync(path.join(runDir, 'snapshots'))) {
    const bytes = fs.statSync(path.join(runDir, 'snapshots', name)).size;
    assert.ok(bytes < 120_000, `${name} is small: ${bytes} bytes`);
  }
  const { snapshots } = readSnapshots(runDir);
  assert.deepEqual(snapshots.map((s) => s.epoch), [0, 1, 2]);
  const last = snapshots[2];
  assert.deepEqual(last.layers.map((l) => l.name), LAYERS);
  assert.deepEqual(last.layers.map((l) => [l.shape, l.block]), [
    [[5, 5, 1, 20], [5, 5, 1, 20]], [[5, 5, 20, 50], [5, 5, 20, 50]], [[800, 500], [800, 500]], [[500, 10], [500, 10]],
  ]);
  // dense kernels whole; one with a side over 300 is drawn in blocks from its mask, so only the mask is stored
  assert.deepEqual(last.layers.map((l) => l.theta === null), [false, false, true, true]);
  // the snapshot after the last epoch agrees with the run's own sparsity figures
  const summary = readJsonFile<{ sparsity: Record<string, number>; epochs: number }>(path.join(runDir, 'summary.json'));
  for (const layer of last.layers) {
    assert.ok(Math.abs(1 - layer.kept / layer.size - summary.sparsity[layer.name]) < 1e-9, layer.name);
    assert.equal(layer.keep.reduce((a, b) => a + b, 0), layer.kept, layer.name);
  }
  const conv1 = last.layers[0];
  assert.ok(conv1.kept > 0 && conv1.kept < conv1.size, `conv1 keeps some and prunes some: ${conv1.kept} of ${conv1.size}`);
});

test('the first conv layer shows its 20 filters with exactly the pruned weights blank', () => {
  const image = manifest.images.find((i) => i.layer === CONV1 && i.kind === 'weights')!;
  assert.deepEqual([image.file, image.tiles, image.cell], [`${CONV1}-weights.png`, { rows: 4, cols: 5, count: 20 }, { width: 8, height: 8 }]);
  // 5 columns x 4 rows of 5x5 filters at 8 pixels a weight, 2-pixel lines between and around
  const png = readPng(image.file);
  assert.deepEqual([png.width, png.height], [5 * 40 + 6 * 2, 4 * 40 + 5 * 2]);
  const pixels = rgbOf(png.data, png.width, png.height);
  const summary = readJsonFile<{ sparsity: Record<string, number> }>(path.join(runDir, 'summary.json'));
  const pruned = Math.round(summary.sparsity[CONV1] * 500);
  assert.ok(pruned > 0 && pruned < 500);
  assert.equal(count(pixels, WHITE), pruned * 64, 'one blank 8x8 square per pruned weight');
  assert.equal(count(pixels, GREY), png.width * png.height - 500 * 64, 'grey lines around 20 tiles');
  // the top-left tile is filter 0: its blank cells are its pruned weights in the final snapshot
  const final = readSnapshots(runDir).snapshots[2].layers[0];
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      const blank = pixels[(2 + y * 8 + 3) * png.width + 2 + x * 8 + 3] === WHITE;
      assert.equal(blank, final.keep[(y * 5 + x) * 20] === 0, `filter 0 weight (${y}, ${x})`);
    }
  }
});

test('the animation has one frame per snapshot, each blanking that epoch\'s pruned weights and labelled with its epoch', () => {
  const image = manifest.images.find((i) => i.layer === CONV1 && i.kind === 'animation')!;
  assert.deepEqual(image.epochs, [0, 1, 2]);
  const gif = new GifReader(new Uint8Array(fs.readFileSync(path.join(runDir, 'report', image.file))));
  // a strip of 18 pixels below: the epoch in 2x bitmap digits, and a bar
  assert.deepEqual([gif.width, gif.height, gif.numFrames()], [212, 170 + 18, 3]);
  const { snapshots } = readSnapshots(runDir);
  const rgba = new Uint8Array(gif.width * gif.height * 4);
  const strips: string[] = [];
  for (let f = 0; f < 3; f++) {
    gif.decodeAndBlitFrameRGBA(f, rgba);
    const pixels = rgbOf(rgba, gif.width, gif.height);
    const prunedInSnapshot = snapshots[f].layers[0].keep.filter((k) => k === 0).length;
    assert.equal(count(pixels.slice(0, 212 * 170), WHITE), prunedInSnapshot * 64, `frame ${f}`);
    const text = pixels.slice(212 * 170, 212 * 184);
    assert.ok(count(text, 0x000000) > 40, `frame ${f} has its epoch written`);
    strips.push(text.map((p) => (p === 0 ? '#' : '.')).join(''));
  }
  assert.equal(new Set(strips).size, 3, 'each frame reads a different epoch');
});

test('every image decodes at the size report.json gives, the dense layers as their whole weight matrix', () => {
  assert.deepEqual(manifest.notes, []);
  assert.deepEqual(manifest.images.map((i) => `${i.layer} ${i.kind}`), LAYERS.flatMap((l) => [`${l} weights`, `${l} animation`]));
  for (const image of manifest.images) {
    const file = path.join(runDir, 'report', image.file);
    if (image.kind === 'weights') {
      const png = readPng(image.file);
      assert.deepEqual([png.width, png.height], [image.width, image.height], image.file);
    } else {
      const gif = new GifReader(new Uint8Array(fs.readFileSync(file)));
      assert.deepEqual([gif.width, gif.height, gif.numFrames()], [image.width, image.height, 3], image.file);
    }
  }
  const size = (layer: string) => manifest.images.find((i) => i.layer === layer && i.kind === 'weights')!;
  // the whole 800 x 500 kernel in blocks of 3 x 2 weights at 2 pixels; the 500 x 10 one in blocks
  // of 2 x 1, its 10 columns widened to 20 pixels (not a thin strip)
  const [d5, d6] = [size('fc1'), size('fc2')];
  assert.deepEqual([d5.block, d5.step, d5.width, d5.height], [[800, 500], { rows: 3, cols: 2 }, 250 * 2 + 4, 267 * 2 + 4]);
  assert.deepEqual([d6.block, d6.step, d6.cell, d6.width, d6.height], [[500, 10], { rows: 2, cols: 1 }, { width: 20, height: 2 }, 204, 504]);
  // the animations show the whole kernel too, as the snapshots store it
  const a5 = manifest.images.find((i) => i.layer === 'fc1' && i.kind === 'animation')!;
  assert.deepEqual([a5.block, a5.step, a5.width], [[800, 500], { rows: 3, cols: 2 }, 504]);
  // conv2: rows are the 20 input channels, columns the 50 filters
  assert.deepEqual(size('conv2').tiles, { rows: 20, cols: 50, count: 1000 });
});

test('histograms and the threshold curve come from the final checkpoint, as svd eval computes them', () => {
  assert.deepEqual(manifest.checkpoint, { epoch: 2, threshold: 3, logAlphaClip: 8 });
  const sizes = [500, 25_000, 400_000, 5000];
  assert.deepEqual(manifest.histograms.map((h) => [h.layer, h.counts.reduce((a, b) => a + b, 0), h.edges[0], h.edges.at(-1)]), LAYERS.map((l, i) => [l, sizes[i], -8, 8]));
  const curve = manifest.thresholdCurve;
  const thresholds = curve.map((p) => p.threshold);
  for (const t of [-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8]) assert.ok(thresholds.includes(t), `the default grid has every whole threshold: ${t}`);
  assert.deepEqual(thresholds, [...thresholds].sort((a, b) => a - b));
  for (let i = 1; i < curve.length; i++) assert.ok(curve[i].compression <= curve[i - 1].compression, 'a higher threshold prunes less');
  const ev = JSON.parse(svd(['eval', runDir, '--threshold=-2', '--json']).stdout) as { testError: number; compression: number };
  assert.equal(curve[0].testError, ev.testError);
  assert.equal(curve[0].compression, ev.compression);
  const summary = readJsonFile<{ testError: number; compression: number }>(path.join(runDir, 'summary.json'));
  const own = curve.find((p) => p.threshold === 3)!;
  assert.ok(Math.abs(own.testError - summary.testError) < 1e-9);
  assert.equal(own.compression, summary.compression);
  const html = fs.readFileSync(index, 'utf8');
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'nothing from the network');
  for (const text of ['Training curves', 'Test error', 'KL weight', 'Learning rate', 'Sparsity per layer', 'Compression', 'log α of conv1', 'Error vs threshold', 'config.yaml', 'status', 'Pruned fraction of fc1']) assert.ok(html.includes(text), text);
  assert.deepEqual(manifest.thresholdEvaluations, { evaluated: manifest.thresholdCurve.length, cached: 0, cacheProblem: null });
});

test('the page opens with the contents, the summary and the headline curves; each layer says how many units are dead', () => {
  const html = fs.readFileSync(index, 'utf8');
  assert.deepEqual(manifest.sections, ['summary', 'curves', 'layers', 'threshold', 'config']);
  const at = (text: string) => html.indexOf(text);
  assert.ok(at('<nav id="contents">') > 0 && at('<nav id="contents">') < at('<section id="summary">'), 'contents first');
  for (const id of manifest.sections) assert.ok(html.includes(`href="#${id}"`), `contents link to ${id}`);
  for (const layer of LAYERS) assert.ok(html.includes(`href="#layer-${layer}"`), `contents link to ${layer}`);
  const summary = html.slice(at('<section id="summary">'), at('<section id="curves">'));
  for (const text of ['aria-label="Test error"', 'aria-label="Compression (log scale)"', 'test error', 'dead in / dead out']) assert.ok(summary.includes(text), text);
  assert.match(summary, /Command: <code>svd run configs\/lenet5-mnist\.yaml --set /, 'the command as typed');
  // dead units from the export's analysis: conv1's dead-in filters are those with no kept weight
  const structure = manifest.structure!;
  assert.deepEqual(structure.layers.map((l) => l.layer), LAYERS);
  const conv1 = readSnapshots(runDir).snapshots[2].layers[0];
  const deadFilters = Array.from({ length: 20 }, (_, f) => f).filter((f) => Array.from({ length: 25 }, (_, k) => conv1.keep[k * 20 + f]).every((v) => v === 0)).length;
  assert.equal(structure.layers[0].deadIn, deadFilters);
  const s0 = structure.layers[0];
  assert.ok(html.includes(`<b>${s0.width - s0.removable} of 20 filters alive</b>; ${s0.deadIn} receive no kept weight`), 'conv1 dead filters in words');
  assert.equal(manifest.inputMap, null, 'a conv first layer has no map of unused pixels');
});

test('a second report replaces the first and touches nothing else; bad arguments exit 2', () => {
  const listing = (dir: string): string[] => fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => !f.startsWith('report')).sort();
  const before = listing(runDir);
  const stamps = before.map((f) => fs.statSync(path.join(runDir, f)).mtimeMs);
  fs.writeFileSync(path.join(runDir, 'report', 'stale.txt'), 'old');
  const r = svd(['report', runDir, '--thresholds', '3,-1']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!fs.existsSync(path.join(runDir, 'report', 'stale.txt')));
  assert.deepEqual(listing(runDir), before);
  assert.deepEqual(before.map((f) => fs.statSync(path.join(runDir, f)).mtimeMs), stamps);
  const again = readJsonFile<RunReportManifest>(path.join(runDir, 'report', 'report.json'));
  assert.deepEqual(again.thresholdCurve.map((p) => p.threshold), [-1, 3]);
  // both points come from the cache the first report wrote: nothing is evaluated again
  assert.deepEqual(again.thresholdEvaluations, { evaluated: 0, cached: 2, cacheProblem: null });
  assert.doesNotMatch(r.stderr, /evaluating/);
  assert.deepEqual(again.thresholdCurve, manifest.thresholdCurve.filter((p) => p.threshold === -1 || p.threshold === 3));

  const empty = tempDir('svd-report-empty-');
  for (const [args, pattern] of [
    [['report', empty], /E_RUN_DIR|neither a run directory .* nor a sweep directory/],
    [['report', path.join(empty, 'missing')], /does not exist/],
    [['report', runDir, '--thresholds', '1,x'], /--thresholds: 'x' is not a decimal number/],
    [['report'], /expected 1 argument/],
  ] as Array<[string[], RegExp]>) {
    const bad = svd(args);
    assert.equal(bad.status, 2, `${args.join(' ')}: ${bad.stderr}`);
    assert.match(bad.stderr, pattern);
  }
  assert.deepEqual(fs.readdirSync(empty), []);
});

test('a damaged cache of threshold evaluations is set aside with a note and rewritten, never a crash', () => {
  const cache = path.join(runDir, 'threshold-evals.json');
  // (a torn file is checked without training, in report-parts.test.ts)
  for (const damage of ['{"format": "svd-threshold-evals", "version": 1, "checkpoint": "x", "points": [{"threshold": 3}]}']) {
    fs.writeFileSync(cache, damage);
    const r = svd(['report', runDir, '--thresholds', '3']);
    assert.equal(r.status, 0, r.stderr);
    const m = readJsonFile<RunReportManifest>(path.join(runDir, 'report', 'report.json'));
    assert.deepEqual([m.thresholdEvaluations?.evaluated, m.thresholdEvaluations?.cached], [1, 0]);
    assert.match(m.notes.join('\n'), /cache of threshold evaluations could not be used/);
    assert.equal(m.thresholdCurve[0].testError, manifest.thresholdCurve.find((p) => p.threshold === 3)!.testError);
    const written = readJsonFile<{ points: Array<{ threshold: number }> }>(cache);
    assert.deepEqual(written.points.map((p) => p.threshold), [3]);
  }
});

test('headless Chromium loads the page with no console error or failed request, every image loaded', { skip: browserSkip() }, async () => {
  const visit = await visitPage(index);
  assert.deepEqual(visit.consoleErrors, []);
  assert.deepEqual(visit.pageErrors, []);
  assert.deepEqual(visit.failedRequests, []);
  assert.ok(visit.requests.every((u) => u.startsWith('file://')), visit.requests.join('\n'));
  assert.equal(visit.title, 'svd report: lenet5-mnist');
  assert.equal(visit.images.length, manifest.images.length);
  for (const image of visit.images) {
    const expected = manifest.images.find((i) => image.src.endsWith(`/${i.file}`))!;
    assert.ok(image.complete && image.naturalWidth > 0, image.src);
    assert.deepEqual([image.naturalWidth, image.naturalHeight], [expected.width, expected.height], image.src);
  }
  // 6 curves, per layer a histogram and a pruned-fraction chart, 2 threshold charts
  assert.ok(visit.svgCount >= 6 + 2 * LAYERS.length + 2, `${visit.svgCount} charts`);
  // the first screen (1280 x 900) holds the contents, the summary and the headline curves
  assert.ok(['contents', 'summary'].every((id) => visit.firstScreen.ids.includes(id)), visit.firstScreen.ids.join(' '));
  assert.ok(visit.firstScreen.svgs.includes('Test error') && visit.firstScreen.svgs.includes('Compression (log scale)'), visit.firstScreen.svgs.join(', '));
  const shot = pngStats(visit.screenshot);
  assert.equal(shot.width, 1280);
  assert.ok(shot.height > 2000, `a long page: ${shot.height}`);
  assert.ok(shot.variance > 100 && shot.colors > 50, `not blank: variance ${shot.variance}, ${shot.colors} colours`);
});
