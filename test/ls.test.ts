/**
 * `svd ls`: every run directory under a folder (nested ones such as sweep jobs included, never
 * inside checkpoints), oldest first, as a table or `--json`; runs that died early still list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { svd, tempDir } from './helpers/cli.js';

function run(root: string, rel: string, files: Record<string, unknown>): string {
  const dir = path.join(root, rel);
  fs.mkdirSync(path.join(dir, 'checkpoints', 'epoch-000001'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'checkpoints', 'epoch-000001', 'resolved.json'), '{}'); // never listed
  for (const [name, value] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), JSON.stringify(value));
  return dir;
}

test('svd ls lists runs, nested ones too, oldest first', () => {
  const root = tempDir('svd-ls-');
  run(root, 'lenet/2026-11-24T10-00-00-aaaaaa', {
    'resolved.json': { name: 'lenet' }, 'env.json': { started: '2026-11-24T10:00:00.000Z' },
    'summary.json': { status: 'completed', name: 'lenet', epochs: 5, testError: 0.0255, compression: 21.66, seconds: 156 },
  });
  run(root, 'sweeps/s/2026-11-24T09-00-00/jobs/000/quick/2026-11-24T09-00-01-bbbbbb', {
    'resolved.json': { name: 'quick', training: { epochs: 3 } }, 'env.json': { started: '2026-11-24T09:00:01.000Z' },
    'summary.json': { status: 'failed', name: 'quick', epochs: 1, testError: 0.5, compression: 1, seconds: 3 },
  });
  fs.writeFileSync(path.join(root, 'sweeps/s/2026-11-24T09-00-00/jobs/000/job.json'), JSON.stringify({ index: 0, overrides: { 'kl.end': 3, seed: 1 } }));
  run(root, 'early/2026-11-24T11-00-00-cccccc', { 'resolved.json': { name: 'early' } });
  const r = svd(['ls', root]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^name +started +status +epochs +test error +compression +time +overrides +dir$/);
  assert.match(lines[1], /^early +- +- +- +- +- +- +- +\S+early/);
  assert.match(lines[2], /^quick +2026-11-24 09:00 +failed +1\/3 +50\.00% +1\.0x +3s +kl\.end=3 seed=1 +\S+bbbbbb$/, 'a sweep job shows its overrides');
  assert.match(lines[3], /^lenet +2026-11-24 10:00 +completed +5 +2\.55% +21\.7x +2m36s +- +\S+aaaaaa$/);
  assert.equal(lines.length, 4);

  const json = JSON.parse(svd(['ls', root, '--json']).stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(json.map((row) => row.name), ['early', 'quick', 'lenet']);
  assert.deepEqual(json[2], { dir: path.join(root, 'lenet/2026-11-24T10-00-00-aaaaaa'), name: 'lenet', started: '2026-11-24T10:00:00.000Z', status: 'completed', epochs: 5, totalEpochs: null, testError: 0.0255, compression: 21.66, seconds: 156, overrides: null, problem: null });
  assert.deepEqual(json[1].overrides, { 'kl.end': 3, seed: 1 });

  const one = JSON.parse(svd(['ls', path.join(root, 'lenet/2026-11-24T10-00-00-aaaaaa'), '--json']).stdout) as unknown[];
  assert.equal(one.length, 1);
});

test('svd ls: a running run whose process is gone (stale run.lock) is stopped; a live one, or one without a lock, running', (t) => {
  const root = tempDir('svd-ls-');
  const summary = { status: 'running', name: 'r', epochs: 7, testError: 0.01, compression: 50, seconds: 600 };
  const lock = (pid: number) => JSON.stringify({ pid, host: os.hostname(), since: '2026-11-25T00:00:00.000Z', command: ['svd', 'run'] });
  const gone = run(root, 'r/2026-11-25T00-00-00-aaaaaa', { 'resolved.json': { name: 'r', training: { epochs: 200 } }, 'env.json': { started: '2026-11-25T00:00:00.000Z' }, 'summary.json': summary });
  fs.writeFileSync(path.join(gone, 'run.lock'), lock(2 ** 22 + 12345));
  const live = run(root, 'r/2026-11-25T01-00-00-bbbbbb', { 'resolved.json': { name: 'r', training: { epochs: 200 } }, 'env.json': { started: '2026-11-25T01:00:00.000Z' }, 'summary.json': summary });
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
  t.after(() => holder.kill());
  fs.writeFileSync(path.join(live, 'run.lock'), lock(holder.pid!));
  run(root, 'r/2026-11-25T02-00-00-cccccc', { 'resolved.json': { name: 'r', training: { epochs: 200 } }, 'env.json': { started: '2026-11-25T02:00:00.000Z' }, 'summary.json': summary });
  const json = JSON.parse(svd(['ls', root, '--json']).stdout) as Array<{ status: string; totalEpochs: number }>;
  assert.deepEqual(json.map((r) => r.status), ['stopped', 'running', 'running']);
  assert.deepEqual(json.map((r) => r.totalEpochs), [200, 200, 200]);
  assert.match(svd(['ls', root]).stdout.split('\n')[1], /^r +2026-11-25 00:00 +stopped +7\/200 +1\.00% +50\.0x/);
});

test('svd ls of an empty folder says so; of a missing one exits 2', () => {
  const root = tempDir('svd-ls-');
  const empty = svd(['ls', root]);
  assert.equal(empty.status, 0);
  assert.match(empty.stdout, /^no runs under /);
  assert.deepEqual(JSON.parse(svd(['ls', root, '--json']).stdout), []);
  const missing = svd(['ls', path.join(root, 'nope')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope does not exist/);
});
