/**
 * The per-epoch progress line: Sparse VD fields only where the model has Sparse VD layers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochLine, Progress } from '../src/run/progress.js';
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

test('the validation error, when the run holds a split out, comes before the test error', () => {
  assert.match(epochLine({ ...metrics({}), valError: 0.011 }, 30), /^epoch 3\/30 loss 0\.1235 val error 1\.10% test error 1\.23% /);
});

test('a message after the progress bar starts on its own line; after an epoch line nothing is added', () => {
  let written = '';
  const stream = { write: (s: string) => { written += s; return true; } } as unknown as NodeJS.WriteStream;
  const progress = new Progress(2, stream, true);
  progress.step(1, 10, 0);
  assert.ok(written.startsWith('\repoch 1/2 [') && !written.endsWith('\n'), 'the bar is drawn in place');
  progress.endLine();
  assert.ok(written.endsWith('\n'), 'endLine ends the bar\'s line');
  progress.epoch(metrics({}));
  const before = written;
  progress.endLine();
  assert.equal(written, before, 'an epoch line already ended the line');
});
