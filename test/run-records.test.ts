/**
 * Damaged run records (store/records.ts) against the real binary, beyond the one-message cases
 * of test/fixtures/bad-inputs.ts: a resume of a completed run changes no file whatever is
 * missing; `svd ls`, `svd diff` and a sweep's `svd report` show a damaged run as damaged (file
 * and reason) and go on with the others; `svd report` names a damaged snapshot, replaces only a
 * report it wrote, and gives layers whose names make the same file name their own pictures.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonFile, svd, tempDir } from './helpers/cli.js';
import { filesUnder, makeSmallRun, sweepOfRuns, writeSmallMnist } from './helpers/small-run.js';
import { fileBase } from '../src/report/run-report.js';

let original: string;
let mnist: string;

before(() => {
  const base = tempDir('svd-records-');
  mnist = writeSmallMnist(path.join(base, 'mnist'));
  original = makeSmallRun(mnist, path.join(base, 'runs'));
});

/** A copy of the original run under a fresh folder, as `name`. */
function copyRun(name = 'run', root = tempDir('svd-records-')): string {
  const to = path.join(root, name);
  fs.cpSync(original, to, { recursive: true });
  return to;
}

const editJson = (file: string, edit: (v: Record<string, unknown>) => void) => {
  const v = readJsonFile(file);
  edit(v);
  fs.writeFileSync(file, JSON.stringify(v));
};

test('svd resume of a completed run changes no file, whatever record is missing', () => {
  for (const missing of ['metrics.jsonl', 'log.jsonl', 'snapshots', 'config.yaml', 'checkpoints', 'summary.json']) {
    const run = copyRun();
    fs.rmSync(path.join(run, missing), { recursive: true });
    const before = filesUnder(run);
    const r = svd(['resume', run]);
    assert.ok(r.status === 0 || r.status === 2, `${missing}: exit ${r.status}\n${r.stderr}`);
    if (missing === 'checkpoints') assert.match(r.stderr, /checkpoints: missing/);
    assert.doesNotMatch(r.stderr, /unexpected error|^\s+at /m, missing);
    assert.deepEqual(filesUnder(run), before, `${missing}: the run's files changed`);
  }
});

test('svd ls: runs with a damaged summary are listed as damaged, with the file and the reason; the others as they are', () => {
  const root = tempDir('svd-records-ls-');
  copyRun('good', root);
  editJson(path.join(copyRun('status', root), 'summary.json'), (v) => { v.status = 5; });
  editJson(path.join(copyRun('name', root), 'summary.json'), (v) => { v.name = {}; });
  fs.writeFileSync(path.join(copyRun('env', root), 'env.json'), '[1, 2');
  const r = svd(['ls', root]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^quickstart .* completed .*good$/m);
  for (const dir of ['status', 'name', 'env']) assert.match(r.stdout, new RegExp(`^quickstart .* damaged .*${dir}$`, 'm'));
  assert.ok(r.stdout.includes(`damaged: ${path.join(root, 'status', 'summary.json')}: status: must be one of: running, completed, failed, interrupted; got 5`), r.stdout);
  assert.ok(r.stdout.includes(`damaged: ${path.join(root, 'name', 'summary.json')}: name: must be string, got a mapping`), r.stdout);
  assert.ok(r.stdout.includes(`damaged: ${path.join(root, 'env', 'env.json')}: cannot read the run's environment record`), r.stdout);
  const rows = JSON.parse(svd(['ls', root, '--json']).stdout) as Array<{ dir: string; status: string; problem: string | null }>;
  assert.deepEqual(rows.map((row) => [path.basename(row.dir), row.status, row.problem === null]).sort(), [['env', 'damaged', false], ['good', 'completed', true], ['name', 'damaged', false], ['status', 'damaged', false]]);
});

test('svd diff: a damaged run is left out and named; the others are compared', () => {
  const root = tempDir('svd-records-diff-');
  const [a, b, bad] = ['a', 'b', 'bad'].map((n) => copyRun(n, root));
  editJson(path.join(b, 'resolved.json'), (v) => { v.seed = 7; });
  fs.writeFileSync(path.join(bad, 'resolved.json'), 'null');
  const r = svd(['diff', a, bad, b]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^config: 1 of \d+ keys differ$/m);
  assert.match(r.stdout, /^seed +0 +7$/m);
  assert.ok(r.stdout.includes(`not compared: 1 damaged\n  ${path.join(bad, 'resolved.json')}: must be a JSON object, got null`), r.stdout);
  assert.deepEqual((JSON.parse(svd(['diff', a, bad, b, '--json']).stdout) as { runs: Array<{ dir: string }> }).runs.map((x) => x.dir), [a, b]);
});

test('svd report of a sweep: a job whose run is damaged is shown as damaged, the others plotted', () => {
  const root = tempDir('svd-records-sweep-');
  const [a, b] = ['a', 'b'].map((n) => copyRun(n, root));
  editJson(path.join(b, 'summary.json'), (v) => { v.sparsity = 'abc'; });
  const sweep = sweepOfRuns(path.join(root, 'sweep'), [a, b]);
  const r = svd(['report', sweep]);
  assert.equal(r.status, 0, r.stderr);
  const manifest = readJsonFile<{ runs: Array<{ status: string; problem: string | null }>; plotted: number[] }>(path.join(sweep, 'report', 'report.json'));
  assert.deepEqual(manifest.runs.map((x) => x.status), ['completed', 'damaged']);
  assert.match(manifest.runs[1].problem ?? '', /summary\.json: sparsity: must be a mapping, got "abc"/);
  assert.deepEqual(manifest.plotted, [0]);
  assert.match(fs.readFileSync(path.join(sweep, 'report', 'index.html'), 'utf8'), /Job 1 is damaged: .*summary\.json/);
});

test('svd report: a damaged snapshot is named and left out of the animation; a report it wrote is replaced, a folder of the user is not', () => {
  const run = copyRun();
  const damaged = path.join(run, 'snapshots', 'epoch-000001.json');
  fs.writeFileSync(damaged, '{"format": "svd-snapshot"');
  const r = svd(['report', run]);
  assert.equal(r.status, 0, r.stderr);
  const manifest = readJsonFile<{ notes: string[]; snapshots: number[] }>(path.join(run, 'report', 'report.json'));
  assert.deepEqual(manifest.snapshots, [0]);
  assert.ok(manifest.notes.some((n) => n.includes(damaged)), manifest.notes.join('\n'));
  assert.ok(!manifest.notes.some((n) => n.includes('wrote no weight snapshots')), manifest.notes.join('\n'));
  assert.equal(svd(['report', run]).status, 0, 'its own report is replaced');
  fs.rmSync(path.join(run, 'report', 'report.json'));
  const before = filesUnder(path.join(run, 'report'));
  const again = svd(['report', run]);
  assert.equal(again.status, 2, again.stderr);
  assert.match(again.stderr, /report: a folder without an svd report\.json, not a report svd wrote/);
  assert.deepEqual(filesUnder(path.join(run, 'report')), before, 'the folder is left as it was');
});

test('layer image names: one per layer name, the same every time', () => {
  const names = ['a b', 'a_b', 'a/b', 'a.b', '.a', '_a', 'dense-svd_1', 'a_b-0123abcd'];
  const bases = names.map(fileBase);
  assert.equal(new Set(bases).size, names.length, bases.join(' '));
  assert.deepEqual(names.map(fileBase), bases);
  assert.equal(fileBase('dense-svd_1'), 'dense-svd_1');
  for (const b of bases) assert.match(b, /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
});

test('a run with no weight left says so ("all pruned"), in its progress, summary, ls, diff and export, never a made-up ratio', () => {
  const runs = tempDir('svd-all-pruned-');
  const r = svd(['run', 'configs/quickstart.yaml', '--set', `data.root=${mnist}`, '--set', 'training.epochs=1', '--set', 'sparsity.threshold=-100', '--runs-dir', runs]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /sparsity 100\.0\/100\.0\/100\.0% compression all pruned/);
  const run = r.stdout.trim().split('\n').pop()!;
  const summary = readJsonFile<{ compression: unknown; params: { nonzero: number } }>(path.join(run, 'summary.json'));
  assert.deepEqual([summary.compression, summary.params.nonzero], [null, 0], 'JSON has no Infinity: null with nothing left');
  const ls = svd(['ls', runs]);
  assert.equal(ls.status, 0, ls.stderr);
  assert.match(ls.stdout, /completed +1 +\S+% +all pruned /);
  assert.doesNotMatch(ls.stdout, /\d{4,}\.\dx/);
  const other = makeSmallRun(mnist, runs);
  const diff = svd(['diff', run, other]);
  assert.equal(diff.status, 0, diff.stderr);
  assert.match(diff.stdout, /^compression +all pruned +\d+\.\dx$/m);
  const out = path.join(runs, 'export');
  const exported = svd(['export', run, '--out', out]);
  assert.equal(exported.status, 0, exported.stderr);
  const evaluated = svd(['eval', out]);
  assert.equal(evaluated.status, 0, evaluated.stderr);
});
