/**
 * selectBackend: auto falls back to wasm where no native package is installed and says
 * why, explicit cpu/wasm work (repeatedly), an unavailable explicit 'tensorflow' is an
 * E_BACKEND error, the cpu backend's Node.js notice is not printed, and a config that asks a
 * backend for what it cannot do (worker threads) fails before anything is written; `auto` never
 * takes a software WebGPU adapter (lavapipe here), which `--backend webgpu` does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectBackend } from '../src/backends/select.js';
import { BACKENDS } from '../src/registries.js';
import { main } from '../src/cli/main.js';
import { SvdError } from '../src/errors.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { adapterFlags, describeAdapter } from '../src/backends/webgpu-adapter.js';
import { webgpuUnavailable } from './helpers/webgpu.js';

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

/** Whether a native 'tensorflow' backend package is installed here (tests adapt to it). */
function nativeInstalled(): boolean {
  const require = createRequire(import.meta.url);
  return NATIVE_PACKAGES.some((pkg) => {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  });
}

/** Console warnings and logs printed while `body` runs. */
async function captureConsole(body: () => Promise<void>): Promise<string[]> {
  const printed: string[] = [];
  const saved = { warn: console.warn, log: console.log };
  console.warn = (...args: unknown[]) => void printed.push(args.join(' '));
  console.log = (...args: unknown[]) => void printed.push(args.join(' '));
  try {
    await body();
  } finally {
    Object.assign(console, saved);
  }
  return printed;
}

// First in this file (each file runs in its own process): the notice comes on first cpu use.
test('the cpu backend\'s "install the node backend" notice is not printed', async () => {
  const printed = await captureConsole(async () => {
    await selectBackend('cpu');
    tf.tidy(() => tf.add(tf.tensor1d([1, 2]), 1).dataSync());
  });
  assert.deepEqual(printed.filter((line) => /running TensorFlow\.js in Node\.js|node backend/i.test(line)), []);
});

test('auto picks the best available backend and says why faster ones were skipped', async () => {
  const info = await selectBackend('auto');
  assert.equal(info.requested, 'auto');
  assert.equal(info.name, tf.getBackend());
  if (nativeInstalled()) {
    assert.equal(info.name, 'tensorflow');
    return;
  }
  assert.equal(info.name, 'wasm');
  assert.equal(info.package, '@tensorflow/tfjs-backend-wasm');
  assert.equal(typeof info.simd, 'boolean');
  assert.equal(typeof info.threads, 'boolean');
  assert.match(info.reason ?? '', /@tensorflow\/tfjs-node-gpu: not installed/);
  assert.match(info.reason ?? '', /@tensorflow\/tfjs-node: not installed/);
});

test('explicit cpu and wasm work, repeatedly and in either order', async () => {
  for (const requested of ['cpu', 'wasm', 'wasm', 'cpu', 'wasm'] as const) {
    const info = await selectBackend(requested);
    assert.equal(info.name, requested);
    assert.equal(info.requested, requested);
    assert.equal(info.reason, undefined);
    assert.deepEqual(Array.from(tf.tidy(() => tf.mul(tf.tensor1d([1, 2, 3]), 2).dataSync())), [2, 4, 6]);
  }
});

test('wasm selection brings the Conv2DBackpropFilter kernel', async () => {
  await selectBackend('wasm');
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
  const grad = tf.tidy(() =>
    tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid')))(tf.ones([2, 2, 1, 1])).dataSync());
  assert.deepEqual(Array.from(grad), [4, 4, 4, 4]);
});

test('an unavailable explicit "tensorflow" is E_BACKEND with exit code 2', { skip: nativeInstalled() && 'a native backend is installed' }, async () => {
  const before = tf.getBackend();
  await assert.rejects(selectBackend('tensorflow'), (err: unknown) => {
    assert.ok(err instanceof SvdError);
    assert.equal(err.code, 'E_BACKEND');
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /^backend "tensorflow" is not available: /);
    assert.match(err.message, /install @tensorflow\/tfjs-node-gpu \(CUDA\) or @tensorflow\/tfjs-node, or use --backend wasm/);
    return true;
  });
  assert.equal(tf.getBackend(), before, 'a failed request leaves the active backend alone');
});

test('training.workers 2 on a backend without worker threads exits 2 before any directory exists', async () => {
  // A backend like cpu that cannot split steps over worker threads (as a GPU backend cannot).
  if (!BACKENDS.has('cpu-no-workers')) {
    BACKENDS.register('cpu-no-workers', { ...BACKENDS.get('cpu'), auto: false, capabilities: { workers: false, devices: false } }, 'test/backend.test.ts');
  }
  const runs = path.join(tempDir(), 'runs');
  const errors: string[] = [];
  const saved = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.join(' '));
  let code: number;
  try {
    code = await main(['run', path.join(ROOT, 'configs', 'quickstart.yaml'), '--set', 'backend=cpu-no-workers', '--set', 'training.workers=2', '--runs-dir', runs]);
  } finally {
    console.error = saved;
  }
  assert.equal(code, 2);
  assert.match(errors.join('\n'), /training\.workers: training\.workers 2 needs a backend that splits steps over worker threads \(wasm, cpu\), not "cpu-no-workers"/);
  assert.equal(fs.existsSync(runs), false, 'nothing is written');
  await selectBackend('wasm');
});

test('software WebGPU adapters are told from hardware ones by their info', () => {
  const soft = [
    { vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'llvmpipe: Mesa 25.0.7' },
    { vendor: 'google', architecture: '', device: 'swiftshader-device-subzero', description: 'SwiftShader Device (Subzero)' },
    { vendor: '', architecture: '', device: 'null-backend', description: '' },
    { vendor: 'x', architecture: 'y', device: 'z', description: 'w', isFallbackAdapter: true },
  ];
  for (const info of soft) assert.equal(describeAdapter({ info }).software, true, JSON.stringify(info));
  const hard = { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA: 550.90.07' };
  assert.deepEqual(describeAdapter({ info: hard }), { ...hard, software: false });
  assert.deepEqual(adapterFlags(null), []);
  assert.deepEqual(adapterFlags('H200'), ['adapter=H200']);
});

test('auto never takes a software WebGPU adapter, and says so; --backend webgpu does', async (t) => {
  const why = await webgpuUnavailable();
  if (why) return t.skip(why);
  const named = await selectBackend('webgpu');
  if (!named.adapter?.software) return t.skip(`the adapter here is a GPU (${named.adapter?.description}): auto may take it`);
  const info = await selectBackend('auto');
  assert.notEqual(info.name, 'webgpu');
  assert.match(info.reason ?? '', /webgpu: only a software adapter \(.+\), slower than wasm; auto never takes one \(ask for it with --backend webgpu\)/);
  await selectBackend('wasm');
});
