/**
 * `svd sweep` launching processes, with a fake `svd` (test/fixtures/sweeps/fake-svd.mjs, through
 * SVD_SWEEP_JOB_BIN) that records CUDA_VISIBLE_DEVICES and when it started and ended: no two
 * jobs hold one device at once; a failing job does not stop the others, the sweep exits 1 and
 * `--resume` reruns only that job; SIGINT ends running jobs, records them as interrupted, and
 * `--resume` continues them (`svd resume RUN_DIR`) and starts the rest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lastLine, readJsonFile, readJsonl, ROOT, SVD_BIN, tempDir, waitFor } from './helpers/cli.js';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'sweeps', 'fake-svd.mjs');

interface FakeRecord { command: string; dir: string; device: string | null; webgpuDevice: string | null; start: number; end: number; killed?: boolean; failed?: boolean }
interface Job { index: number; status: string; device: string | null; runDir: string | null; exitCode: number | null; attempts: number; stderrTail?: string; overrides: Record<string, unknown> }

/** A sweep file in a fresh folder, based on the repository's quickstart config. */
function sweepFile(body: string): { dir: string; file: string } {
  const dir = tempDir('svd-sweep-');
  const file = path.join(dir, 'fake.yaml');
  fs.writeFileSync(file, `base: ${path.join(ROOT, 'configs', 'quickstart.yaml')}\n${body}`);
  return { dir, file };
}

/** Runs `svd ...args` with the fake job binary and `env`. */
function svdFake(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [SVD_BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SVD_SWEEP_JOB_BIN: FAKE, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('with devices, each job holds one device and no two jobs overlap on one', () => {
  const { dir, file } = sweepFile('grid:\n  seed: [0, 1, 2, 3, 4, 5, 6, 7]\n');
  const log = path.join(dir, 'fake.jsonl');
  const r = svdFake(['sweep', file, '--jobs', '5', '--devices', '0,1,2', '--runs-dir', dir], { FAKE_SVD_LOG: log, FAKE_SVD_MS: '150' });
  assert.equal(r.status, 0, r.stderr);
  const records = readJsonl<FakeRecord>(log);
  assert.equal(records.length, 8);
  for (const rec of records) assert.ok(['0', '1', '2'].includes(rec.device ?? ''), `device ${rec.device}`);
  for (const device of ['0', '1', '2']) {
    const spans = records.filter((rec) => rec.device === device).sort((a, b) => a.start - b.start);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i].start >= spans[i - 1].end, `device ${device}: two jobs at once`);
  }
  const sweepDir = lastLine(r.stdout);
  const jobs = readJsonl<Job>(path.join(sweepDir, 'jobs.jsonl'));
  assert.deepEqual(jobs.map((j) => [j.index, j.status]), [...Array(8).keys()].map((i) => [i, 'completed']));
  // what each job recorded matches what the fake saw
  for (const job of jobs) {
    const seen = records.find((rec) => path.resolve(rec.dir) === path.resolve(sweepDir, job.runDir!));
    assert.equal(seen?.device, job.device);
  }
});

test('a webgpu job holds its device as SVD_WEBGPU_DEVICE (its adapter in Dawn\'s list), not CUDA_VISIBLE_DEVICES', () => {
  const { dir, file } = sweepFile('set:\n  backend: webgpu\ngrid:\n  seed: [0, 1, 2, 3]\n');
  const log = path.join(dir, 'fake.jsonl');
  const r = svdFake(['sweep', file, '--jobs', '2', '--devices', '0,1', '--runs-dir', dir], { FAKE_SVD_LOG: log, FAKE_SVD_MS: '100' });
  assert.equal(r.status, 0, r.stderr);
  const records = readJsonl<FakeRecord>(log);
  assert.equal(records.length, 4);
  for (const rec of records) {
    assert.ok(['0', '1'].includes(rec.webgpuDevice ?? ''), `SVD_WEBGPU_DEVICE ${rec.webgpuDevice}`);
    assert.equal(rec.device, null, 'a webgpu job gets no CUDA_VISIBLE_DEVICES');
  }
  const jobs = readJsonl<Job>(path.join(lastLine(r.stdout), 'jobs.jsonl'));
  for (const job of jobs) {
    const seen = records.find((rec) => path.resolve(rec.dir) === path.resolve(lastLine(r.stdout), job.runDir!));
    assert.equal(seen?.webgpuDevice, job.device);
  }
});

test('a failing job does not stop the others; the sweep exits 1; --resume reruns only that job', () => {
  const { dir, file } = sweepFile('grid:\n  seed: [0, 1, 2, 3]\n');
  const log = path.join(dir, 'fake.jsonl');
  const r = svdFake(['sweep', file, '--jobs', '2', '--runs-dir', dir], { FAKE_SVD_LOG: log, FAKE_SVD_FAIL_SEED: '2' });
  assert.equal(r.status, 1, r.stderr);
  const sweepDir = lastLine(r.stdout);
  assert.match(r.stdout, /4 job\(s\): 3 completed, 1 failed/);
  assert.match(r.stdout, /job 2 failed with exit code 1; its stderr ends:\n {2}fake failure for seed=2/);
  assert.match(r.stderr, /1 job\(s\) failed; rerun them with: svd sweep --resume /);
  const jobs = readJsonl<Job>(path.join(sweepDir, 'jobs.jsonl'));
  assert.deepEqual(jobs.map((j) => j.status), ['completed', 'completed', 'failed', 'completed']);
  assert.equal(jobs[2].exitCode, 1);
  assert.match(jobs[2].stderrTail ?? '', /fake failure for seed=2/);
  assert.ok(jobs[2].runDir, 'the failed job keeps its run directory');
  const summary = readJsonFile<{ status: string; counts: Record<string, number>; jobs: Job[] }>(path.join(sweepDir, 'summary.json'));
  assert.equal(summary.status, 'failed');
  assert.deepEqual(summary.jobs.map((j) => j.index), [3, 1, 0, 2], 'sorted by test error, failures last');
  const md = fs.readFileSync(path.join(sweepDir, 'summary.md'), 'utf8');
  assert.match(md, /### job 2: failed with exit code 1[\s\S]*fake failure for seed=2/);
  assert.equal(readJsonl(log).length, 4);

  // resuming with a sweep file that expands to other jobs is refused
  const other = sweepFile('grid:\n  seed: [0, 1, 5, 3]\n').file;
  const mismatch = svdFake(['sweep', '--resume', sweepDir, other], { FAKE_SVD_LOG: log });
  assert.equal(mismatch.status, 2);
  assert.match(mismatch.stderr, /expands to other jobs than .*jobs\.jsonl holds/);

  // a sweep directory in use by a live process is not resumed twice
  fs.writeFileSync(path.join(sweepDir, 'sweep.lock'), String(process.pid));
  const busy = svdFake(['sweep', '--resume', sweepDir], { FAKE_SVD_LOG: log });
  assert.equal(busy.status, 2);
  assert.match(busy.stderr, new RegExp(`sweep .* is in use by process ${process.pid} \\(unknown command, since unknown\\); stop that process first`));
  fs.writeFileSync(path.join(sweepDir, 'sweep.lock'), '999999999'); // a stale lock is taken over

  const again = svdFake(['sweep', '--resume', sweepDir], { FAKE_SVD_LOG: log });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(fs.existsSync(path.join(sweepDir, 'sweep.lock')), false);
  assert.equal(lastLine(again.stdout), sweepDir);
  const rerun = readJsonl<FakeRecord>(log).slice(4);
  assert.equal(rerun.length, 1, 'only the failed job ran again');
  assert.equal(rerun[0].command, 'run');
  const after = readJsonl<Job>(path.join(sweepDir, 'jobs.jsonl'));
  assert.deepEqual(after.map((j) => [j.status, j.attempts]), [['completed', 1], ['completed', 1], ['completed', 2], ['completed', 1]]);
  assert.equal(after[2].stderrTail, undefined);
  assert.equal(readJsonFile<{ status: string }>(path.join(sweepDir, 'summary.json')).status, 'completed');
  // nothing left to do
  const third = svdFake(['sweep', '--resume', sweepDir], { FAKE_SVD_LOG: log });
  assert.equal(third.status, 0, third.stderr);
  assert.equal(readJsonl(log).length, 5);
});

test('SIGINT ends the running jobs and records them; --resume continues them and starts the rest', async () => {
  const { dir, file } = sweepFile('grid:\n  seed: [0, 1, 2]\n');
  const log = path.join(dir, 'fake.jsonl');
  const child = spawn(process.execPath, [SVD_BIN, 'sweep', file, '--devices', '5,7', '--runs-dir', dir], {
    cwd: ROOT, env: { ...process.env, SVD_SWEEP_JOB_BIN: FAKE, FAKE_SVD_LOG: log, FAKE_SVD_MS: '60000' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const jobsFile = await waitFor(() => {
    const sweeps = path.join(dir, 'fake');
    const [stamp] = fs.existsSync(sweeps) ? fs.readdirSync(sweeps) : [];
    const f = stamp ? path.join(sweeps, stamp, 'jobs.jsonl') : '';
    return f && fs.existsSync(f) && readJsonl<Job>(f).filter((j) => j.status === 'running' && j.runDir === null).length === 2
      && fs.existsSync(log) === false && findRunDirs(path.dirname(f)) === 2 ? f : null;
  });
  child.kill('SIGINT');
  assert.equal(await exited, 130);
  const sweepDir = path.dirname(jobsFile);
  assert.equal(lastLine(stdout), sweepDir);
  const jobs = readJsonl<Job>(jobsFile);
  assert.deepEqual(jobs.map((j) => j.status), ['interrupted', 'interrupted', 'pending']);
  assert.ok(jobs[0].runDir && jobs[1].runDir);
  assert.equal(readJsonFile<{ status: string }>(path.join(sweepDir, jobs[0].runDir, 'summary.json')).status, 'interrupted');
  assert.ok(readJsonl<FakeRecord>(log).every((rec) => rec.killed), 'the running jobs were ended');
  assert.equal(fs.existsSync(path.join(sweepDir, 'sweep.lock')), false);

  const r = svdFake(['sweep', '--resume', sweepDir], { FAKE_SVD_LOG: log, FAKE_SVD_MS: '10' });
  assert.equal(r.status, 0, r.stderr);
  const rerun = readJsonl<FakeRecord>(log).slice(2);
  assert.deepEqual(rerun.map((rec) => rec.command).sort(), ['resume', 'resume', 'run']);
  assert.ok(rerun.every((rec) => rec.device === '5' || rec.device === '7'), 'the resume keeps the devices the sweep started with');
  const after = readJsonl<Job>(jobsFile);
  assert.deepEqual(after.map((j) => j.status), ['completed', 'completed', 'completed']);
  assert.deepEqual([after[0].runDir, after[1].runDir], [jobs[0].runDir, jobs[1].runDir], 'interrupted runs continue in their directories');
});

/** The number of run directories under a sweep's jobs/ folder. */
function findRunDirs(sweepDir: string): number {
  const jobs = path.join(sweepDir, 'jobs');
  if (!fs.existsSync(jobs)) return 0;
  return fs.readdirSync(jobs).filter((j) => fs.existsSync(path.join(jobs, j, 'fake'))).length;
}
