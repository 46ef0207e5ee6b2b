/**
 * The slurm executor against a real one-node Slurm cluster (test/helpers/slurm.ts: slurmctld,
 * slurmd and munged started for this file, MaxArraySize 3) with the real `svd run`: a 4-job sweep
 * two at a time (two arrays) gives the local executor's metrics job for job; `--detach`, then a
 * task requeued by Slurm (preemption: SIGTERM) and one told its time limit is near (SIGUSR2),
 * both resuming from their checkpoints to an uninterrupted run's metrics, followed with
 * `--status` to the end; Ctrl-C on a waiting sweep cancels its array and `--resume` finishes it;
 * a bad executor key and a node that cannot see the sweep directory are clear errors.
 * Skipped only where Slurm cannot run here; under CI=true that fails instead.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lastLine, readJsonl, ROOT, svd, svdAsync, tempDir } from './helpers/cli.js';
import { startSlurmCluster } from './helpers/slurm.js';
import { batchScript } from '../src/sweep/executors/slurm/script.js';
import { squeue } from '../src/sweep/executors/slurm/commands.js';

let unavailable: string | null = null;
before(() => {
  unavailable = startSlurmCluster();
});

interface Job { index: number; status: string; runDir: string | null; executorId?: string; overrides: Record<string, unknown> }

const QUICK = 'data.trainLimit: 500, data.testLimit: 200, training.epochs: 1, training.workers: 1';
const LONGER = 'data.trainLimit: 3000, data.testLimit: 200, training.epochs: 4, training.workers: 1';

/** A sweep file in `dir` over quickstart.yaml with the given `set` and `body`. */
function writeSweep(dir: string, name: string, set: string, body: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, `name: ${name}\nbase: ${path.join(ROOT, 'configs', 'quickstart.yaml')}\nset: { ${set} }\n${body}`);
  return file;
}

/** The jobs of a sweep directory. */
const jobsOf = (sweepDir: string) => readJsonl<Job>(path.join(sweepDir, 'jobs.jsonl'));

/** A run's metrics without wall-clock times. */
function metricsOf(runDir: string): unknown[] {
  return readJsonl(path.join(runDir, 'metrics.jsonl')).map(({ seconds: _s, ...rest }) => rest);
}

/** Every job's metrics, by job index. */
const sweepMetrics = (sweepDir: string) => jobsOf(sweepDir).map((job) => metricsOf(path.join(sweepDir, job.runDir!)));


/** Waits until `check` is true (polling), failing after `seconds`. */
async function waitFor(what: string, check: () => boolean, seconds = 120): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** True once the job's run has `epochs` lines of metrics. */
function hasEpochs(sweepDir: string, index: number, epochs: number): boolean {
  const jobDir = path.join(sweepDir, 'jobs', String(index).padStart(3, '0'), 'quickstart');
  if (!fs.existsSync(jobDir)) return false;
  return fs.readdirSync(jobDir).some((run) => {
    const file = path.join(jobDir, run, 'metrics.jsonl');
    return fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).length >= epochs;
  });
}

test('a 4-job Slurm sweep two at a time completes with the local executor\'s metrics, job for job', (t) => {
  if (unavailable) return t.skip(unavailable);
  const dir = tempDir('svd-slurm-');
  const file = writeSweep(dir, 'four', QUICK, 'grid:\n  seed: [0, 1]\n  sparsity.threshold: [-2, 3]\nexecutor:\n  type: slurm\n  array_parallelism: 2\n  poll_interval_s: 0.5\n');
  const slurm = svd(['sweep', file, '--runs-dir', path.join(dir, 'slurm')]);
  assert.equal(slurm.status, 0, slurm.stderr);
  assert.match(slurm.stdout, /4 job\(s\): 4 completed/);
  const sweepDir = lastLine(slurm.stdout);
  const local = svd(['sweep', file, '--executor', 'local', '--jobs', '2', '--runs-dir', path.join(dir, 'local')]);
  assert.equal(local.status, 0, local.stderr);
  assert.deepEqual(sweepMetrics(sweepDir), sweepMetrics(lastLine(local.stdout)));

  // MaxArraySize 3: two arrays, each at most 2 tasks at once; the scripts are kept
  const scripts = ['array-0.sbatch', 'array-1.sbatch'].map((name) => fs.readFileSync(path.join(sweepDir, 'slurm', name), 'utf8'));
  assert.match(scripts[0]!, /^#SBATCH --array=0-2%2$/m);
  assert.match(scripts[1]!, /^#SBATCH --array=0-0%2$/m);
  assert.match(scripts[0]!, /^#SBATCH --signal=B:USR2@90$/m);
  const jobs = jobsOf(sweepDir);
  assert.ok(jobs.every((job) => /^\d+_\d$/.test(job.executorId ?? '')), JSON.stringify(jobs));
  assert.equal(new Set(jobs.map((job) => job.executorId!.split('_')[0])).size, 2);
  for (const job of jobs) {
    const log = fs.readFileSync(path.join(sweepDir, 'jobs', String(job.index).padStart(3, '0'), 'job.log'), 'utf8');
    assert.match(log, /^\$ svd run .*--runs-dir .*jobs[/\\]00\d {2}\(SVD_WASM_THREADS=1\)$/m);
    assert.match(log, /epoch 1\/1 /);
  }
  // the sweep directory reads like a local one
  const ls = svd(['ls', sweepDir, '--json']);
  assert.equal(ls.status, 0, ls.stderr);
  assert.equal((JSON.parse(ls.stdout) as unknown[]).length, 4);
  const diff = svd(['diff', sweepDir]);
  assert.equal(diff.status, 0, diff.stderr);
  assert.match(diff.stdout, /job 3: seed=1 sparsity\.threshold=3/);
  const report = svd(['report', sweepDir]);
  assert.equal(report.status, 0, report.stderr);
  assert.match(report.stdout, /4 job\(s\), 4 plotted/);
});

test('--detach, preemption (SIGTERM, requeued by Slurm) and a near time limit (SIGUSR2, requeued by the task) resume from checkpoints; --status follows to the end', async (t) => {
  if (unavailable) return t.skip(unavailable);
  const dir = tempDir('svd-slurm-requeue-');
  const file = writeSweep(dir, 'requeue', LONGER, 'runs:\n  - { seed: 7 }\n  - { seed: 8 }\nexecutor: { type: slurm, poll_interval_s: 0.5, max_requeues: 2 }\n');
  const detached = svd(['sweep', file, '--detach', '--runs-dir', path.join(dir, 'slurm')]);
  assert.equal(detached.status, 0, detached.stderr);
  assert.match(detached.stderr, /submitted 2 job\(s\) to slurm; see how they stand with: svd sweep --status /);
  const sweepDir = lastLine(detached.stdout);
  const [preempted, timedOut] = jobsOf(sweepDir).map((job) => job.executorId!);
  assert.ok(preempted && timedOut);

  const early = svd(['sweep', '--status', sweepDir]);
  assert.equal(early.status, 0, early.stderr);
  assert.match(early.stdout, /2 job\(s\) still queued or running/);

  await waitFor('both tasks past their first epoch', () => hasEpochs(sweepDir, 0, 1) && hasEpochs(sweepDir, 1, 1));
  assert.equal(spawnSync('scontrol', ['requeue', preempted]).status, 0);
  assert.equal(spawnSync('scancel', ['--batch', '--signal=USR2', timedOut]).status, 0);

  const resumedToo = svd(['sweep', '--resume', sweepDir]);
  assert.equal(resumedToo.status, 2, 'a resume while jobs are queued is refused');
  assert.match(resumedToo.stderr, /still queued or running; wait for them/);

  let status = '';
  await waitFor('the sweep to end', () => {
    const r = svd(['sweep', '--status', sweepDir]);
    assert.equal(r.status, 0, r.stderr);
    status = r.stdout;
    return /no job is running/.test(status);
  }, 240);
  assert.match(status, /2 job\(s\): 2 completed/);
  assert.ok(fs.existsSync(path.join(sweepDir, 'summary.md')));

  const logs = [0, 1].map((i) => fs.readFileSync(path.join(sweepDir, 'jobs', `00${i}`, 'job.log'), 'utf8'));
  assert.match(logs[0]!, /SIGTERM: stopping the run at a checkpoint/);
  assert.match(logs[1]!, /SIGUSR2 \(time limit near\): stopping the run at a checkpoint/);
  assert.match(logs[1]!, /requeued \(restart 1 of at most 2\)/);
  for (const log of logs) assert.match(log, /^\$ svd resume /m, 'the second start resumes the run');

  // both end with an uninterrupted run's metrics
  const uninterrupted = svd(['sweep', file, '--executor', 'local', '--jobs', '2', '--runs-dir', path.join(dir, 'local')]);
  assert.equal(uninterrupted.status, 0, uninterrupted.stderr);
  assert.deepEqual(sweepMetrics(sweepDir), sweepMetrics(lastLine(uninterrupted.stdout)));
});

test('Ctrl-C on a waiting Slurm sweep cancels its array; --resume finishes the jobs', async (t) => {
  if (unavailable) return t.skip(unavailable);
  const dir = tempDir('svd-slurm-cancel-');
  const file = writeSweep(dir, 'cancel', LONGER, 'runs:\n  - { seed: 3 }\n  - { seed: 4 }\n  - { seed: 5 }\nexecutor: { type: slurm, array_parallelism: 1, poll_interval_s: 0.5 }\n');
  const child = svdAsync(['sweep', file, '--runs-dir', dir]);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor('the first task past its first epoch', () => {
    const sweeps = path.join(dir, 'cancel');
    return fs.existsSync(sweeps) && fs.readdirSync(sweeps).some((d) => hasEpochs(path.join(sweeps, d), 0, 1));
  });
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /cancelled Slurm job\(s\) \d+; running tasks stop at a checkpoint/);
  const sweepDir = lastLine(stdout);
  const jobs = jobsOf(sweepDir);
  assert.deepEqual(jobs.map((j) => j.status), ['interrupted', 'interrupted', 'interrupted'], JSON.stringify(jobs));
  const live = [...squeue([...new Set(jobs.map((j) => j.executorId!.split('_')[0]!))])].filter(([id, state]) => jobs.some((j) => j.executorId === id) && !['CANCELLED', 'COMPLETED', 'FAILED'].includes(state));
  assert.deepEqual(live, [], 'no task of the sweep is left queued or running');
  assert.match(fs.readFileSync(path.join(sweepDir, 'jobs', '000', 'job.log'), 'utf8'), /stopping the run at a checkpoint/);

  const resumed = svd(['sweep', '--resume', sweepDir]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /3 job\(s\): 3 completed/);
  assert.match(fs.readFileSync(path.join(sweepDir, 'jobs', '000', 'job.log'), 'utf8'), /^\$ svd resume /m);
});

test('a failing Slurm task does not stop the others; its stderr tail is in the summary', (t) => {
  if (unavailable) return t.skip(unavailable);
  const dir = tempDir('svd-slurm-fail-');
  const broken = path.join(dir, 'broken-mnist');
  fs.mkdirSync(broken);
  fs.writeFileSync(path.join(broken, 'train-images-idx3-ubyte'), '');
  const file = writeSweep(dir, 'fails', QUICK, `runs:\n  - { seed: 0, data.root: ${JSON.stringify(broken)} }\n  - { seed: 1 }\nexecutor: { type: slurm, poll_interval_s: 0.5 }\n`);
  const r = svd(['sweep', file, '--runs-dir', dir]);
  assert.equal(r.status, 1, r.stderr);
  const sweepDir = lastLine(r.stdout);
  assert.deepEqual(jobsOf(sweepDir).map((j) => j.status), ['failed', 'completed']);
  assert.match(fs.readFileSync(path.join(sweepDir, 'summary.md'), 'utf8'), /train-images-idx3-ubyte/);
  assert.match(r.stderr, /1 job\(s\) failed; rerun them with: svd sweep --resume /);
});

test('a bad slurm key is exit 2 with file:line:col, before anything is submitted; --detach needs a queue; devices are Slurm\'s to give', () => {
  const dir = tempDir('svd-slurm-bad-');
  const file = writeSweep(dir, 'bad', QUICK, 'runs:\n  - { seed: 0 }\nexecutor:\n  type: slurm\n  partiton: gpu\n');
  const r = svd(['sweep', file, '--runs-dir', dir]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8:3: executor\\.partiton: unknown key 'partiton'; allowed: type, partition, `));
  assert.ok(!fs.existsSync(path.join(dir, 'bad')), 'nothing written');
  const local = writeSweep(dir, 'local', QUICK, 'runs:\n  - { seed: 0 }\n');
  const detach = svd(['sweep', local, '--detach', '--runs-dir', dir]);
  assert.equal(detach.status, 2, detach.stderr);
  assert.match(detach.stderr, /--detach needs an executor that queues its jobs \(slurm\)/);
  assert.ok(!fs.existsSync(path.join(dir, 'local')), 'nothing written');
  const gpus = writeSweep(dir, 'gpus', QUICK, 'runs:\n  - { seed: 0 }\ndevices: [0, 1]\nexecutor: { type: slurm }\n');
  const pinned = svd(['sweep', gpus, '--runs-dir', dir]);
  assert.equal(pinned.status, 2, pinned.stderr);
  assert.match(pinned.stderr, /cannot be used with the slurm executor: the scheduler gives each job its devices \(for slurm: gpus_per_task\)/);
  assert.ok(!fs.existsSync(path.join(dir, 'gpus')), 'nothing written');
});

test('a task on a node that cannot see the sweep directory fails saying so', () => {
  const dir = tempDir('svd-slurm-script-');
  const missing = path.join(dir, 'not-shared', 'sweep');
  const script = path.join(dir, 'task.sbatch');
  fs.writeFileSync(script, batchScript({}, { name: 'x', sweepDir: missing, arrayFile: path.join(missing, 'slurm', 'array-0.json'), output: '/dev/null', tasks: 1, cpus: 1 }));
  const r = spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '0' } });
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`cannot see the sweep directory ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: every node that runs a task must see it`));
});
