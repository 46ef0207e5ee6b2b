/**
 * Test helpers: a small MNIST-like folder and real completed runs of the quickstart on it (one
 * epoch in a couple of seconds), for tests that damage a run's records or a sweep's.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lastLine, svd } from './cli.js';
import { writeMnistFolder } from './idx-files.js';

/** Writes 200 training and 100 test images of 28 x 28 into `dir`; returns `dir`. */
export function writeSmallMnist(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const split = (n: number, salt: number) => ({
    pixels: Array.from({ length: n * 784 }, (_, i) => ((i * 31 + salt * 7) ^ (i >> 5)) & 0xff),
    labels: Array.from({ length: n }, (_, i) => (i + salt) % 10),
  });
  writeMnistFolder(dir, split(200, 1), split(100, 2));
  return dir;
}

/** A completed run of configs/quickstart.yaml on `mnist` (1 epoch unless `sets` say otherwise) under `runsDir`; returns its directory. */
export function makeSmallRun(mnist: string, runsDir: string, ...sets: string[]): string {
  const r = svd(['run', 'configs/quickstart.yaml', '--set', `data.root=${mnist}`, '--set', 'training.epochs=1', ...sets.flatMap((s) => ['--set', s]), '--runs-dir', runsDir]);
  assert.equal(r.status, 0, r.stderr);
  return lastLine(r.stdout);
}

/** A sweep directory `dir` whose jobs are the runs `runDirs` (its jobs.jsonl, sweep.json and sweep.yaml); returns `dir`. */
export function sweepOfRuns(dir: string, runDirs: readonly string[]): string {
  fs.mkdirSync(dir, { recursive: true });
  const jobs = runDirs.map((runDir, index) => JSON.stringify({ index, overrides: { seed: index }, device: null, runDir: path.relative(dir, runDir), status: 'completed', exitCode: 0, seconds: 1, attempts: 1 }));
  fs.writeFileSync(path.join(dir, 'jobs.jsonl'), jobs.map((j) => j + '\n').join(''));
  fs.writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify({ name: 's', file: 'sweep.yaml', base: 'configs/quickstart.yaml', cliSets: [], created: '2026-12-02T00:00:00.000Z', command: [] }));
  fs.writeFileSync(path.join(dir, 'sweep.yaml'), 'name: s\nbase: ../configs/quickstart.yaml\ngrid:\n  seed: [0, 1]\n');
  return dir;
}

/** A digest-free snapshot of every file under `dir`: relative path -> contents. */
export function filesUnder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (fs.lstatSync(p).isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p));
    }
  };
  walk(dir);
  return out;
}
