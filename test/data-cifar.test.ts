/**
 * Dataset loaders on generated files. Every registered dataset must have a generator here (a new
 * dataset without one fails the first test); then CIFAR-10 and CIFAR-100 in both official layouts
 * and every pickle dialect, label sets, limits, and the errors for missing, partial, malformed
 * and malicious files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SvdError, type ErrorCode } from '../src/errors.js';
import { DATASETS } from '../src/registries.js';
import type { DataConfig } from '../src/config/types.js';
import type { Dataset } from '../src/data/dataset.js';
import { classCount } from '../src/data/dataset.js';
import { expectedNhwc, makeCifarSplit, writeCifar10, writeCifar100, type CifarSplit } from './helpers/cifar-files.js';
import { maliciousPickle } from './helpers/pickle-writer.js';
import { writeMnistFolder } from './helpers/idx-files.js';
import { tempDir } from './helpers/cli.js';

/** A DataConfig for `dataset` with `overrides`. */
function dataConfig(dataset: string, overrides: Partial<DataConfig> = {}): DataConfig {
  return { dataset, normalize: 'none', batchSize: 2, trainLimit: null, testLimit: null, augment: null, ...overrides };
}

/** What a generator wrote: the labels and the first training image (NHWC, [0,1]) to expect. */
interface Written {
  trainLabels: number[];
  testLabels: number[];
  firstTrainImage: Float32Array;
}

/** One generator per registered dataset: writes a small set under `root`. */
const GENERATORS: Record<string, (root: string) => Written> = {
  mnist: (root) => {
    const pixels = Uint8Array.from({ length: 4 * 784 }, (_, i) => (i * 5) % 256);
    writeMnistFolder(root, { pixels, labels: [1, 2, 3, 4] }, { pixels: pixels.subarray(0, 2 * 784), labels: [5, 6] });
    return { trainLabels: [1, 2, 3, 4], testLabels: [5, 6], firstTrainImage: Float32Array.from(pixels.subarray(0, 784), (p) => p / 255) };
  },
  cifar10: (root) => {
    const [train, test] = [makeCifarSplit(6, 10, 1), makeCifarSplit(3, 10, 2)];
    writeCifar10(root, train, test, { format: 'python' });
    return written(train, test);
  },
  cifar100: (root) => {
    const [train, test] = [makeCifarSplit(5, 100, 3, 20), makeCifarSplit(2, 100, 4, 20)];
    writeCifar100(root, train, test, { format: 'binary' });
    return written(train, test);
  },
};

function written(train: CifarSplit, test: CifarSplit): Written {
  return { trainLabels: train.labels, testLabels: test.labels, firstTrainImage: expectedNhwc(train, 0) };
}

async function assertRejects(promise: Promise<unknown>, code: ErrorCode, mentions: string[]): Promise<SvdError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SvdError, String(err));
    assert.equal(err.code, code, err.format());
    for (const m of mentions) assert.ok(err.format().includes(m), `'${m}' not in: ${err.format()}`);
    return err;
  }
  assert.fail(`expected ${code}`);
}

function assertSameImage(actual: Float32Array, expected: Float32Array): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) < 1e-6, `value ${i}: ${actual[i]} vs ${expected[i]}`);
}

test('every registered dataset loads generated files into its declared shape and classes', async () => {
  for (const [name, entry] of DATASETS.list()) {
    const generate = GENERATORS[name];
    assert.ok(generate, `dataset '${name}' is registered but this test has no generator for it: add one to GENERATORS`);
    const root = tempDir(`svd-${name}-`);
    const expected = generate(root);
    const ds = await entry.load(dataConfig(name, { root }));
    assert.equal(ds.name, name);
    assert.deepEqual(ds.inputShape, entry.inputShape);
    assert.equal(ds.numClasses, classCount(entry, null));
    assert.deepEqual([...ds.train.y], expected.trainLabels, name);
    assert.deepEqual([...ds.test.y], expected.testLabels, name);
    const size = entry.inputShape.reduce((a, b) => a * b, 1);
    assert.equal(ds.train.x.length, ds.train.count * size);
    assert.equal(ds.test.x.length, ds.test.count * size);
    assertSameImage(ds.train.x.subarray(0, size), expected.firstTrainImage);
    assert.ok(ds.sources.length > 0 && ds.sources.every((f) => f.startsWith(root)), `${name}: sources ${ds.sources}`);
  }
});

test('CIFAR-10 reads the same images from every layout and pickle dialect', async () => {
  const [train, test] = [makeCifarSplit(11, 10, 5), makeCifarSplit(4, 10, 6)];
  const layouts = [
    { format: 'python', style: 'py2' },
    { format: 'python', style: 'py3-proto2' },
    { format: 'python', style: 'py3-proto4' },
    { format: 'binary' },
    { format: 'binary', flat: true },
    { format: 'python', flat: true },
  ] as const;
  let first: Dataset | null = null;
  for (const layout of layouts) {
    const root = tempDir('svd-cifar10-');
    writeCifar10(root, train, test, layout);
    const ds = await DATASETS.get('cifar10').load(dataConfig('cifar10', { root }));
    assert.equal(ds.train.count, 11);
    assert.equal(ds.test.count, 4);
    assert.equal(ds.preprocessing?.format, layout.format);
    assertSameImage(ds.train.x.subarray(10 * 3072, 11 * 3072), expectedNhwc(train, 10));
    if (first) {
      assert.deepEqual(ds.train.x, first.train.x, JSON.stringify(layout));
      assert.deepEqual(ds.test.y, first.test.y);
    }
    first ??= ds;
  }
});

test('CIFAR-100 has 100 fine labels by default and 20 coarse ones with labels: coarse, in both layouts', async () => {
  const [train, test] = [makeCifarSplit(6, 100, 7, 20), makeCifarSplit(3, 100, 8, 20)];
  for (const format of ['python', 'binary'] as const) {
    const root = tempDir('svd-cifar100-');
    writeCifar100(root, train, test, { format });
    const fine = await DATASETS.get('cifar100').load(dataConfig('cifar100', { root }));
    assert.equal(fine.numClasses, 100);
    assert.deepEqual([...fine.train.y], train.labels);
    const coarse = await DATASETS.get('cifar100').load(dataConfig('cifar100', { root, labels: 'coarse' }));
    assert.equal(coarse.numClasses, 20);
    assert.deepEqual([...coarse.train.y], train.coarse);
    assert.deepEqual([...coarse.test.y], test.coarse);
    assert.deepEqual(coarse.train.x, fine.train.x);
  }
  assert.equal(classCount(DATASETS.get('cifar100'), 'coarse'), 20);
  await assertRejects(DATASETS.get('cifar10').load(dataConfig('cifar10', { root: tempDir(), labels: 'coarse' })), 'E_CONFIG_CHECK', ['data.labels', 'one set of labels']);
});

test('limits read only the batch files they need', async () => {
  const root = tempDir('svd-cifar10-');
  writeCifar10(root, makeCifarSplit(20, 10, 1), makeCifarSplit(3, 10, 2), { format: 'binary' });
  const ds = await DATASETS.get('cifar10').load(dataConfig('cifar10', { root, trainLimit: 5, testLimit: 2 }));
  assert.equal(ds.train.count, 5);
  assert.equal(ds.test.count, 2);
  assert.deepEqual(ds.sources.map((f) => path.basename(f)), ['data_batch_1.bin', 'data_batch_2.bin', 'test_batch.bin']);
});

test('missing CIFAR files: where we looked and how to get them', async () => {
  const root = path.join(tempDir(), 'cifar10');
  const err = await assertRejects(DATASETS.get('cifar10').load(dataConfig('cifar10', { root })), 'E_DATA_MISSING', [
    'CIFAR-10 files not found',
    'does not exist',
    path.join(root, 'cifar-10-batches-py'),
    path.join(root, 'cifar-10-batches-bin'),
    'cifar-10-python.tar.gz',
    'tar xzf',
  ]);
  assert.equal(err.location.path, 'data.root');
  // the archive downloaded but not unpacked
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'cifar-100-python.tar.gz'), 'x');
  await assertRejects(DATASETS.get('cifar100').load(dataConfig('cifar100', { root })), 'E_DATA_MISSING', ['cifar-100-python.tar.gz is there but not unpacked']);
  // a partial folder names what is missing
  const partial = tempDir();
  writeCifar10(partial, makeCifarSplit(5, 10), makeCifarSplit(2, 10), { format: 'python', omit: ['data_batch_3', 'test_batch'] });
  await assertRejects(DATASETS.get('cifar10').load(dataConfig('cifar10', { root: partial })), 'E_DATA_MISSING', ['missing data_batch_3, test_batch']);
});

test('malformed CIFAR files are E_DATA_FORMAT naming the file', async () => {
  const root = tempDir();
  const dir = writeCifar10(root, makeCifarSplit(5, 10), makeCifarSplit(2, 10), { format: 'binary' });
  writeFileSync(path.join(dir, 'data_batch_2.bin'), Buffer.alloc(3073 * 2 - 1));
  await assertRejects(DATASETS.get('cifar10').load(dataConfig('cifar10', { root })), 'E_DATA_FORMAT', ['data_batch_2.bin', 'not a whole number of 3073-byte records']);
  const bad = Buffer.alloc(3073);
  bad[0] = 10;
  writeFileSync(path.join(dir, 'data_batch_2.bin'), bad);
  await assertRejects(DATASETS.get('cifar10').load(dataConfig('cifar10', { root })), 'E_DATA_FORMAT', ['record 0 has label 10']);

  const py = tempDir();
  const pyDir = writeCifar100(py, makeCifarSplit(3, 100, 1, 20), makeCifarSplit(2, 100, 2, 20), { format: 'python' });
  // a CIFAR-10 batch where CIFAR-100 is expected: no fine_labels key
  writeCifar10(path.join(py, 'c10'), makeCifarSplit(3, 10), makeCifarSplit(1, 10), { format: 'python', flat: true });
  writeFileSync(path.join(pyDir, 'test'), readFileSync(path.join(py, 'c10', 'test_batch')));
  await assertRejects(DATASETS.get('cifar100').load(dataConfig('cifar100', { root: py })), 'E_DATA_FORMAT', [
    path.join(pyDir, 'test'), "'fine_labels' is missing", 'keys: filenames, batch_label, labels, data',
  ]);
});

test('a malicious pickle in place of a CIFAR batch is rejected and nothing runs', async () => {
  const root = tempDir();
  const dir = writeCifar10(root, makeCifarSplit(5, 10), makeCifarSplit(2, 10), { format: 'python' });
  const marker = path.join(root, 'pwned');
  writeFileSync(path.join(dir, 'data_batch_1'), maliciousPickle(`touch ${marker}`));
  await assertRejects(DATASETS.get('cifar10').load(dataConfig('cifar10', { root })), 'E_DATA_FORMAT', [
    path.join(dir, 'data_batch_1'), "refusing global 'os.system'",
  ]);
  assert.equal(existsSync(marker), false);
});
