/**
 * Learning-rate and KL-weight schedules, including the paper's recipes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/optim/schedules.js';
import { KL_SCHEDULES, LR_SCHEDULES } from '../src/registries.js';

const lr = (type: string, epoch: number, extra: Record<string, number> = {}) => LR_SCHEDULES.get(type).lr(1e-3, epoch, 200, { type, ...extra });

test('lr schedules', () => {
  assert.equal(lr('constant', 150), 1e-3);
  assert.equal(lr('linear', 0), 1e-3);
  assert.ok(Math.abs(lr('linear', 100) - 5e-4) < 1e-12);
  // LeNet-300-100: constant until 100, then linear to 0 at 200
  assert.equal(lr('constant-then-linear', 99, { start: 100 }), 1e-3);
  assert.ok(Math.abs(lr('constant-then-linear', 150, { start: 100 }) - 5e-4) < 1e-12);
  assert.ok(lr('constant-then-linear', 199, { start: 100 }) > 0);
  assert.ok(Math.abs(lr('step', 125, { every: 50, gamma: 0.1 }) - 1e-5) < 1e-15);
});

test('KL weight: the paper\'s warm-up is 0 until epoch 5, linear to 1 at epoch 20', () => {
  const cfg = { schedule: 'linear', start: 5, end: 20, weight: 1 };
  const w = (e: number) => KL_SCHEDULES.get('linear').weight(e, cfg);
  assert.equal(w(0), 0);
  assert.equal(w(5), 0);
  assert.ok(Math.abs(w(12.5) - 0.5) < 1e-12);
  assert.equal(w(20), 1);
  assert.equal(w(150), 1);
  assert.equal(KL_SCHEDULES.get('constant').weight(0, { ...cfg, weight: 0.3 }), 0.3);
});
