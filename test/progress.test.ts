/**
 * The per-epoch progress line: Sparse VD fields only where the model has Sparse VD layers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochLine } from '../src/run/progress.js';
import { formatDuration } from '../src/text/format.js';
import type { EpochMetrics } from '../src/train/trainer.js';

const metrics = (sparsity: Record<string, number>): EpochMetrics => ({
  epoch: 3, lr: 0.00099, klWeight: 0.25, trainLoss: 0.12345, trainNll: 0.1, trainKl: 5, trainAccuracy: 0.97,
  testError: 0.0123, testNll: 0.04, sparsity, compression: sparsity.a === undefined ? 1 : 12.34, seconds: 75,
});

test('a Sparse VD model shows sparsity per layer, compression and the KL weight', () => {
  assert.equal(
    epochLine(metrics({ a: 0.5, b: 0.987 }), 200),
    'epoch 3/200 loss 0.1235 test error 1.23% sparsity 50.0/98.7% compression 12.3x lr 0.000990 kl weight 0.250 1m15s',
  );
});

test('a dense model leaves sparsity, compression and the KL weight out', () => {
  const line = epochLine(metrics({}), 30);
  assert.equal(line, 'epoch 3/30 loss 0.1235 test error 1.23% lr 0.000990 1m15s');
});

test('durations', () => {
  assert.equal(formatDuration(12.4), '12s');
  assert.equal(formatDuration(185), '3m05s');
  assert.equal(formatDuration(3725), '1h02m');
  assert.equal(formatDuration(Number.NaN), '?');
});
