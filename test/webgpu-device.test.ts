/**
 * Pinning a webgpu process to the n-th adapter of Dawn's list (src/backends/webgpu-device.ts):
 * the list read from Dawn's answer to an unknown adapter name, the index turned into Dawn's
 * `adapter=` flag, refusals (an index past the list, identical names, a UUID) that name the index
 * and the adapters found, and the environment a sweep job gets. On lavapipe (test/helpers/webgpu.ts),
 * a process started with SVD_WEBGPU_DEVICE=0 runs on adapter 0 and records it, and one with
 * SVD_WEBGPU_DEVICE=5 fails saying that there is no adapter 5 and which there are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chooseAdapter, describeList, LIST_FLAG, listAdapters, parseAdapterList, pinAdapter, type ListedAdapter } from '../src/backends/webgpu-device.js';
import { pinEnv } from '../src/sweep/executors/pin.js';
import { runtimeFromEnv } from '../src/backends/backend.js';
import { ROOT } from './helpers/cli.js';
import { webgpuUnavailable } from './helpers/webgpu.js';

/** What webgpu 0.6.2's dawn.node answers when asked for an adapter name none has (two adapters). */
const DAWN_ANSWER = "no suitable backends found\nAvailable adapters:\n * backend: 'vulkan', name: 'NVIDIA GeForce RTX 4090'\n * backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)'";
const TWO: ListedAdapter[] = [{ backend: 'vulkan', name: 'NVIDIA GeForce RTX 4090' }, { backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)' }];
const H100 = 'NVIDIA H100 80GB HBM3';

test("Dawn's list of adapters is read from its answer to a name it does not have, in its order", () => {
  assert.deepEqual(parseAdapterList(DAWN_ANSWER), TWO);
  assert.deepEqual(parseAdapterList('no suitable backends found\nAvailable adapters:'), []);
  assert.equal(describeList(TWO), '0 NVIDIA GeForce RTX 4090 (vulkan), 1 llvmpipe (LLVM 15.0.6, 256 bits) (vulkan)');
  assert.equal(describeList([]), 'none');
});

test('an index becomes the adapter= flag of that adapter, counted among those SVD_WEBGPU_ADAPTER names', () => {
  assert.deepEqual(pinAdapter(TWO, '0', null), { ok: true, index: 0, flags: ['adapter=NVIDIA GeForce RTX 4090'], adapter: TWO[0] });
  assert.deepEqual(pinAdapter(TWO, '1', null), { ok: true, index: 1, flags: ['adapter=llvmpipe (LLVM 15.0.6, 256 bits)'], adapter: TWO[1] });
  assert.deepEqual(pinAdapter(TWO, '0', 'llvmpipe'), { ok: true, index: 0, flags: ['adapter=llvmpipe (LLVM 15.0.6, 256 bits)'], adapter: TWO[1] });
});

test('a missing index, identical adapters and a UUID are refused, naming the index and the adapters found', () => {
  const past = pinAdapter(TWO, '5', null);
  assert.equal(past.ok, false);
  assert.match(!past.ok ? past.why : '', /^SVD_WEBGPU_DEVICE=5: no adapter 5: Dawn found 2 \(0 NVIDIA GeForce RTX 4090 \(vulkan\), 1 llvmpipe/);
  const filtered = pinAdapter(TWO, '1', 'NVIDIA');
  assert.match(!filtered.ok ? filtered.why : '', /no adapter 1 whose name contains "NVIDIA" .*Dawn found 1 \(0 NVIDIA GeForce RTX 4090 \(vulkan\)\); all adapters: 0 NVIDIA/);
  const twins = [{ backend: 'vulkan', name: H100 }, { backend: 'vulkan', name: H100 }];
  assert.equal(pinAdapter(twins, '0', null).ok, true);
  const second = pinAdapter(twins, '1', null);
  assert.match(!second.ok ? second.why : '', /SVD_WEBGPU_DEVICE=1: adapter 1 \("NVIDIA H100 80GB HBM3"\) cannot be chosen apart from adapter 0 .*by name only/);
  // Dawn takes the first adapter whose name contains the flag's text: a longer name listed first hides a shorter one
  const hidden = pinAdapter([{ backend: 'vulkan', name: 'GPU X Pro' }, { backend: 'vulkan', name: 'GPU X' }], '1', null);
  assert.match(!hidden.ok ? hidden.why : '', /adapter 1 \("GPU X"\) cannot be chosen apart from adapter 0 \("GPU X Pro"\)/);
  const uuid = pinAdapter(TWO, 'GPU-8f3c2a1e-0000-4000-8000-000000000000', null);
  assert.match(!uuid.ok ? uuid.why : '', /by its index in Dawn's list .*not by a GPU UUID; adapters found: 0 NVIDIA/);
});

test("chooseAdapter asks Dawn for its list only when pinned; listAdapters reads the list from Dawn's refusal", async () => {
  const asked: string[][] = [];
  const create = (flags: string[]) => ({
    requestAdapter: async () => {
      asked.push(flags);
      if (flags[0] === LIST_FLAG) throw new Error(DAWN_ANSWER);
      return {};
    },
  });
  assert.deepEqual(await chooseAdapter(create, 'RTX', null), { ok: true, flags: ['adapter=RTX'], index: null });
  assert.deepEqual(asked, []);
  assert.deepEqual(await listAdapters(create), TWO);
  assert.deepEqual(await chooseAdapter(create, null, '1'), { ok: true, flags: ['adapter=llvmpipe (LLVM 15.0.6, 256 bits)'], index: 1 });
  const none = await chooseAdapter(create, null, '2');
  assert.equal(none.ok, false);
});

test('a sweep job pinned to a device gets SVD_WEBGPU_DEVICE on webgpu, beside CUDA_VISIBLE_DEVICES under auto', () => {
  assert.deepEqual(pinEnv('webgpu', '3', 2), { SVD_WEBGPU_DEVICE: '3' });
  assert.deepEqual(pinEnv('webgpu', null, 2), {});
  const auto = pinEnv('auto', '1', 2);
  assert.equal(auto.SVD_WEBGPU_DEVICE, '1');
  assert.equal(auto.CUDA_VISIBLE_DEVICES, '1');
  assert.equal(runtimeFromEnv({ SVD_WEBGPU_DEVICE: ' 2 ' }).gpuDevice, '2');
  assert.equal(runtimeFromEnv({}).gpuDevice, null);
});

// ---------------------------------------------------------------- on lavapipe

const why = await webgpuUnavailable();

/** `--backend webgpu` as a sweep job pinned to `device` starts it: the backend info it records in env.json, or the error. */
function pinnedJob(device: string): { status: number | null; stdout: string; stderr: string } {
  const select = pathToFileURL(path.join(ROOT, 'dist', 'src', 'backends', 'select.js')).href;
  const envInfo = pathToFileURL(path.join(ROOT, 'dist', 'src', 'run', 'env-info.js')).href;
  const code = `const { selectBackend } = await import(${JSON.stringify(select)});
const { envInfo } = await import(${JSON.stringify(envInfo)});
try { const info = await selectBackend('webgpu'); const env = envInfo(info, 0, [], 1); console.log(JSON.stringify({ backend: env.backend, env: env.determinism.env })); process.exit(0); }
catch (err) { console.error(err.code, err.message); process.exit(2); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, SVD_WEBGPU_DEVICE: device }, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('on lavapipe: pinned to adapter 0 it runs there and env.json records the index; pinned to 5 it fails naming 5 and the adapters', { skip: why ?? false }, () => {
  const zero = pinnedJob('0');
  assert.equal(zero.status, 0, zero.stderr);
  const got = JSON.parse(zero.stdout.trim().split('\n').pop()!) as { backend: { name: string; adapter: { index?: number; device: string } }; env: Record<string, string> };
  assert.equal(got.backend.name, 'webgpu');
  assert.equal(got.backend.adapter.index, 0);
  assert.match(got.backend.adapter.device, /llvmpipe/);
  assert.equal(got.env.SVD_WEBGPU_DEVICE, '0');
  const five = pinnedJob('5');
  assert.equal(five.status, 2, five.stderr);
  assert.match(five.stderr, /^E_BACKEND backend "webgpu" is not available: webgpu: SVD_WEBGPU_DEVICE=5: no adapter 5: Dawn found 1 \(0 llvmpipe \(LLVM [^)]*\) \(vulkan\)\); pin it to an adapter of that list \(svd sweep --devices takes their indexes\), or unset SVD_WEBGPU_DEVICE$/m);
});
