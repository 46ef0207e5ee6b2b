/**
 * Every registered layer type, on every backend that loads here, built from its registered
 * example: output shape as its shape function says, finite gradients for every trainable
 * variable, deterministic evaluation, and no tensor leaked by a forward + backward pass.
 * A new layer type is covered by these tests the moment it registers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { LAYERS } from '../src/registries.js';
import { selectBackend } from '../src/backends/select.js';
import { buildContext, buildLayer, forwardContext, outputShapeOf } from './helpers/layers.js';

const BACKENDS = ['cpu', 'wasm'] as const;
const BATCH = 3;

for (const backend of BACKENDS) {
  for (const [type, entry] of LAYERS.list()) {
    test(`${type} on ${backend}: shape, gradients, determinism, no leaks`, async () => {
      await selectBackend(backend);
      const spec = { type, ...entry.example.spec };
      const expected = outputShapeOf(spec, entry.example.input);
      const layer = buildLayer(spec, entry.example.input, buildContext(`${type}_t`));
      assert.deepEqual(layer.outputShape, expected);
      const x = tf.randomUniform([BATCH, ...entry.example.input], -1, 1, 'float32', 3);

      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        tf.tidy(() => {
          const y = layer.apply(x, forwardContext(true));
          assert.deepEqual(y.shape, [BATCH, ...expected]);
          if (layer.trainable.length === 0) return;
          const { grads } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x, forwardContext(true)))) as tf.Scalar, layer.trainable);
          for (const v of layer.trainable) {
            const g = grads[v.name];
            assert.ok(g, `no gradient for ${v.name}`);
            assert.deepEqual(g.shape, v.shape);
            assert.ok((g.dataSync() as Float32Array).every(Number.isFinite), `non-finite gradient for ${v.name}`);
          }
        });
      }
      assert.equal(tf.memory().numTensors, before, 'tensors leaked by forward/backward passes');

      const evalA = tf.tidy(() => layer.apply(x, forwardContext(false, undefined, 1)).arraySync());
      const evalB = tf.tidy(() => layer.apply(x, forwardContext(false, undefined, 2)).arraySync());
      assert.deepEqual(evalA, evalB, 'evaluation must not depend on the noise stream');
      x.dispose();
      for (const v of [...layer.trainable, ...layer.nonTrainable]) v.dispose();
    });
  }
}

test('every layer example is valid input for its own shape function', () => {
  for (const [type, entry] of LAYERS.list()) {
    assert.doesNotThrow(() => outputShapeOf({ type, ...entry.example.spec }, entry.example.input), type);
  }
});

test('shape functions reject inputs the layer cannot take', () => {
  assert.throws(() => outputShapeOf({ type: 'conv2d', filters: 2, kernelSize: 3 }, [800]), /image input/);
  assert.throws(() => outputShapeOf({ type: 'dense-svd', units: 2 }, [4, 4, 1]), /flatten/);
  assert.throws(() => outputShapeOf({ type: 'conv2d-svd', filters: 2, kernelSize: 5 }, [3, 3, 1]), /does not fit/);
  assert.throws(() => outputShapeOf({ type: 'maxpool', poolSize: 4 }, [2, 2, 1]), /does not fit/);
});

test('the registry names every layer type of the contract', () => {
  const contract = ['activation', 'batchnorm', 'conv2d', 'conv2d-svd', 'dense', 'dense-svd', 'dropout', 'flatten', 'maxpool'];
  assert.deepEqual(contract.filter((type) => !LAYERS.has(type)), []);
});

test('kernelInitializer: glorotUniform by default, randomNormal with initStddev, for every layer that takes it', () => {
  const shapes: Record<string, { spec: Record<string, unknown>; input: number[]; fanIn: number; fanOut: number }> = {
    dense: { spec: { units: 300 }, input: [400], fanIn: 400, fanOut: 300 },
    conv2d: { spec: { filters: 50, kernelSize: 5 }, input: [12, 12, 20], fanIn: 500, fanOut: 1250 },
  };
  const takers = LAYERS.names().filter((name) => 'kernelInitializer' in (LAYERS.get(name).schema.properties ?? {}));
  assert.deepEqual(takers.sort(), ['conv2d', 'conv2d-svd', 'dense', 'dense-svd']);
  for (const name of takers) {
    const geometry = shapes[name.replace('-svd', '')];
    const kernelOf = (extra: Record<string, unknown>) => {
      const layer = buildLayer({ type: name, ...geometry.spec, ...extra }, geometry.input, buildContext(`${name}_init`));
      const kernel = layer.trainable[0].dataSync() as Float32Array;
      const values = Float32Array.from(kernel);
      tf.dispose([...layer.trainable, ...layer.nonTrainable]);
      return values;
    };
    const stats = (v: Float32Array) => {
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length), max: v.reduce((a, b) => Math.max(a, Math.abs(b)), 0) };
    };
    const glorot = stats(kernelOf({}));
    const limit = Math.sqrt(6 / (geometry.fanIn + geometry.fanOut));
    assert.ok(glorot.max <= limit && glorot.max > 0.95 * limit, `${name} glorot bound ${glorot.max} vs ${limit}`);
    const normal = stats(kernelOf({ kernelInitializer: 'randomNormal', initStddev: 0.01 }));
    assert.ok(Math.abs(normal.std - 0.01) < 0.0005 && Math.abs(normal.mean) < 0.0005, `${name} randomNormal: ${JSON.stringify(normal)}`);
  }
});
