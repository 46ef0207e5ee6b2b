/**
 * Epoch points and the KL guardrail: `kl.start` / `kl.end` and lr schedule points given as
 * percentages of training become epochs in the resolved config (whole ones where the schedule
 * wants integers), a bad one is a located schema error, and a run whose KL weight stays 0, or
 * whose warm-up ends past the last epoch, gets a warning (svd validate prints it) while the
 * shipped configs and the README's shortened conv-net check get none and reach KL weight 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadConfig } from '../src/experiment/load-config.js';
import { configWarnings } from '../src/experiment/checks.js';
import { schedulesAt } from '../src/train/trainer.js';
import { ROOT, svd } from './helpers/cli.js';

const config = (name: string) => path.join(ROOT, 'configs', name);

test('percentages of training become epochs: fractional for kl, whole for lr schedule points', async () => {
  const { config: c } = await loadConfig(config('lenet300-mnist.yaml'), ['training.epochs=7', 'kl.start=2.5%', 'kl.end=10%', 'optimizer.schedule.start=50%']);
  assert.deepEqual([c.kl.start, c.kl.end, c.optimizer.schedule.start], [0.175, 0.7, 4]);
  const step = await loadConfig(config('lenet300-mnist.yaml'), ['training.epochs=10', 'optimizer.schedule={type: step, every: 1%, gamma: 0.5}']);
  assert.equal(step.config.optimizer.schedule.every, 1, 'at least the minimum');
  const full = await loadConfig(config('lenet5-mnist.yaml'));
  assert.deepEqual([full.config.kl.start, full.config.kl.end], [5, 20], 'the shipped 200-epoch recipe is unchanged');
});

test('a bad epoch point names the key and both accepted forms', async () => {
  await assert.rejects(loadConfig(config('quickstart.yaml'), ['kl.end=ten%']), /kl\.end: must be number >= 0 or a percentage of training\.epochs such as '10%', got "ten%"/);
});

test('a KL weight that stays 0, or a warm-up cut short, is warned about; the shipped configs and the README check are not', async () => {
  const warningsOf = async (file: string, ...sets: string[]) => configWarnings((await loadConfig(config(file), sets)).config);
  const off = await warningsOf('quickstart.yaml', 'kl.start=3', 'kl.end=4', 'training.epochs=2');
  assert.equal(off.length, 1);
  assert.match(off[0]!, /^kl\.start: the KL weight is 0 in all 2 epoch\(s\) \(kl\.start 3, kl\.end 4\): this trains without Sparse VD/);
  const short = await warningsOf('lenet5-mnist.yaml', 'kl.start=5', 'kl.end=20', 'training.epochs=15');
  assert.match(short[0]!, /^kl\.end: the KL warm-up reaches only 0\.6 of kl\.weight 1 in the last epoch \(kl\.end 20, training\.epochs 15\)/);
  assert.deepEqual(await warningsOf('lenet5-mnist.yaml', 'kl.weight=0', 'training.epochs=1'), [], 'no KL asked for, nothing to warn about');
  for (const file of ['quickstart.yaml', 'lenet300-mnist.yaml', 'lenet5-mnist.yaml', 'vgg-cifar10.yaml', 'vgg-cifar100.yaml']) assert.deepEqual(await warningsOf(file), [], file);
  // the README's conv-net check: 2 epochs keep the percentage warm-up, KL weight 1 in epoch 2
  const { config: check } = await loadConfig(config('lenet5-mnist.yaml'), ['training.epochs=2', 'data.trainLimit=2000']);
  assert.deepEqual(configWarnings(check), []);
  assert.deepEqual([0, 1].map((epoch) => schedulesAt(check, epoch).klWeight), [0, 1]);
  // one epoch is too short even for percentages: the advice says so rather than suggest percentages again
  assert.match(configWarnings((await loadConfig(config('lenet5-mnist.yaml'), ['training.epochs=1'])).config)[0]!, /KL weight is 0 in all 1 epoch.*; train for more epochs/);
});

test('svd validate and svd sweep --dry-run print the warning, and still exit 0', () => {
  const v = svd(['validate', config('lenet5-mnist.yaml'), '--set', 'training.epochs=1']);
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stderr, /lenet5-mnist\.yaml: warning: kl\.start: the KL weight is 0 in all 1 epoch\(s\)/);
  const s = svd(['sweep', path.join(ROOT, 'configs', 'sweeps', 'quickstart-kl.yaml'), '--set', 'training.epochs=1', '--dry-run']);
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stderr, /svd sweep: warning \(jobs 0, 1\): kl\.start: the KL weight is 0 in all 1 epoch\(s\) \(kl\.start 0, kl\.end 3\)/);
  assert.match(s.stderr, /svd sweep: warning \(jobs 2, 3\): .*kl\.end 5\)/);
});
