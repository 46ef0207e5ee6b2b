/**
 * Every registered layer type, on every backend that loads here, built from its registered
 * example: output shape as its shape function says, finite gradients for every trainable
 * variable, deterministic evaluation, and no tensor leaked by a forward + backward pass.
 * A new layer type is covered by these tests the moment it registers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '../src/registry/load-all.js';
import { LAYERS } from '../src/registry/registries.js';
import { selectBackend } from '../src/backend.js';
import { buildContext, forwardContext } from './helpers/layers.js';

const BACKENDS = ['cpu', 'wasm'] as const;
const BATCH = 3;

for (const backend of BACKENDS) {
  for (const [type, entry] of LAYERS.list()) {
    test(`${type} on ${backend}: shape, gradients, determinism, no leaks`, async () => {
      await selectBackend(backend);
      const spec = { type, ...entry.example.spec };
      const expected = entry.outputShape(spec, entry.example.input);
      const layer = entry.build(spec, entry.example.input, buildContext(`${type}_t`));
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
    assert.doesNotThrow(() => entry.outputShape({ type, ...entry.example.spec }, entry.example.input), type);
  }
});

test('shape functions reject inputs the layer cannot take', () => {
  assert.throws(() => LAYERS.get('conv2d').outputShape({ type: 'conv2d', filters: 2, kernelSize: 3 }, [800]), /image input/);
  assert.throws(() => LAYERS.get('dense-svd').outputShape({ type: 'dense-svd', units: 2 }, [4, 4, 1]), /flatten/);
  assert.throws(() => LAYERS.get('conv2d-svd').outputShape({ type: 'conv2d-svd', filters: 2, kernelSize: 5 }, [3, 3, 1]), /does not fit/);
  assert.throws(() => LAYERS.get('maxpool').outputShape({ type: 'maxpool', poolSize: 4 }, [2, 2, 1]), /does not fit/);
});

test('the registry names every layer type of the contract', () => {
  assert.deepEqual([...LAYERS.names()].sort(), ['activation', 'batchnorm', 'conv2d', 'conv2d-svd', 'dense', 'dense-svd', 'dropout', 'flatten', 'maxpool']);
});
