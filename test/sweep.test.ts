/**
 * The sweeper and the launcher in-process: reading sweep files (every bad fixture in
 * test/fixtures/sweeps/ fails with its file:line:col message), grid and runs expansion, override
 * round trips through `--set`, every job validated before any runs, device exclusivity and the
 * concurrency limit with a fake job runner, and a dry run of every shipped sweep.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SvdErrors } from '../src/errors.js';
import { parseOverride } from '../src/config/overrides.js';
import { readSweepFile } from '../src/sweep/sweep-file.js';
import { expandSweep } from '../src/sweep/expand.js';
import { overridesToSets, varyingKeys } from '../src/config/override-sets.js';
import { checkJobs } from '../src/sweep/check-jobs.js';
import { DevicePool } from '../src/sweep/executors/device-pool.js';
import { effectiveConcurrency, launch } from '../src/sweep/executors/launcher.js';
import { ROOT, svd } from './helpers/cli.js';

const FIXTURES = path.join('test', 'fixtures', 'sweeps');
const fixture = (name: string) => path.join(FIXTURES, name);

/** Each bad sweep fixture and the message lines it must give (file:line:col: ...). */
const BAD: Record<string, RegExp[]> = {
  'bad-schema.yaml': [
    /bad-schema\.yaml:4:23: grid\.sparsity\.threshold: must be a list, got 3$/,
    /bad-schema\.yaml:6:7: jobs: must be >= 1, got 0$/,
    /bad-schema\.yaml:7:14: devices\.1: must be integer >= 0 or string, got -1$/,
    /bad-schema\.yaml:8:1: colour: unknown key 'colour'; allowed: name, base, set, grid, runs, jobs, devices, executor$/,
  ],
  'bad-paths.yaml': [
    /bad-paths\.yaml:3:8: set: 'training epochs' is not a config path: keys and list indices joined by dots/,
    /bad-paths\.yaml:5:3: grid: 'sparsity\.\.threshold' is not a config path/,
  ],
  'both.yaml': [/both\.yaml:5:1: runs: give either grid or runs, not both$/],
  'neither.yaml': [/neither\.yaml:2:1: missing the jobs/],
  'bad-job.yaml': [/bad-job\.yaml:4:27: job 1 \(sparsity\.threshold=8\): sparsity\.threshold: must be below sparsity\.logAlphaClip/],
  'bad-key.yaml': [/bad-key\.yaml:5:26: job 1 \(sparsity\.treshold=2\): sparsity\.treshold: unknown key 'treshold'; allowed: threshold,/],
  'bad-base.yaml': [/bad-base\.yaml:2:7: base: cannot read config file: no such file \(test\/fixtures\/good\/no-such-config\.yaml\)$/],
};

test('every bad sweep fixture has an expectation', () => {
  const files = fs.readdirSync(path.join(ROOT, FIXTURES)).filter((f) => f.endsWith('.yaml') && f !== 'runs-list.yaml');
  assert.deepEqual(files.sort(), Object.keys(BAD).sort());
});

for (const [name, expected] of Object.entries(BAD)) {
  test(`bad sweep ${name}: svd sweep --dry-run exits 2 with located messages`, () => {
    const r = svd(['sweep', fixture(name), '--dry-run']);
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, expected.length, r.stderr);
    expected.forEach((re, i) => assert.match(lines[i], re));
    assert.equal(r.stdout, '');
  });
}

test('a grid expands to its cross product, first key slowest, each value located', async () => {
  const sweep = await readSweepFile(path.join(ROOT, 'configs/sweeps/lenet300-thresholds.yaml'));
  assert.equal(sweep.name, 'lenet300-thresholds');
  assert.equal(sweep.base, path.join(ROOT, 'configs/lenet300-mnist.yaml'));
  const jobs = expandSweep(sweep);
  assert.deepEqual(jobs.map((j) => j.overrides), [2, 3, 4].flatMap((t) => [0, 1, 2].map((seed) => ({ 'sparsity.threshold': t, seed }))));
  assert.deepEqual(jobs.map((j) => j.index), [...jobs.keys()]);
  assert.deepEqual([jobs[4].origins.seed.line, jobs[4].origins.seed.col], [10, 13]);
  assert.deepEqual(varyingKeys(jobs), ['sparsity.threshold', 'seed']);
});

test('runs give one job each; common overrides, nested values and lists survive --set', async () => {
  const sweep = await readSweepFile(fixture('runs-list.yaml'));
  assert.deepEqual(sweep.devices, ['0', '1']);
  assert.equal(sweep.jobs, 2);
  const jobs = expandSweep(sweep);
  assert.equal(jobs.length, 3);
  assert.deepEqual(jobs[2].overrides, { 'optimizer.schedule': { type: 'linear' }, 'model.layers.1.units': 50 });
  const values: Record<string, unknown> = { a: 'mean-image', b: 3, c: -2.5, d: null, e: true, f: [1, 'x'], g: { type: 'linear', start: 3 }, h: '3', i: 'yes', j: Infinity };
  for (const set of overridesToSets(values)) {
    const { path: [key], value } = parseOverride(set);
    assert.deepEqual(value, values[key], set);
  }
  const checked = await checkJobs(sweep, jobs, ['data.testLimit=200']);
  assert.deepEqual(checked.map((c) => c.config.sparsity.threshold), [2, 4, 3]);
  assert.deepEqual(checked.map((c) => c.config.training.epochs), [2, 2, 2]);
  assert.equal(checked[2].config.model.layers[1].units, 50);
  assert.equal(checked[2].config.optimizer.schedule.type, 'linear');
  assert.deepEqual(checked.map((c) => c.config.data.testLimit), [200, 200, 200]);
});

test('every invalid job is reported before anything runs; one shared problem is reported once', async () => {
  const sweep = await readSweepFile(fixture('bad-job.yaml'));
  sweep.grid = { 'sparsity.threshold': [8, 3, 9], 'kl.start': [30] };
  const err = await checkJobs(sweep, expandSweep(sweep), []).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof SvdErrors);
  const text = err.format();
  assert.match(text, /every job \(3 of 3\): kl\.end: /);
  assert.match(text, /job 0 \(sparsity\.threshold=8 kl\.start=30\): sparsity\.threshold: must be below/);
  assert.match(text, /job 2 \(sparsity\.threshold=9 kl\.start=30\): sparsity\.threshold: must be below/);
  assert.doesNotMatch(text, /job 1 /);
  assert.equal(err.exitCode, 2);
});

test('a device pool never hands one device to two holders', async () => {
  const pool = new DevicePool(['a', 'b']);
  const [x, y] = [await pool.acquire(), await pool.acquire()];
  assert.deepEqual([x, y], ['a', 'b']);
  let third: string | null = null;
  const waiting = pool.acquire().then((d) => { third = d; });
  await new Promise((r) => setImmediate(r));
  assert.equal(third, null);
  pool.release('b');
  await waiting;
  assert.equal(third, 'b');
  assert.throws(() => pool.release('c'), /not held/);
  assert.throws(() => new DevicePool(['0', '0']), /twice/);
});

test('the launcher keeps to the concurrency limit and gives each running job its own device', async () => {
  for (const [concurrency, devices] of [[2, null], [4, ['0', '1', '2']], [2, ['7', '8', '9']], [1, ['0']]] as const) {
    let running = 0;
    let peak = 0;
    const holding = new Set<string>();
    const results = await launch([...Array(9).keys()], {
      concurrency,
      devices,
      notStarted: () => -1,
      run: async (job, device) => {
        running += 1;
        peak = Math.max(peak, running);
        if (device !== null) {
          assert.ok(!holding.has(device), `device ${device} given to two jobs`);
          holding.add(device);
        } else assert.equal(devices, null);
        await new Promise((r) => setTimeout(r, 5 + (job % 3) * 5));
        if (device !== null) holding.delete(device);
        running -= 1;
        return job * 10;
      },
    });
    assert.deepEqual(results, [...Array(9).keys()].map((j) => j * 10));
    assert.equal(peak, effectiveConcurrency(concurrency, devices), `${concurrency} jobs on ${devices}`);
  }
});

test('after an abort the launcher starts nothing more', async () => {
  const controller = new AbortController();
  const started: number[] = [];
  const results = await launch([0, 1, 2, 3, 4], {
    concurrency: 2,
    signal: controller.signal,
    notStarted: () => 'skipped',
    run: async (job, _device, signal) => {
      started.push(job);
      if (job === 1) controller.abort();
      await new Promise((r) => setTimeout(r, 5));
      return signal.aborted ? 'stopped' : 'done';
    },
  });
  assert.deepEqual(started, [0, 1]);
  assert.deepEqual(results, ['stopped', 'stopped', 'skipped', 'skipped', 'skipped']);
});

test('every shipped sweep is valid (svd sweep --dry-run)', () => {
  const dir = path.join(ROOT, 'configs', 'sweeps');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 2);
  for (const file of files) {
    const r = svd(['sweep', path.join('configs', 'sweeps', file), '--dry-run']);
    assert.equal(r.status, 0, `${file}: ${r.stderr}`);
    assert.match(r.stdout, /job\(s\), all valid/);
  }
});

test('bad sweep arguments exit 2 with the usage or a reason', () => {
  const cases: Array<[string[], RegExp]> = [
    [['sweep'], /expected a sweep file/],
    [['sweep', fixture('runs-list.yaml'), '--jobs', '0'], /--jobs must be a whole number >= 1/],
    [['sweep', fixture('runs-list.yaml'), '--devices', '0,0'], /lists device 0 twice/],
    [['sweep', fixture('runs-list.yaml'), '--devices', '0,,1'], /comma-separated list/],
    [['sweep', fixture('runs-list.yaml'), '--set', 'seed=3'], /overrides 'seed', which the sweep's jobs vary/],
    [['sweep', '--resume', path.join(FIXTURES, 'no-such-dir')], /is not a sweep directory/],
    [['sweep', fixture('runs-list.yaml'), '--frob'], /usage: svd sweep/],
  ];
  for (const [args, re] of cases) {
    const r = svd(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
  }
});
