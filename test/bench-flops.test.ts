/**
 * The benchmark's arithmetic count: every registered layer with a kernel says how many
 * multiply-accumulates it does (one per kernel value and output position, once per kernel-sized
 * variable: Sparse VD's theta and log sigma^2 are its LRT's two passes), and a training step of
 * LeNet-5-Caffe comes to the count done by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { LAYERS } from '../src/registries.js';
import { loadConfig } from '../src/experiment/load-config.js';
import { trainingStepFlops } from '../bench/flops.js';
import { ROOT } from './helpers/cli.js';

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

for (const [type, entry] of LAYERS.list()) {
  test(`${type}: multiply-accumulates of its example`, () => {
    const config = entry.config({ type, ...entry.example.spec });
    const input = entry.example.input;
    const kernels = (entry.paramShapes?.(config, input) ?? []).filter((s) => s.length >= 2);
    const output = entry.outputShape(config, input);
    const expected = kernels.reduce((sum, k) => sum + product(k) * (product(output) / output[output.length - 1]), 0);
    assert.equal(entry.macs?.(config, input) ?? 0, expected);
  });
}

test('a LeNet-5-Caffe training step: the FLOPs counted by hand', async () => {
  const { config } = await loadConfig(path.join(ROOT, 'configs/lenet5-mnist.yaml'), []);
  // per example: conv1 24x24 outputs x 20 filters x 5x5x1, conv2 8x8 x 50 x 5x5x20, fc1 800x500, fc2 500x10; two LRT passes each
  const [conv1, conv2, fc1, fc2] = [24 * 24 * 20 * 25, 8 * 8 * 50 * 500, 800 * 500, 500 * 10].map((m) => 2 * m);
  // forward 2 FLOPs per MAC, backward 4 (weights and input), the first layer's input needs no gradient
  const expected = (4 * conv1 + 6 * (conv2 + fc1 + fc2)) * config.data.batchSize;
  assert.equal(trainingStepFlops(config), expected);
});
