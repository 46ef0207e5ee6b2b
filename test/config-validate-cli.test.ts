/**
 * `svd validate`: `file: ok` on stdout for valid configs, one located line per problem on
 * stderr, exit 0 when all are valid and 2 otherwise; `--set` applies to every file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import validate from '../src/cli/validate.js';
import { SvdError } from '../src/errors.js';
import { FIXTURES } from './config-support.js';
import { withConsoleCaptured } from './helpers/cli-in-process.js';

/** Runs the command with console output captured. */
async function runValidate(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const { value: code, out, err } = await withConsoleCaptured(() => validate.run(argv));
  return { code, out, err };
}

const good = path.join(FIXTURES, 'good', 'minimal.yaml');
const bad = path.join(FIXTURES, 'bad', 'wrong-type-integer.yaml');

test('valid configs print "file: ok" and exit 0', async () => {
  const result = await runValidate([good, path.join(FIXTURES, 'good', 'lenet5.yaml')]);
  assert.equal(result.code, 0);
  assert.deepEqual(result.out, [`${good}: ok`, `${path.join(FIXTURES, 'good', 'lenet5.yaml')}: ok`]);
  assert.deepEqual(result.err, []);
});

test('problems go to stderr as file:line:col: path: message and exit 2', async () => {
  const result = await runValidate([bad, good]);
  assert.equal(result.code, 2);
  assert.deepEqual(result.out, [`${good}: ok`]);
  assert.deepEqual(result.err, [`${bad}:8:33: model.layers.2.units: must be integer, got 12.5`]);
});

test('--set applies to each config', async () => {
  const result = await runValidate([good, '--set', 'training.epochz=1']);
  assert.equal(result.code, 2);
  assert.match(result.err[0], /^--set: training.epochz: unknown key 'epochz'/);
});

test('no config or an unknown option is E_ARGS', async () => {
  await assert.rejects(runValidate([]), (e: unknown) => e instanceof SvdError && e.code === 'E_ARGS');
  await assert.rejects(runValidate([good, '--frobnicate']), (e: unknown) => e instanceof SvdError && e.code === 'E_ARGS');
});

test('sweep files are recognised (a base key) and checked with every job, as svd sweep --dry-run does', async () => {
  const sweeps = path.join(FIXTURES, 'sweeps');
  const okSweep = path.join(sweeps, 'runs-list.yaml');
  const badJob = path.join(sweeps, 'bad-job.yaml');
  const result = await runValidate([okSweep, badJob, good]);
  assert.equal(result.code, 2);
  assert.deepEqual(result.out, [`${okSweep}: ok (sweep of 3 job(s))`, `${good}: ok`]);
  // runs-list.yaml trains 2 epochs, before the KL warm-up of its base starts: warned, not refused
  const warnings = result.err.filter((line) => line.startsWith(`${okSweep}: warning (jobs 0, 1, 2): kl.start: the KL weight is 0`));
  assert.equal(warnings.length, 1, result.err.join('\n'));
  const problems = result.err.filter((line) => !warnings.includes(line));
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, new RegExp(`^${badJob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:27: job 1 \\(sparsity.threshold=8\\): sparsity.threshold: must be below`));
});
