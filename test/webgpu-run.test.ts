/**
 * Runs on webgpu through the CLI, as a user starts them (on lavapipe here: test/helpers/webgpu.ts):
 * - a short LeNet-5-Caffe run completes: evaluation, metrics, checkpoints, snapshots, the
 *   adapter in env.json, and the same tensor count after every epoch (no leak);
 * - a diverging run is stopped by the NaN guard on webgpu, the last good checkpoint intact;
 * - a run started on webgpu, stopped, resumed on wasm, stopped again and finished on webgpu,
 *   env.json's `resumes` naming each backend.
 * Every read in these paths is asynchronous: a synchronous read fails on webgpu in Node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { ROOT, lastLine, readJsonFile, readJsonl, svd, svdAsync, tempDir, waitFor } from './helpers/cli.js';
import { webgpuUnavailable } from './helpers/webgpu.js';

const why = await webgpuUnavailable();
const skip = why ?? false;
/** Sizes that keep a lavapipe epoch short: 1 step of 100, 100 test images. */
const SMALL = ['data.trainLimit=100', 'data.testLimit=100', 'training.snapshotEvery=1'];
const LENET5 = path.join(ROOT, 'configs', 'lenet5-mnist.yaml');
const TIMEOUT = 600_000;

function runArgs(runs: string, backend: string, ...sets: string[]): string[] {
  return ['run', LENET5, '--backend', backend, ...[...SMALL, ...sets].flatMap((s) => ['--set', s]), '--runs-dir', runs];
}

/** The one run directory under `runs` once it exists. */
function runDirIn(runs: string): string | null {
  const named = path.join(runs, 'lenet5-mnist');
  if (!fs.existsSync(named)) return null;
  const [dir] = fs.readdirSync(named);
  return dir ? path.join(named, dir) : null;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Starts `args`, waits for checkpoint `epoch` of the run in `runs`, then stops it with SIGTERM (a graceful stop). */
async function stopAfterCheckpoint(args: string[], runs: string, epoch: number): Promise<void> {
  const child = svdAsync(args);
  const exited = exitOf(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const dir = await waitFor(() => runDirIn(runs), TIMEOUT);
  await waitFor(() => fs.existsSync(path.join(dir, 'checkpoints', `epoch-${String(epoch).padStart(6, '0')}`)), TIMEOUT);
  child.kill('SIGTERM');
  const code = await exited;
  assert.ok(code === 143 || code === 0, `stopped after epoch ${epoch}: exit ${code}\n${stderr}`);
}

test('a short LeNet-5 run on webgpu: evaluation, checkpoints, snapshots, the adapter in env.json, no tensor leaked per epoch', { skip }, () => {
  const runs = tempDir();
  const r = svd(runArgs(runs, 'webgpu', 'training.epochs=2'), TIMEOUT);
  assert.equal(r.status, 0, r.stderr);
  const dir = lastLine(r.stdout);
  const metrics = readJsonl<{ epoch: number; testError: number; trainLoss: number }>(path.join(dir, 'metrics.jsonl'));
  assert.deepEqual(metrics.map((m) => m.epoch), [1, 2]);
  for (const m of metrics) assert.ok(m.testError >= 0 && m.testError < 1 && Number.isFinite(m.trainLoss), JSON.stringify(m));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'checkpoints')).filter((n) => n.startsWith('epoch-')).sort(), ['epoch-000001', 'epoch-000002']);
  assert.ok(fs.readdirSync(path.join(dir, 'snapshots')).length >= 3, 'snapshots of epochs 0 to 2');
  const env = readJsonFile<{ backend: { name: string; adapter?: { description: string; software: boolean } }; versions: Record<string, string> }>(path.join(dir, 'env.json'));
  assert.equal(env.backend.name, 'webgpu');
  assert.ok(env.backend.adapter && env.backend.adapter.description.length > 0, JSON.stringify(env.backend));
  assert.match(env.versions.webgpu ?? '', /^\d+\.\d+\.\d+/);
  assert.match(env.versions['tfjs-backend-webgpu'] ?? '', /^\d+\.\d+\.\d+/);
  const tensors = readJsonl<{ msg: string; tensors?: number }>(path.join(dir, 'log.jsonl')).filter((l) => l.msg === 'epoch').map((l) => l.tensors);
  assert.equal(tensors.length, 2);
  assert.deepEqual(new Set(tensors).size, 1, `tensors after each epoch: ${tensors.join(', ')}`);
  assert.equal(readJsonFile<{ status: string }>(path.join(dir, 'summary.json')).status, 'completed');
});

test('the NaN guard stops a diverging run on webgpu; the last good checkpoint stays', { skip }, () => {
  const runs = tempDir();
  const r = svd(runArgs(runs, 'webgpu', 'training.epochs=3', 'optimizer.schedule={type: step, every: 1, gamma: 1e30}'), TIMEOUT);
  assert.equal(r.status, 1, r.stderr);
  // lr 1e27 from epoch 2 on: with one step per epoch, the loss of epoch 2's step is still finite
  // (computed before its update) and the weights may still be (Adam's step is about lr), so the
  // guard stops epoch 2 or 3.
  const diverged = /training diverged in epoch ([23]), step 1 of 1: /.exec(r.stderr);
  assert.ok(diverged, r.stderr);
  const epoch = Number(diverged[1]);
  assert.match(r.stderr, new RegExp(`the last good checkpoint .*epoch-00000${epoch - 1} is intact`));
  const dir = runDirIn(runs)!;
  assert.equal(readJsonFile<{ status: string }>(path.join(dir, 'summary.json')).status, 'failed');
  assert.deepEqual(readJsonl<{ epoch: number }>(path.join(dir, 'metrics.jsonl')).map((m) => m.epoch), Array.from({ length: epoch - 1 }, (_, i) => i + 1));
});

test('a webgpu checkpoint resumes on wasm, and a wasm one on webgpu; env.json records each backend', { skip }, async () => {
  const runs = tempDir();
  // 6 epochs: the wasm leg is fast, and the signal must reach it while it still trains (after its
  // last epoch it stops listening, and a late SIGTERM just ends the process)
  await stopAfterCheckpoint(runArgs(runs, 'webgpu', 'training.epochs=6', 'data.trainLimit=200'), runs, 1);
  const dir = runDirIn(runs)!;
  await stopAfterCheckpoint(['resume', dir, '--backend', 'wasm'], runs, 2);
  const r = svd(['resume', dir, '--backend', 'webgpu'], TIMEOUT);
  assert.equal(r.status, 0, r.stderr);
  const env = readJsonFile<{ backend: { name: string }; resumes: Array<{ backend: { name: string }; fromEpoch: number }> }>(path.join(dir, 'env.json'));
  assert.equal(env.backend.name, 'webgpu');
  assert.deepEqual(env.resumes.map((x) => x.backend.name), ['wasm', 'webgpu']);
  assert.ok(env.resumes[0].fromEpoch >= 1 && env.resumes[1].fromEpoch >= 2, JSON.stringify(env.resumes));
  const metrics = readJsonl<{ epoch: number; testError: number }>(path.join(dir, 'metrics.jsonl'));
  assert.deepEqual(metrics.map((m) => m.epoch), [1, 2, 3, 4, 5, 6]);
  assert.ok(metrics.every((m) => Number.isFinite(m.testError)));
  assert.equal(readJsonFile<{ status: string }>(path.join(dir, 'summary.json')).status, 'completed');
});
