/**
 * The export building blocks, in process and without training: CSR and the sparse format
 * (round trip, index types, validation), every layer type through extraction into a stock tfjs
 * model (same outputs as the svd model's deterministic evaluation, through tfjs's own save and
 * load), the structured view and --shrink on hand-made nets, and the atomic output directory.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/select.js';
import { Model } from '../src/layers/model.js';
import { RunRandom } from '../src/train/rng.js';
import type { LayerSpec } from '../src/config/types.js';
import { SvdError } from '../src/errors.js';
import { fromCsr, toCsr, uintTypeFor } from '../src/export/csr.js';
import { plainNetFromModel } from '../src/export/extract.js';
import type { PlainLayer, PlainNet } from '../src/export/plain-net.js';
import { decodeSparse, encodeSparse } from '../src/export/sparse-format.js';
import { analyzeStructure, shrinkNet } from '../src/export/structure.js';
import { tfjsFiles } from '../src/formats/tfjs-files.js';
import { buildTfjsModel } from '../src/export/tfjs-model.js';
import { writeDirAtomic } from '../src/export/write-dir.js';
import { tempDir } from './helpers/cli.js';
import { PAPER_SPARSITY } from './helpers/layers.js';


before(async () => {
  await selectBackend('wasm');
});

test('index arrays use the smallest unsigned type', () => {
  assert.deepEqual([0, 255, 256, 65535, 65536].map(uintTypeFor), ['uint8', 'uint8', 'uint16', 'uint16', 'uint32']);
});

test('CSR keeps exactly the nonzeros and round-trips', () => {
  const dense = Float32Array.from([0, 1.5, 0, -0, 0, 0, -2, 0, 3, 0, 0, 4e-7]);
  const csr = toCsr(dense, 3, 4);
  assert.deepEqual([...csr.rowPtr], [0, 1, 2, 4]);
  assert.deepEqual([...csr.colIndex], [1, 2, 0, 3]);
  assert.deepEqual([...csr.values], [1.5, -2, 3, 4e-7].map(Math.fround));
  assert.ok(csr.rowPtr instanceof Uint8Array && csr.colIndex instanceof Uint8Array);
  assert.deepEqual([...fromCsr(csr)], [...dense].map((v) => (v === 0 ? 0 : v)));
  const wide = toCsr(Float32Array.from({ length: 300 }, (_, i) => (i === 299 ? 1 : 0)), 1, 300);
  assert.ok(wide.colIndex instanceof Uint16Array);
});

/** A small net of every plain layer type with random parameters; kernels with many zeros. */
function randomNet(): PlainNet {
  const rand = (shape: number[], zeroFraction = 0, seed = 1) => {
    let s = seed;
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
      s = (s * 16807) % 2147483647;
      const u = s / 2147483647;
      return u < zeroFraction ? 0 : (u - 0.5) * 2;
    });
    return values;
  };
  const p = (name: string, shape: number[], zeros = 0, seed = 1) => ({ name, shape, values: rand(shape, zeros, seed) });
  const layers: PlainLayer[] = [
    { name: 'c1', type: 'conv2d', source: 'conv2d-svd', config: { filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu', useBias: true }, params: [p('kernel', [3, 3, 2, 4], 0.8, 2), p('bias', [4], 0, 3)] },
    { name: 'bn', type: 'batchnorm', source: 'batchnorm', config: { momentum: 0.9, epsilon: 1e-3 }, params: [p('gamma', [4], 0, 4), p('beta', [4], 0, 5), p('movingMean', [4], 0, 6), { name: 'movingVariance', shape: [4], values: Float32Array.from([0.5, 1, 2, 0.1]) }] },
    { name: 'mp', type: 'maxpool', source: 'maxpool', config: { poolSize: [2, 2], strides: [2, 2], padding: 'valid' }, params: [] },
    { name: 'act', type: 'activation', source: 'activation', config: { activation: 'tanh' }, params: [] },
    { name: 'fl', type: 'flatten', source: 'flatten', config: {}, params: [] },
    { name: 'do', type: 'dropout', source: 'dropout', config: { rate: 0.3 }, params: [] },
    { name: 'd1', type: 'dense', source: 'dense-svd', config: { units: 5, activation: 'relu', useBias: false }, params: [p('kernel', [64, 5], 0.9, 7)] },
    { name: 'd2', type: 'dense', source: 'dense', config: { units: 3, activation: 'linear', useBias: true }, params: [p('kernel', [5, 3], 0, 8), p('bias', [3], 0, 9)] },
  ];
  return { inputShape: [8, 8, 2], layers };
}

test('the sparse format round-trips every parameter exactly and stores kernels as CSR when smaller', () => {
  const net = randomNet();
  const { layout, bin } = encodeSparse(net);
  assert.equal(bin.length, layout.bytes);
  assert.equal(layout.layers[0].params[0].encoding, 'csr');
  assert.equal(layout.layers[6].params[0].encoding, 'csr');
  assert.equal(layout.layers[7].params[0].encoding, 'dense', 'a kernel without zeros stays dense');
  for (const l of layout.layers) for (const t of l.params) for (const ref of t.encoding === 'csr' ? [t.rowPtr, t.colIndex, t.values] : [t.values]) assert.equal(ref.offset % 4, 0);
  const back = decodeSparse(layout, net.inputShape, bin, 'm.json', 'w.bin');
  assert.deepEqual(back.layers.map((l) => [l.name, l.type, l.config]), net.layers.map((l) => [l.name, l.type, l.config]));
  back.layers.forEach((l, i) => l.params.forEach((p, j) => {
    assert.deepEqual(p.shape, net.layers[i].params[j].shape);
    assert.deepEqual([...p.values], [...net.layers[i].params[j].values]);
  }));

  const isFormatError = (file: string, pathPattern: RegExp) => (err: unknown) =>
    err instanceof SvdError && err.code === 'E_EXPORT_FORMAT' && err.location.file === file && pathPattern.test(err.location.path ?? '') && err.exitCode === 2;
  assert.throws(() => decodeSparse(layout, net.inputShape, bin.subarray(0, bin.length - 4), 'm.json', 'w.bin'), isFormatError('w.bin', /^$/));
  const csr = layout.layers[0].params[0];
  assert.ok(csr.encoding === 'csr');
  const corrupt = Uint8Array.from(bin);
  corrupt[csr.colIndex.offset] = 200;
  assert.throws(() => decodeSparse(layout, net.inputShape, corrupt, 'm.json', 'w.bin'), isFormatError('m.json', /^sparse\.layers\.0\.params\.0$/));
  const shifted = structuredClone(layout);
  (shifted.layers[1].params[0] as { values: { offset: number } }).values.offset = bin.length;
  assert.throws(() => decodeSparse(shifted, net.inputShape, bin, 'm.json', 'w.bin'), isFormatError('m.json', /^sparse\.layers\.1\.params\.0\.values$/));
});

test('every layer type exports to a stock tfjs model that computes what svd eval computes', async () => {
  const specs: LayerSpec[] = [
    { type: 'conv2d-svd', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'batchnorm', momentum: 0.9 },
    { type: 'activation', activation: 'tanh' },
    { type: 'maxpool', poolSize: 2 },
    { type: 'conv2d', filters: 3, kernelSize: [2, 3], strides: [1, 2], useBias: false },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.5 },
    { type: 'dense-svd', units: 6, activation: 'sigmoid' },
    { type: 'dense', units: 3 },
  ];
  const model = Model.build({ layers: specs, inputShape: [8, 8, 2], sparsity: PAPER_SPARSITY, width: 1 }, RunRandom.fromSeed(3).init);
  let seed = 11;
  for (const [name, v] of model.namedVariables()) {
    // log sigma^2 spread so that log alpha crosses the threshold for part of the weights
    if (name.endsWith('/logSigma2')) v.assign(tf.randomUniform(v.shape, -12, 2, 'float32', seed++));
    else if (name.endsWith('/movingVariance')) v.assign(tf.randomUniform(v.shape, 0.5, 2, 'float32', seed++));
    else if (!name.endsWith('/theta') && !name.endsWith('/kernel')) v.assign(tf.randomUniform(v.shape, -0.5, 0.5, 'float32', seed++));
  }
  const { net, masks } = plainNetFromModel(model, PAPER_SPARSITY);
  assert.deepEqual(net.layers.map((l) => l.type), ['conv2d', 'batchnorm', 'activation', 'maxpool', 'conv2d', 'flatten', 'dropout', 'dense', 'dense']);
  assert.ok(masks.kept > 0 && masks.kept < masks.sparsifiable, `kept ${masks.kept} of ${masks.sparsifiable}`);
  assert.equal(net.layers.flatMap((l) => l.params.map((p) => p.name)).join(','), 'kernel,bias,gamma,beta,movingMean,movingVariance,kernel,kernel,bias,kernel,bias');

  const x = tf.randomUniform([5, 8, 8, 2], -1, 1, 'float32', 99);
  const expected = model.apply(x, { training: false, sparsity: PAPER_SPARSITY, nextSeed: () => 1 }).arraySync() as number[][];
  const built = buildTfjsModel(net);
  const direct = (built.predict(x) as tf.Tensor).arraySync() as number[][];
  assertClose(direct, expected, 1e-5);

  // through tfjs's own serialization and the stock loader
  const files = await tfjsFiles(built);
  const loaded = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: files.modelJson.modelTopology,
    weightSpecs: files.modelJson.weightsManifest[0].weights,
    weightData: files.weights.slice().buffer,
  }));
  assert.deepEqual((loaded.predict(x) as tf.Tensor).arraySync(), direct);
  // the sparse format's densified weights give the same model, bit for bit
  const { layout, bin } = encodeSparse(net);
  const fromSparse = buildTfjsModel(decodeSparse(layout, net.inputShape, bin, 'm', 'w'));
  assert.deepEqual((fromSparse.predict(x) as tf.Tensor).arraySync(), direct);
  for (const m of [built, loaded, fromSparse]) m.dispose();
  model.dispose();
  x.dispose();
});

/** A dense layer from a kernel given row by row. */
function dense(name: string, rows: number[][], bias: number[] | null, activation: string): PlainLayer {
  const values = Float32Array.from(rows.flat());
  const params = [{ name: 'kernel', shape: [rows.length, rows[0].length], values }];
  if (bias) params.push({ name: 'bias', shape: [bias.length], values: Float32Array.from(bias) });
  return { name, type: 'dense', source: 'dense-svd', config: { units: rows[0].length, activation, useBias: bias !== null }, params };
}

function predict(net: PlainNet, x: tf.Tensor): number[][] {
  const model = buildTfjsModel(net);
  try {
    return (model.predict(x) as tf.Tensor).arraySync() as number[][];
  } finally {
    model.dispose();
  }
}

test('shrink removes dead units, repeats until none are left, and keeps the outputs', () => {
  // a: unit 1 dead in with relu(-0.5) = 0 (removable), unit 2 dead in with relu(0.3) > 0 (kept),
  // unit 3 dead out. b: unit 3 reads only a's unit 1, so it dies once unit 1 is gone.
  const a = dense('a', [[1, 0, 0, 2, 1], [0.5, 0, 0, 1, -1], [-1, 0, 0, 0, 2]], [0.1, -0.5, 0.3, 0.2, 0], 'relu');
  const b = dense('b', [[1, 0, 1, 0], [0, 0, 0, 3], [1, 1, 0, 0], [0, 0, 0, 0], [2, 1, -1, 0]], [0, 0.1, 0.2, -1], 'relu');
  const c = dense('c', [[1, -1, 0], [0, 2, 1], [1, 1, 1], [3, 0, 1]], [0.5, 0, 0], 'linear');
  const net: PlainNet = { inputShape: [3], layers: [a, b, c] };
  const report = analyzeStructure(net);
  assert.deepEqual(report.layers.map((l) => [l.layer, l.width, l.deadIn, l.constant, l.deadOut, l.removable]), [
    ['a', 5, 2, 1, 1, 2],
    ['b', 4, 0, 0, 0, 0],
    ['c', 3, 0, 0, 0, 0],
  ]);
  const shrunk = shrinkNet(net);
  assert.deepEqual(shrunk.before, { a: 5, b: 4, c: 3 });
  assert.deepEqual(shrunk.after, { a: 3, b: 3, c: 3 });
  assert.equal(shrunk.passes, 2);
  const x = tf.randomUniform([64, 3], -2, 2, 'float32', 5);
  assertClose(predict(shrunk.net, x), predict(net, x), 1e-6);
  x.dispose();
  // the input net is left as it was
  assert.equal(net.layers[0].config.units, 5);
});

test('shrink removes dead filters through maxpool, batchnorm and flatten, and never across a softmax', () => {
  const net = randomNet();
  // filter 1 of c1: its weights in c2-less path = rows p*4+1 of d1 after flatten; zero them all
  const d1 = net.layers[6].params[0];
  for (let row = 0; row < 64; row++) if (row % 4 === 1) d1.values.fill(0, row * 5, row * 5 + 5);
  const report = analyzeStructure(net);
  assert.equal(report.layers[0].deadOut, 1);
  const shrunk = shrinkNet(net);
  assert.equal(shrunk.after.c1, 3);
  const bn = shrunk.net.layers[1];
  assert.deepEqual(bn.params.map((p) => p.shape), [[3], [3], [3], [3]]);
  assert.deepEqual(shrunk.net.layers[6].params[0].shape, [48, 5]);
  const x = tf.randomUniform([16, 8, 8, 2], -1, 1, 'float32', 6);
  assertClose(predict(shrunk.net, x), predict(net, x), 1e-5);
  x.dispose();

  const soft: PlainNet = { ...net, layers: [...net.layers.slice(0, 3), { name: 'sm', type: 'activation', source: 'activation', config: { activation: 'softmax' }, params: [] }, ...net.layers.slice(4)] };
  assert.equal(shrinkNet(soft).after.c1, 4);
  assert.equal(analyzeStructure(soft).layers[0].removable, 0);
});

test('an export directory is written whole, never over a non-empty directory, and replaced only with force', () => {
  const root = tempDir('svd-export-dir-');
  const out = path.join(root, 'nested', 'out');
  writeDirAtomic(out, new Map<string, string | Uint8Array>([['svd-export.json', '{}'], ['weights.bin', Uint8Array.of(1, 2, 3)]]), false);
  assert.deepEqual(fs.readdirSync(out).sort(), ['svd-export.json', 'weights.bin']);
  const refused = (err: unknown) => err instanceof SvdError && err.code === 'E_EXPORT_OUT' && err.exitCode === 2 && err.location.file === out;
  assert.throws(() => writeDirAtomic(out, new Map([['svd-export.json', '{"x":1}']]), false), refused);
  writeDirAtomic(out, new Map([['svd-export.json', '{"x":1}']]), true);
  assert.deepEqual(fs.readdirSync(out), ['svd-export.json']);
  const other = path.join(root, 'other');
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'keep.txt'), 'mine');
  assert.throws(() => writeDirAtomic(other, new Map([['svd-export.json', '{}']]), true), (err: unknown) => err instanceof SvdError && err.code === 'E_EXPORT_OUT' && /not an svd export/.test(err.message));
  assert.equal(fs.readFileSync(path.join(other, 'keep.txt'), 'utf8'), 'mine');
  assert.deepEqual(fs.readdirSync(path.join(root, 'nested')), ['out'], 'no temporary directories are left behind');
  fs.rmSync(root, { recursive: true, force: true });
});

function assertClose(actual: number[][], expected: number[][], tol: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => {
    assert.ok(Math.abs(v - expected[i][j]) <= tol * Math.max(1, Math.abs(expected[i][j])), `[${i}][${j}] ${v} vs ${expected[i][j]}`);
  }));
}
