/**
 * `svd report` of a sweep directory: a real `svd sweep` of three short LeNet-300-100 jobs (one
 * epoch on 500 MNIST images; threshold -2 with seeds 0 and 1, threshold 3) gives a page with one
 * numbered point per setting (the two seeds aggregated: mean and spread) and a legend in the
 * error-against-compression plot, the settings' curves overlaid, and a row per job linking a
 * run's own report once written; the report of a run without snapshots or checkpoints says what
 * is missing, a first dense layer gets its map of unused input pixels, a model without Sparse VD
 * layers no threshold curve; headless Chromium loads the sweep page with no error.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { lastLine, readJsonFile, ROOT, svd, tempDir } from './helpers/cli.js';
import { browserSkip, pngStats, visitPage } from './helpers/browser.js';
import type { SweepReportManifest } from '../src/report/sweep-report.js';
import type { RunReportManifest } from '../src/report/run-report.js';

let root: string;
let sweepDir: string;
let jobs: Array<{ index: number; runDir: string; overrides: Record<string, unknown> }>;

before(() => {
  root = tempDir('svd-report-sweep-');
  const file = path.join(root, 'sweep.yaml');
  fs.writeFileSync(file, `name: report-thresholds\nbase: ${path.join(ROOT, 'configs', 'quickstart.yaml')}\nruns:\n  - { sparsity.threshold: -2, seed: 0 }\n  - { sparsity.threshold: -2, seed: 1 }\n  - { sparsity.threshold: 3, seed: 0 }\n`);
  const r = svd(['sweep', file, '--jobs', '2', '--set', 'data.trainLimit=500', '--set', 'data.testLimit=200', '--set', 'training.epochs=1', '--set', 'training.snapshotEvery=0', '--runs-dir', root]);
  assert.equal(r.status, 0, r.stderr);
  sweepDir = lastLine(r.stdout);
  jobs = fs.readFileSync(path.join(sweepDir, 'jobs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as (typeof jobs)[number]);
});

test('a run without snapshots: its report has the final pictures, the unused input pixels, and says how to get the animation', () => {
  const runDir = path.join(sweepDir, jobs[0].runDir);
  const r = svd(['report', runDir, '--thresholds', '0,3']);
  assert.equal(r.status, 0, r.stderr);
  const manifest = readJsonFile<RunReportManifest>(path.join(runDir, 'report', 'report.json'));
  // whole kernels: 784 x 300 in blocks of 3 x 1 at 2 pixels, 300 x 100 at 2 pixels, 100 x 10 at 6 (columns widened to 20)
  assert.deepEqual(manifest.images.map((i) => [i.layer, i.kind, i.width, i.height]), [
    ['fc1', 'weights', 604, 528], ['fc1', 'inputs', 228, 228], ['fc2', 'weights', 204, 604], ['fc3', 'weights', 204, 604],
  ]);
  // the map counts the pixels no kept weight of the first layer reads, as export's analysis does
  assert.deepEqual(manifest.inputMap?.shape, [28, 28, 1]);
  assert.equal(manifest.inputMap?.unused, manifest.structure?.inputs.unused);
  const png = PNG.sync.read(fs.readFileSync(path.join(runDir, 'report', 'fc1-inputs.png')));
  let [white, dark] = [0, 0];
  for (let i = 0; i < png.width * png.height; i++) {
    const rgb = (png.data[4 * i] << 16) | (png.data[4 * i + 1] << 8) | png.data[4 * i + 2];
    if (rgb === 0xffffff) white++;
    if (rgb === 0x141414) dark++;
  }
  assert.deepEqual([white, dark], [manifest.inputMap!.unused * 64, (784 - manifest.inputMap!.unused) * 64], 'one 8 x 8 square per pixel: white unused, dark read');
  assert.equal(manifest.notes.length, 1);
  assert.match(manifest.notes[0], /training\.snapshotEvery/);
  assert.deepEqual(manifest.thresholdCurve.map((p) => p.threshold), [-2, 0, 3]);
});

test('a run whose checkpoints are gone still gets its curves, and a note instead of pictures', () => {
  const copy = path.join(root, 'copy');
  fs.cpSync(path.join(sweepDir, jobs[2].runDir), copy, { recursive: true });
  fs.rmSync(path.join(copy, 'checkpoints'), { recursive: true });
  fs.rmSync(path.join(copy, 'report'), { recursive: true, force: true });
  const r = svd(['report', copy]);
  assert.equal(r.status, 0, r.stderr);
  const manifest = readJsonFile<RunReportManifest>(path.join(copy, 'report', 'report.json'));
  assert.deepEqual([manifest.images, manifest.checkpoint, manifest.thresholdCurve], [[], null, []]);
  assert.match(manifest.notes.join('\n'), /no checkpoint/);
  assert.match(fs.readFileSync(path.join(copy, 'report', 'index.html'), 'utf8'), /Sparsity per layer/);
});

test('a model without Sparse VD layers gets no threshold curve and evaluates nothing', () => {
  const data = ['--set', 'data.trainLimit=300', '--set', 'data.testLimit=100', '--set', 'training.epochs=1', '--set', 'training.snapshotEvery=0'];
  const dense = [1, 2, 3].flatMap((i) => ['--set', `model.layers.${i}.type=dense`]);
  const run = svd(['run', 'configs/quickstart.yaml', ...data, ...dense, '--runs-dir', path.join(root, 'dense')]);
  assert.equal(run.status, 0, run.stderr);
  const runDir = lastLine(run.stdout);
  const r = svd(['report', runDir]);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /evaluating/);
  const manifest = readJsonFile<RunReportManifest>(path.join(runDir, 'report', 'report.json'));
  assert.deepEqual([manifest.thresholdCurve, manifest.histograms, manifest.thresholdEvaluations], [[], [], { evaluated: 0, cached: 0, cacheProblem: null }]);
  assert.deepEqual(manifest.notes, [], 'no snapshot note for a model with nothing to picture');
  const html = fs.readFileSync(path.join(runDir, 'report', 'index.html'), 'utf8');
  assert.match(html, /no Sparse VD layer: nothing is pruned/);
  assert.doesNotMatch(html, /Error vs threshold/);
  assert.ok(!fs.existsSync(path.join(runDir, 'threshold-evals.json')));
});

test('the sweep report aggregates seeds, plots one numbered point per setting with a legend and overlays the curves', async () => {
  const r = svd(['report', sweepDir]);
  assert.equal(r.status, 0, r.stderr);
  const index = lastLine(r.stdout);
  assert.equal(index, path.join(sweepDir, 'report', 'index.html'));
  const manifest = readJsonFile<SweepReportManifest>(path.join(sweepDir, 'report', 'report.json'));
  assert.deepEqual(manifest.keys, ['sparsity.threshold', 'seed']);
  assert.deepEqual(manifest.plotted, [0, 1, 2]);
  assert.deepEqual(manifest.runs.map((run) => run.label), ['sparsity.threshold=-2 seed=0', 'sparsity.threshold=-2 seed=1', 'sparsity.threshold=3 seed=0']);
  for (const run of manifest.runs) {
    const summary = readJsonFile<{ testError: number; compression: number }>(path.join(sweepDir, run.runDir!, 'summary.json'));
    assert.deepEqual([run.status, run.testError, run.compression], ['completed', summary.testError, summary.compression]);
  }
  // the two seeds of threshold -2 are one setting: their mean and spread
  assert.deepEqual(manifest.groups.map((g) => [g.label, g.runs, g.seeds]), [['sparsity.threshold=-2', [0, 1], [0, 1]], ['sparsity.threshold=3', [2], [0]]]);
  const [e0, e1] = [manifest.runs[0].testError!, manifest.runs[1].testError!];
  const spread = manifest.groups[0].testError!;
  assert.ok(Math.abs(spread.mean - (e0 + e1) / 2) < 1e-12);
  assert.deepEqual([spread.count, spread.min, spread.max], [2, Math.min(e0, e1), Math.max(e0, e1)]);
  assert.ok(Math.abs(spread.sd - Math.abs(e0 - e1) / Math.SQRT2) < 1e-12);
  assert.deepEqual([manifest.groups[1].testError!.count, manifest.groups[1].testError!.sd], [1, 0]);
  // the first job's run has a report (written by the first test), the others not
  assert.equal(manifest.runs[0].report, `../${jobs[0].runDir}/report/index.html`);
  assert.equal(manifest.runs[2].report, null);
  const html = fs.readFileSync(index, 'utf8');
  const scatterSvg = html.slice(html.indexOf('<section id="scatter">'), html.indexOf('<section id="curves">'));
  assert.equal((scatterSvg.match(/<circle class="member"/g) ?? []).length, 2, 'a ring for each seed of the aggregated setting');
  assert.equal((scatterSvg.match(/<circle cx=/g) ?? []).length, 4, 'two points and their two legend marks');
  for (const label of ['sparsity.threshold=-2 (2 runs)', 'sparsity.threshold=3']) assert.ok(scatterSvg.includes(`>${label}</text>`), label);
  const curves = html.slice(html.indexOf('<section id="curves">'), html.indexOf('<section id="jobs">'));
  for (const text of ['Test error over training', 'Compression over training', '1 sparsity.threshold=-2', '2 sparsity.threshold=3']) assert.ok(curves.includes(text), text);
  assert.ok(html.includes(`href="${manifest.runs[0].report}"`));
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
  assert.equal(svd(['report', sweepDir, '--thresholds', '1']).status, 2);
});

test('headless Chromium loads the sweep page with no console error or failed request', { skip: browserSkip() }, async () => {
  const index = path.join(sweepDir, 'report', 'index.html');
  if (!fs.existsSync(index)) assert.equal(svd(['report', sweepDir]).status, 0);
  const visit = await visitPage(index);
  assert.deepEqual([visit.consoleErrors, visit.pageErrors, visit.failedRequests], [[], [], []]);
  assert.ok(visit.requests.every((u) => u.startsWith('file://')), visit.requests.join('\n'));
  assert.equal(visit.title, 'svd report: sweep report-thresholds');
  assert.equal(visit.svgCount, 3);
  const shot = pngStats(visit.screenshot);
  assert.ok(shot.variance > 100 && shot.colors > 20, `not blank: variance ${shot.variance}, ${shot.colors} colours`);
});
