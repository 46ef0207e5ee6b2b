/**
 * `data.augment`: pad-and-random-crop and horizontal flips copy pixels exactly (checked against a
 * plain-array reference), draws come from the seeded stream (same seed, same batches), and
 * DeviceData augments training batches only.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/select.js';
import { augmentBatch, drawAugment, makeAugmenter, type AugmentDraws } from '../src/data/augment.js';
import { DeviceData, disposeBatch } from '../src/train/device-data.js';
import { RunRandom } from '../src/train/rng.js';
import type { Dataset } from '../src/data/dataset.js';

before(async () => {
  await selectBackend('wasm');
});

/** n images of h x w x c with distinct values. */
function images(n: number, h: number, w: number, c: number): Float32Array {
  return Float32Array.from({ length: n * h * w * c }, (_, i) => i + 1);
}

/** The reference: pad with zeros, crop at (dy, dx), mirror when flipped. */
function reference(x: Float32Array, [n, h, w, c]: number[], draws: AugmentDraws, crop: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < h; r++) {
      for (let col = 0; col < w; col++) {
        const srcCol = draws.flip[i] ? w - 1 - col : col;
        const y = r + draws.dy[i] - crop;
        const xx = srcCol + draws.dx[i] - crop;
        for (let k = 0; k < c; k++) {
          const inside = y >= 0 && y < h && xx >= 0 && xx < w;
          out[((i * h + r) * w + col) * c + k] = inside ? x[((i * h + y) * w + xx) * c + k] : 0;
        }
      }
    }
  }
  return out;
}

test('crops and flips copy pixels exactly as padding and cropping by hand would', () => {
  const shape = [5, 6, 7, 3];
  const x = images(5, 6, 7, 3);
  const cases: Array<[number, AugmentDraws]> = [
    [2, { dy: Int32Array.of(0, 4, 2, 1, 3), dx: Int32Array.of(4, 0, 2, 3, 1), flip: Uint8Array.of(0, 1, 0, 1, 1) }],
    [0, { dy: new Int32Array(5), dx: new Int32Array(5), flip: Uint8Array.of(1, 0, 1, 0, 0) }],
  ];
  for (const [crop, draws] of cases) {
    const got = tf.tidy(() => augmentBatch(tf.tensor4d(x, shape as [number, number, number, number]), draws, crop).dataSync());
    assert.deepEqual([...got], [...reference(x, shape, draws, crop)], `crop ${crop}`);
  }
});

test('draws are seeded: offsets within 0..2*crop, flips about half the time, the same for the same seed', () => {
  const a = drawAugment(2000, 4, true, RunRandom.fromSeed(5).data);
  const b = drawAugment(2000, 4, true, RunRandom.fromSeed(5).data);
  assert.deepEqual(a, b);
  assert.ok(a.dy.every((d) => d >= 0 && d <= 8) && a.dx.every((d) => d >= 0 && d <= 8));
  assert.equal(new Set(a.dy).size, 9);
  const flips = a.flip.reduce((s, f) => s + f, 0);
  assert.ok(flips > 900 && flips < 1100, `${flips} flips`);
  assert.equal(makeAugmenter(null, () => RunRandom.fromSeed(1).data), null);
  assert.equal(makeAugmenter({ crop: 0, flip: false }, () => RunRandom.fromSeed(1).data), null);
});

test('DeviceData augments training batches only, reproducibly', () => {
  const n = 6;
  const split = { x: images(n, 4, 4, 1), y: Int32Array.from({ length: n }, (_, i) => i % 2), count: n };
  const dataset: Dataset = { name: 't', inputShape: [4, 4, 1], numClasses: 2, train: split, test: { ...split, x: split.x.slice() }, sources: [] };
  const run = () => {
    const random = RunRandom.fromSeed(9);
    const data = new DeviceData(dataset, makeAugmenter({ crop: 1, flip: true }, () => random.data));
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const train = data.batch(data.train, idx);
    const test = data.batch(data.test, idx);
    const values = [train.x.dataSync().slice(), test.x.dataSync().slice()];
    disposeBatch(train);
    disposeBatch(test);
    data.dispose();
    return values;
  };
  const [trainA, testA] = run();
  const [trainB] = run();
  assert.deepEqual(trainA, trainB);
  assert.notDeepEqual([...trainA], [...split.x]);
  assert.deepEqual([...testA], [...split.x]);
});
