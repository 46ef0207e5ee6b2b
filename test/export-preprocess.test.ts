/**
 * The run's normalization inside exports (src/export/preprocess.ts), for every data.normalize
 * mode: the preprocessing layers fed raw pixels compute what the data loader's normalization
 * gives, as a stock tfjs model and as an ONNX model run by onnxruntime-node.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { selectBackend } from '../src/backends/select.js';
import { normalizeSplits, type NormalizeMode } from '../src/data/normalize.js';
import type { Dataset } from '../src/data/dataset.js';
import { preprocessLayers } from '../src/export/preprocess.js';
import { buildTfjsModel } from '../src/export/tfjs-model.js';
import { onnxModelBytes } from '../src/export/onnx-model.js';

before(async () => {
  await selectBackend('wasm');
});

const SHAPE: [number, number, number] = [3, 4, 2];
const SIZE = 24;

function pixels(n: number, salt: number): Float32Array {
  return Float32Array.from({ length: n * SIZE }, (_, i) => (((i * 37 + salt * 11) ^ (i >> 3)) & 0xff) / 255);
}

for (const mode of ['mean-image', 'standardize', 'zca'] as NormalizeMode[]) {
  test(`normalize ${mode}: the export's first layers turn raw pixels into what the loader gives`, async () => {
    const train = pixels(30, 1);
    const rawTest = pixels(7, 2);
    const test = Float32Array.from(rawTest);
    const stats = await normalizeSplits(mode, train, test, SHAPE, 'toy', { epsilon: 1e-2, cache: { dir: null, dataset: 'toy' } });
    const dataset = { name: 'toy', inputShape: SHAPE, numClasses: SIZE, normalization: stats } as unknown as Dataset;
    const preprocess = preprocessLayers(dataset);
    assert.ok(preprocess.length > 0);
    const net = { inputShape: [...SHAPE], preprocess, layers: [{ name: 'out', type: 'flatten', source: 'flatten', config: {}, params: [] }] };

    const model = buildTfjsModel(net);
    const viaTfjs = tf.tidy(() => (model.predict(tf.tensor4d(rawTest, [7, ...SHAPE])) as tf.Tensor).dataSync() as Float32Array);
    model.dispose();
    const session = await ort.InferenceSession.create(onnxModelBytes(net, SIZE));
    const out = await session.run({ input: new ort.Tensor('float32', rawTest, [7, ...SHAPE]) });
    await session.release();
    const viaOnnx = out.logits.data as Float32Array;
    for (const [what, got] of [['tfjs', viaTfjs], ['onnx', viaOnnx]] as const) {
      const d = got.reduce((m, v, i) => Math.max(m, Math.abs(v - test[i])), 0);
      assert.ok(d < 1e-4 * Math.max(1, ...test.map(Math.abs)), `${what}: differs by ${d}`);
    }
  });
}

test('normalize none: no preprocessing layers', async () => {
  const stats = await normalizeSplits('none', pixels(2, 1), pixels(1, 2), SHAPE);
  assert.deepEqual(preprocessLayers({ inputShape: SHAPE, normalization: stats } as unknown as Dataset), []);
});
