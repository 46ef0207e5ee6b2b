/**
 * `svd report` of a sweep directory: a real `svd sweep` of two short LeNet-300-100 jobs (one
 * epoch on 500 MNIST images, thresholds -2 and 3) gives a page with one labelled point per run in
 * the error-against-compression plot and a row per job linking a run's own report once written;
 * the report of a run without snapshots or checkpoints says what is missing; headless Chromium
 * loads the sweep page with no error.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
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
  fs.writeFileSync(file, `name: report-thresholds\nbase: ${path.join(ROOT, 'configs', 'quickstart.yaml')}\nruns:\n  - { sparsity.threshold: -2 }\n  - { sparsity.threshold: 3 }\n`);
  const r = svd(['sweep', file, '--jobs', '2', '--set', 'data.trainLimit=500', '--set', 'data.testLimit=200', '--set', 'training.epochs=1', '--set', 'training.snapshotEvery=0', '--runs-dir', root]);
  assert.equal(r.status, 0, r.stderr);
  sweepDir = lastLine(r.stdout);
  jobs = fs.readFileSync(path.join(sweepDir, 'jobs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as (typeof jobs)[number]);
});

test('a run without snapshots: its report has the final pictures and says how to get the animation', () => {
  const runDir = path.join(sweepDir, jobs[0].runDir);
  const r = svd(['report', runDir, '--thresholds', '0,3']);
  assert.equal(r.status, 0, r.stderr);
  const manifest = readJsonFile<RunReportManifest>(path.join(runDir, 'report', 'report.json'));
  assert.deepEqual(manifest.images.map((i) => [i.layer, i.kind, i.width, i.height]), [
    ['fc1', 'weights', 404, 404], ['fc2', 'weights', 404, 404], ['fc3', 'weights', 44, 404],
  ]);
  assert.equal(manifest.notes.length, 1);
  assert.match(manifest.notes[0], /training\.snapshotEvery/);
  assert.deepEqual(manifest.thresholdCurve.map((p) => p.threshold), [-2, 0, 3]);
});

test('a run whose checkpoints are gone still gets its curves, and a note instead of pictures', () => {
  const copy = path.join(root, 'copy');
  fs.cpSync(path.join(sweepDir, jobs[1].runDir), copy, { recursive: true });
  fs.rmSync(path.join(copy, 'checkpoints'), { recursive: true });
  fs.rmSync(path.join(copy, 'report'), { recursive: true, force: true });
  const r = svd(['report', copy]);
  assert.equal(r.status, 0, r.stderr);
  const manifest = readJsonFile<RunReportManifest>(path.join(copy, 'report', 'report.json'));
  assert.deepEqual([manifest.images, manifest.checkpoint, manifest.thresholdCurve], [[], null, []]);
  assert.match(manifest.notes.join('\n'), /no checkpoint/);
  assert.match(fs.readFileSync(path.join(copy, 'report', 'index.html'), 'utf8'), /Sparsity per layer/);
});

test('the sweep report plots one labelled point per run and links the run reports', async () => {
  const r = svd(['report', sweepDir]);
  assert.equal(r.status, 0, r.stderr);
  const index = lastLine(r.stdout);
  assert.equal(index, path.join(sweepDir, 'report', 'index.html'));
  const manifest = readJsonFile<SweepReportManifest>(path.join(sweepDir, 'report', 'report.json'));
  assert.deepEqual(manifest.keys, ['sparsity.threshold']);
  assert.deepEqual(manifest.plotted, [0, 1]);
  assert.deepEqual(manifest.runs.map((run) => run.label), ['sparsity.threshold=-2', 'sparsity.threshold=3']);
  for (const run of manifest.runs) {
    const summary = readJsonFile<{ testError: number; compression: number }>(path.join(sweepDir, run.runDir!, 'summary.json'));
    assert.deepEqual([run.status, run.testError, run.compression], ['completed', summary.testError, summary.compression]);
  }
  // the first job's run has a report (written by the first test), the second's not
  assert.equal(manifest.runs[0].report, `../${jobs[0].runDir}/report/index.html`);
  assert.equal(manifest.runs[1].report, null);
  const html = fs.readFileSync(index, 'utf8');
  assert.equal((html.match(/<circle /g) ?? []).length, 2, 'two points');
  for (const label of manifest.runs.map((run) => run.label)) assert.ok(html.includes(`>${label}</text>`), label);
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
  assert.equal(visit.svgCount, 1);
  const shot = pngStats(visit.screenshot);
  assert.ok(shot.variance > 100 && shot.colors > 20, `not blank: variance ${shot.variance}, ${shot.colors} colours`);
});
