/**
 * Every registered layer on webgpu computes what it computes on the cpu backend: its example
 * (the registry entry's spec and input) built once with the same variable values, then the
 * deterministic forward pass, the training pass (with the LRT noise drawn on the CPU for both,
 * the same stream) and the gradients of a fixed projection of the training output with respect to the
 * input and every trainable variable, compared within a tolerance. Skips where no Vulkan driver
 * is found, except under CI=true (test/helpers/webgpu.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/select.js';
import { LAYERS } from '../src/layers/registry.js';
import { DEVICE_NORMAL_KERNEL } from '../src/svd/normal-noise.js';
import type { LayerEntry } from '../src/layers/layer.js';
import { PAPER_SPARSITY, buildContext, buildLayer, forwardContext } from './helpers/layers.js';
import { webgpuUnavailable } from './helpers/webgpu.js';

const why = await webgpuUnavailable();
await selectBackend('cpu');

/** Relative tolerance against the largest magnitude of each compared array (float32 sums in another order, another exp/log). */
const TOLERANCE = 2e-4;
const BATCH = 3;

/** Named arrays one backend computed. */
type Figures = Map<string, Float32Array>;

/** The layer's example on `backend`: forward (eval, train) and gradients; `init` sets the variables (cpu's values), else they are returned. */
async function figuresOn(backend: string, type: string, entry: LayerEntry, init: Figures | null): Promise<Figures> {
  await selectBackend(backend);
  const { spec, input } = entry.example;
  const layer = buildLayer({ type, ...spec } as never, input, buildContext(`${type}_0`, PAPER_SPARSITY, 1));
  const out: Figures = new Map();
  try {
    for (const v of [...layer.trainable, ...layer.nonTrainable]) {
      const given = init?.get(`var ${v.name.slice(v.name.indexOf('/') + 1)}`);
      if (given) v.assign(tf.tensor(given, v.shape, v.dtype));
      else out.set(`var ${v.name.slice(v.name.indexOf('/') + 1)}`, Float32Array.from(await v.data()));
    }
    const size = BATCH * input.reduce((p, s) => p * s, 1);
    const x = tf.tensor(Float32Array.from({ length: size }, (_, i) => Math.sin(i * 1.7 + 0.3)), [BATCH, ...input]);
    const evalOut = tf.tidy(() => layer.apply(x, forwardContext(false)));
    const project = (y: tf.Tensor) => tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size).reshape(y.shape))));
    const trainPass = () => project(layer.apply(x, forwardContext(true, PAPER_SPARSITY, 100))) as tf.Scalar;
    const { value, grads } = layer.trainable.length ? tf.variableGrads(trainPass, layer.trainable) : { value: tf.tidy(trainPass), grads: {} as tf.NamedTensorMap };
    const dx = tf.grad((input: tf.Tensor) => project(layer.apply(input, forwardContext(true, PAPER_SPARSITY, 100))))(x);
    out.set('forward eval', Float32Array.from(await evalOut.data()));
    out.set('train projection', Float32Array.from(await value.data()));
    out.set('d input', Float32Array.from(await dx.data()));
    for (const v of layer.trainable) out.set(`d ${v.name.slice(v.name.indexOf('/') + 1)}`, Float32Array.from(await grads[v.name].data()));
    tf.dispose([x, evalOut, value, dx, ...Object.values(grads)]);
  } finally {
    tf.dispose([...layer.trainable, ...layer.nonTrainable]);
  }
  return out;
}

for (const [type, entry] of LAYERS.list()) {
  test(`layer ${type}: forward and gradients on webgpu agree with cpu`, { skip: why ?? false }, async () => {
    const cpu = await figuresOn('cpu', type, entry, null);
    // The LRT noise as cpu draws it, so that both passes see the same noise (the device
    // generator has its own stream: test/webgpu-noise.test.ts).
    const deviceNoise = tf.getKernel(DEVICE_NORMAL_KERNEL, 'webgpu');
    if (deviceNoise) tf.unregisterKernel(DEVICE_NORMAL_KERNEL, 'webgpu');
    let gpu: Figures;
    try {
      gpu = await figuresOn('webgpu', type, entry, cpu);
    } finally {
      if (deviceNoise) tf.registerKernel(deviceNoise);
    }
    const compared = [...cpu.keys()].filter((k) => !k.startsWith('var '));
    assert.ok(compared.includes('forward eval') && compared.includes('d input'));
    for (const key of compared) {
      const [a, b] = [cpu.get(key)!, gpu.get(key)];
      assert.ok(b, `${type}: webgpu gave no ${key}`);
      assert.equal(b.length, a.length, `${type}: ${key} length`);
      const scale = Math.max(1e-6, ...Array.from(a, Math.abs));
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
      assert.ok(Number.isFinite(worst) && worst <= TOLERANCE, `${type}: ${key} differs by ${worst.toExponential(2)} of its scale ${scale.toPrecision(3)} (tolerance ${TOLERANCE})`);
    }
    await selectBackend('cpu');
  });
}
