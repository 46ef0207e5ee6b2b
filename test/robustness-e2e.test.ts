/**
 * Runs that survive, end to end with the real `svd` binary on a small generated MNIST folder:
 * - SIGKILL at random moments (seeded; the seed is printed, SVD_KILL_SEED=N replays it), each
 *   time resumed with `svd resume`: the finished run's metrics, summary and final weights equal
 *   an uninterrupted run's bit for bit.
 * - SIGINT and then SIGTERM in the middle of epochs: exit 130 / 143, status interrupted, a
 *   mid-epoch checkpoint; resuming from it gives the uninterrupted run's numbers exactly.
 * - A diverging run (lr x 1e30 from epoch 2): exit 1, the error names epoch, step and layers,
 *   summary.json says failed, the epoch-1 checkpoint stays and is finite.
 * - A full disk (a real tmpfs of a few MB, when this machine lets us mount one): the checkpoint
 *   that does not fit fails with ENOSPC and exit 1, the previous one stays usable; a disk full
 *   from the start fails before training and leaves no run directory.
 * - Many run directories created at once from several processes never collide.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lastLine, readJsonFile, readJsonl, svd, svdAsync, tempDir, waitFor, ROOT } from './helpers/cli.js';
import { writeMnistFolder } from './helpers/idx-files.js';
import { readCheckpoint } from '../src/store/checkpoint.js';

const EPOCHS = 5;
let mnist: string;
/** The uninterrupted reference run. */
let reference: { dir: string; metrics: string[]; summary: Record<string, unknown>; weights: Buffer };
/** How long the reference run trained, in ms (its summary's seconds). */
let trainingMs: number;

const args = (runs: string, ...sets: string[]) => ['run', 'configs/quickstart.yaml', '--set', `data.root=${mnist}`, '--set', `training.epochs=${EPOCHS}`, ...sets.flatMap((s) => ['--set', s]), '--runs-dir', runs];

/** metrics.jsonl lines without the wall-clock `seconds`, as JSON text (exact number formatting). */
function metricsOf(dir: string): string[] {
  return readJsonl<Record<string, unknown>>(path.join(dir, 'metrics.jsonl')).map(({ seconds: _s, ...rest }) => JSON.stringify(rest));
}
function summaryOf(dir: string): Record<string, unknown> {
  const { seconds: _s, ...rest } = readJsonFile<Record<string, unknown>>(path.join(dir, 'summary.json'));
  return rest;
}
function finalWeights(dir: string): Buffer {
  return fs.readFileSync(path.join(dir, 'checkpoints', `epoch-${String(EPOCHS).padStart(6, '0')}`, 'tensors.bin'));
}
function latest(dir: string): { epoch: number; step?: number } | null {
  try {
    return readJsonFile(path.join(dir, 'checkpoints', 'latest.json'));
  } catch {
    return null;
  }
}
/** The one run directory under `runs` once its summary.json exists (training is about to start). */
function runDirIn(runs: string): string | null {
  const parent = path.join(runs, 'quickstart');
  if (!fs.existsSync(parent)) return null;
  const dirs = fs.readdirSync(parent).map((d) => path.join(parent, d)).filter((d) => fs.existsSync(path.join(d, 'summary.json')));
  return dirs[0] ?? null;
}
const exitOf = (child: ChildProcess) => new Promise<number | null>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
  else child.once('exit', (code) => resolve(code));
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A small seeded generator (mulberry32) for the kill moments. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/** Resolves once log.jsonl holds `count` lines with message `msg`. */
async function logged(dir: string, msg: string, count: number): Promise<void> {
  await waitFor(() => fs.existsSync(path.join(dir, 'log.jsonl')) && readJsonl<{ msg: string }>(path.join(dir, 'log.jsonl')).filter((l) => l.msg === msg).length >= count, 60_000);
}

before(() => {
  mnist = path.join(tempDir('svd-robust-data-'), 'mnist');
  fs.mkdirSync(mnist);
  const split = (n: number, salt: number) => ({
    pixels: Array.from({ length: n * 784 }, (_, i) => (((i % 784) * (Math.floor(i / 784) % 10 + 1) * 13 + salt) ^ (i >> 9)) & 0xff),
    labels: Array.from({ length: n }, (_, i) => i % 10),
  });
  writeMnistFolder(mnist, split(1500, 3), split(300, 5));
  const r = svd(args(tempDir()));
  assert.equal(r.status, 0, r.stderr);
  const dir = lastLine(r.stdout);
  reference = { dir, metrics: metricsOf(dir), summary: summaryOf(dir), weights: finalWeights(dir) };
  trainingMs = readJsonFile<{ seconds: number }>(path.join(dir, 'summary.json')).seconds * 1000;
  assert.equal(reference.metrics.length, EPOCHS);
  assert.equal(reference.summary.status, 'completed');
});

/** Checks that the finished run in `dir` matches the reference exactly. */
function assertSameAsReference(dir: string, context: string): void {
  assert.deepEqual(metricsOf(dir), reference.metrics, `metrics differ (${context})`);
  assert.deepEqual(summaryOf(dir), reference.summary, `summary differs (${context})`);
  assert.ok(finalWeights(dir).equals(reference.weights), `final weights differ (${context})`);
}

test('SIGKILL at random moments, resumed each time: the same metrics as an uninterrupted run, bit for bit', async () => {
  const seed = Number(process.env.SVD_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`kill seed ${seed} (replay with SVD_KILL_SEED=${seed})`);
  const random = prng(seed);
  const runs = tempDir();
  let dir: string | null = null;
  const kills: string[] = [];
  // Kills are paced by the run's progress, not by the clock alone, so they land before the run
  // finishes on a fast machine as on a slow one: a kill "in training" waits for the checkpoint of
  // the epoch it aims at (1, 2, 3... as such kills go on), then a random part of one epoch's time
  // (the reference run's), so it lands in the next epoch or in the middle of its checkpoint; a kill
  // "while loading" (a resume, one time in four) lands in the first 800 ms after `svd resume` starts.
  const epochMs = trainingMs / EPOCHS;
  let trainingKills = 0;
  for (let k = 0; k < 3; k++) {
    const child = dir ? svdAsync(['resume', dir]) : svdAsync(args(runs));
    const exited = exitOf(child);
    if (!dir) dir = await waitFor(() => runDirIn(runs), 120_000);
    const runDir: string = dir;
    const whileLoading = k > 0 && random() < 0.25;
    let moment: string;
    if (whileLoading) {
      moment = 'while loading';
    } else {
      const target = trainingKills++;
      const reached: boolean | number | null = await Promise.race([waitFor(() => (latest(runDir)?.epoch ?? 0) >= target, 120_000), exited]);
      if (reached !== true) assert.fail(`seed ${seed}: the run ended (exit ${reached}) before its epoch-${target} checkpoint`);
      moment = target ? `in training after the epoch-${target} checkpoint` : 'in training, before any checkpoint';
    }
    const delay = Math.round(random() * (whileLoading ? 800 : epochMs));
    const code = await Promise.race([sleep(delay).then(() => undefined), exited]);
    if (code !== undefined) {
      assert.equal(code, 0, `seed ${seed}: the run ended early with exit ${code}`);
      break;
    }
    child.kill('SIGKILL');
    // A run that finished on its own just as the kill was sent exits 0 rather than by the signal.
    if ((await exited) === 0) break;
    kills.push(`${moment}, ${delay} ms on (latest checkpoint: epoch ${latest(dir)?.epoch ?? 'none'})`);
    assert.equal(readJsonFile<{ status: string }>(path.join(dir, 'summary.json')).status, 'running');
  }
  console.log(`killed ${kills.length} times: ${kills.join('; ')}`);
  assert.ok(kills.length >= 2, `seed ${seed}: only ${kills.length} kill(s) landed before the run finished`);
  // One more kill aimed at the middle of a checkpoint write: the moment its temporary directory appears.
  const ckpts = path.join(dir!, 'checkpoints');
  const child = svdAsync(['resume', dir!]);
  const exited = exitOf(child);
  const watcher = fs.watch(ckpts, (_event, name) => {
    if (name?.startsWith('.tmp-epoch-')) child.kill('SIGKILL');
  });
  const code = await exited;
  watcher.close();
  const leftovers = fs.readdirSync(ckpts).filter((n) => n.startsWith('.tmp-'));
  console.log(`kill during a checkpoint write: exit ${code}, left ${leftovers.length ? leftovers.join(', ') : 'nothing'} behind, latest ${JSON.stringify(latest(dir!))}`);
  const r = svd(['resume', dir!]);
  assert.equal(r.status, 0, `seed ${seed}: ${r.stderr}`);
  assertSameAsReference(dir!, `seed ${seed}, kills ${kills.join('; ')}`);
  assert.deepEqual(fs.readdirSync(path.join(dir!, 'checkpoints')).filter((n) => n.startsWith('.')), [], 'no temporary leftovers');
});

test('SIGINT, then SIGTERM, in the middle of epochs: mid-epoch checkpoints, exit 130 / 143, and resuming matches the uninterrupted run', async () => {
  const seed = Number(process.env.SVD_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = prng(seed + 1);
  const runs = tempDir();
  const child = svdAsync(args(runs));
  const exited = exitOf(child);
  const dir = await waitFor(() => runDirIn(runs), 120_000);
  // Each signal lands within 30% of the reference run's training time (and 1.7 s), so both land
  // before the run ends, on a fast machine as on a slow one.
  const moment = () => Math.round(200 + random() * Math.min(1500, 0.3 * trainingMs));
  await sleep(moment());
  child.kill('SIGINT');
  assert.equal(await exited, 130, `seed ${seed}`);
  const first = latest(dir);
  assert.ok(first?.step, `a mid-epoch checkpoint after SIGINT: ${JSON.stringify(first)}`);
  assert.equal(readJsonFile<{ status: string }>(path.join(dir, 'summary.json')).status, 'interrupted');

  const resumed = svdAsync(['resume', dir]);
  const resumedExit = exitOf(resumed);
  await logged(dir, 'resumed', 1);
  await sleep(moment());
  resumed.kill('SIGTERM');
  assert.equal(await resumedExit, 143, `seed ${seed}`);
  const second = latest(dir);
  assert.ok(second?.step, `a mid-epoch checkpoint after SIGTERM: ${JSON.stringify(second)}`);
  assert.ok(second.epoch * 1000 + second.step > first.epoch * 1000 + first.step!, 'training went on between the signals');
  console.log(`SIGINT at epoch ${first.epoch + 1} step ${first.step}, SIGTERM at epoch ${second.epoch + 1} step ${second.step}`);

  const r = svd(['resume', dir]);
  assert.equal(r.status, 0, r.stderr);
  assertSameAsReference(dir, `seed ${seed}`);
  const env = readJsonFile<{ resumes: Array<{ fromEpoch: number; fromStep?: number }> }>(path.join(dir, 'env.json'));
  assert.deepEqual(env.resumes.map((x) => [x.fromEpoch, x.fromStep]), [[first.epoch, first.step], [second.epoch, second.step]]);
});

test('a run killed before its first checkpoint starts over on resume, without duplicate metric lines', () => {
  // What a SIGKILL between epoch 1's metrics line and its checkpoint leaves: metrics, no
  // checkpoint, a summary that says running.
  const dir = path.join(tempDir(), 'run');
  fs.cpSync(reference.dir, dir, { recursive: true });
  fs.rmSync(path.join(dir, 'checkpoints'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'checkpoints'));
  const summary = readJsonFile<Record<string, unknown>>(path.join(dir, 'summary.json'));
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ ...summary, status: 'running', epochs: 0 }));
  const lines = fs.readFileSync(path.join(reference.dir, 'metrics.jsonl'), 'utf8').split('\n');
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), `${lines[0]}\n${lines[1].slice(0, 40)}`); // and a torn second line
  const r = svd(['resume', dir]);
  assert.equal(r.status, 0, r.stderr);
  assertSameAsReference(dir, 'resumed from scratch');
});

test('resuming a completed run changes nothing; one killed after its last checkpoint completes with its last metrics in the summary', () => {
  const dir = path.join(tempDir(), 'run');
  fs.cpSync(reference.dir, dir, { recursive: true });
  const snapshot = () => Object.fromEntries(fs.readdirSync(dir).filter((f) => f.endsWith('.json') || f.endsWith('.jsonl')).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  const before = snapshot();
  const done = svd(['resume', dir]);
  assert.equal(done.status, 0, done.stderr);
  assert.match(done.stderr, new RegExp(`run .*run has already completed its ${EPOCHS} epochs; nothing to do`));
  assert.equal(lastLine(done.stdout), dir);
  assert.deepEqual(snapshot(), before, 'no file was touched');

  // Killed between the last checkpoint and the final summary: the summary still says running.
  const summary = readJsonFile<Record<string, unknown>>(path.join(dir, 'summary.json'));
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ ...summary, status: 'running', testError: null, testAccuracy: null }));
  const r = svd(['resume', dir]);
  assert.equal(r.status, 0, r.stderr);
  assertSameAsReference(dir, 'resumed after the last checkpoint');
});

test('a diverging run stops with the epoch, step and layer; summary failed; the last good checkpoint stays', () => {
  const runs = tempDir();
  const r = svd(args(runs, 'training.epochs=3', 'optimizer.schedule={type: step, every: 1, gamma: 1e30}'));
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /training diverged in epoch 2, step \d+ of 15: the loss is not finite \(NaN or infinite\); non-finite values in layer fc1 \(theta/);
  assert.match(r.stderr, /the last good checkpoint .*epoch-000001 is intact/);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  const dir = runDirIn(runs)!;
  const summary = readJsonFile<{ status: string; error: { code: string; message: string } }>(path.join(dir, 'summary.json'));
  assert.equal(summary.status, 'failed');
  assert.equal(summary.error.code, 'E_TRAIN');
  assert.match(summary.error.message, /^training diverged in epoch 2, step \d+/);
  assert.deepEqual(readJsonl<{ epoch: number }>(path.join(dir, 'metrics.jsonl')).map((m) => m.epoch), [1]);
  assert.deepEqual(latest(dir), { epoch: 1, dir: 'epoch-000001' });
  assert.equal(readCheckpoint(path.join(dir, 'checkpoints', 'epoch-000001')).epoch, 1, 'the epoch-1 checkpoint reads back (all values finite)');
});

/** Mounts a tmpfs of `size` at a new folder; null when this machine does not allow it. */
function mountTmpfs(size: string): string | null {
  const at = tempDir('svd-tmpfs-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { encoding: 'utf8' });
  return r.status === 0 ? at : null;
}
function unmount(at: string): void {
  spawnSync('umount', [at]);
}

test('disk full at a checkpoint: ENOSPC, exit 1, summary failed, the previous checkpoint stays usable', (t) => {
  // A 10 MB filesystem: the run files and one checkpoint (6.4 MB) fit, a second one does not.
  const at = mountTmpfs('10m');
  if (!at) return t.skip('cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)');
  try {
    const r = svd(args(at, 'training.epochs=3'));
    assert.equal(r.status, 1, r.stderr);
    const dir = runDirIn(at)!;
    const ckpts = path.join(dir, 'checkpoints');
    assert.match(r.stderr, new RegExp(`cannot write checkpoint ${ckpts}/epoch-000002: ENOSPC: no space left on device.*the previous checkpoint epoch-000001 is intact`));
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    const summary = readJsonFile<{ status: string; error: { code: string } }>(path.join(dir, 'summary.json'));
    assert.deepEqual([summary.status, summary.error.code], ['failed', 'E_CHECKPOINT']);
    assert.deepEqual(fs.readdirSync(ckpts).sort(), ['epoch-000001', 'latest.json'], 'no half-written checkpoint is left');
    assert.equal(readCheckpoint(path.join(ckpts, 'epoch-000001')).epoch, 1);
    const ev = svd(['eval', dir, '--json']);
    assert.equal(ev.status, 0, ev.stderr);
    assert.equal((JSON.parse(ev.stdout) as { epoch: number }).epoch, 1);
  } finally {
    unmount(at);
  }
});

test('disk full before the run starts: a clear error, exit 1, no run directory left', (t) => {
  const at = mountTmpfs('256k');
  if (!at) return t.skip('cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)');
  try {
    spawnSync('dd', ['if=/dev/zero', `of=${path.join(at, 'filler')}`, 'bs=4k'], { encoding: 'utf8' });
    const r = svd(args(path.join(at, 'runs')));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /cannot lock run .*: ENOSPC: no space left on device/); // the lock is the first file written
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    const parent = path.join(at, 'runs', 'quickstart');
    assert.deepEqual(fs.existsSync(parent) ? fs.readdirSync(parent) : [], [], 'no partial run directory');
  } finally {
    unmount(at);
  }
});

test('run directories created at once by many processes never collide', async () => {
  const runs = tempDir();
  const script = `import { createRunDir } from ${JSON.stringify(path.join(ROOT, 'dist/src/store/run-dir.js'))};
    const out = []; for (let i = 0; i < 10; i++) out.push(createRunDir(process.argv[1], 'same').dir); console.log(JSON.stringify(out));`;
  const children = Array.from({ length: 6 }, () => spawn(process.execPath, ['--input-type=module', '-e', script, runs], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const outputs = await Promise.all(children.map((c) => new Promise<string[]>((resolve) => {
    let text = '';
    c.stdout!.on('data', (d) => (text += d));
    c.once('exit', () => resolve(JSON.parse(text) as string[]));
  })));
  const dirs = outputs.flat();
  assert.equal(dirs.length, 60);
  assert.equal(new Set(dirs).size, 60, 'every run got its own directory');
  assert.equal(fs.readdirSync(path.join(runs, 'same')).length, 60);
});
