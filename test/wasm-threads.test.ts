/**
 * The threaded-SIMD wasm backend under Node (src/kernels/wasm-threads.ts), opted into with
 * SVD_XNNPACK_THREADS: it starts with the requested pool (even on a 2-CPU machine, where the
 * C++ side would otherwise cap it at one), computes what the single-threaded build computes,
 * and the process still exits by itself. Each case runs in a child process, since the wasm
 * backend is set up once per process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const backendModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/backends/select.js');

const SCRIPT = `
import * as tf from '@tensorflow/tfjs';
const { selectBackend } = await import(${JSON.stringify(backendModule)});
const info = await selectBackend('wasm');
const x = tf.randomNormal([8, 12, 12, 6], 0, 1, 'float32', 1);
const w = tf.randomNormal([5, 5, 6, 10], 0, 1, 'float32', 2);
const a = tf.randomNormal([40, 70], 0, 1, 'float32', 3);
const b = tf.randomNormal([70, 30], 0, 1, 'float32', 4);
const conv = Array.from(tf.conv2d(x, w, 1, 'valid').dataSync());
const filterGrad = Array.from(tf.grad((f) => tf.sum(tf.conv2d(x, f, 1, 'valid')))(w).dataSync());
const matMul = Array.from(tf.matMul(a, b).dataSync());
console.log(JSON.stringify({ info, conv, filterGrad, matMul }));
`;

interface Outcome {
  info: { threads: boolean; threadsCount: number };
  conv: number[];
  filterGrad: number[];
  matMul: number[];
}

function runWith(threads: string): Outcome {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    cwd: path.resolve(path.dirname(backendModule), '../..'),
    env: { ...process.env, SVD_XNNPACK_THREADS: threads },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `child (SVD_XNNPACK_THREADS=${threads}) failed or hung: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Outcome;
}

function assertClose(a: number[], b: number[], what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

test('SVD_XNNPACK_THREADS=2 runs the threaded build on 2 threads, with the single-threaded results, and exits', () => {
  const one = runWith('1');
  const two = runWith('2');
  assert.deepEqual(one.info.threads, false);
  assert.equal(one.info.threadsCount, 1);
  assert.equal(two.info.threads, true);
  assert.equal(two.info.threadsCount, 2);
  assertClose(two.conv, one.conv, 'conv2d');
  assertClose(two.filterGrad, one.filterGrad, 'conv2d filter gradient');
  assertClose(two.matMul, one.matMul, 'matMul');
});
