/**
 * Every case of the bad-input table (test/fixtures/bad-inputs.ts) against the real `svd` binary,
 * each in a fresh workspace: the exit status, one clear message naming the file, no stack trace,
 * and nothing left behind (no run directory for `svd run`; an untouched run directory for
 * `svd resume` and `svd eval`). Also counts the bad-input cases in all: these plus the config
 * fixtures in test/fixtures/bad/.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { svd, tempDir } from './helpers/cli.js';
import { makeSmallRun, writeSmallMnist } from './helpers/small-run.js';
import { BAD_INPUTS, type Workspace } from './fixtures/bad-inputs.js';
import { FIXTURES } from './config-support.js';

/** Shared originals, copied into each case's workspace. */
let originals: { mnist: string; run: string; other: string; sparse: string; tfjs: string; onnx: string };

before(() => {
  const base = tempDir('svd-bad-base-');
  const mnist = path.join(base, 'mnist');
  writeSmallMnist(mnist);
  const run = makeSmallRun(mnist, path.join(base, 'runs'));
  const exportTo = (format: string) => {
    const out = path.join(base, `export-${format}`);
    const r = svd(['export', run, '--format', format, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    return out;
  };
  originals = { mnist, run, other: makeSmallRun(mnist, path.join(base, 'runs-other'), 'model.layers.1.units=50'), sparse: exportTo('sparse'), tfjs: exportTo('tfjs'), onnx: exportTo('onnx') };
});

/** A fresh workspace with copies of the originals. */
function workspace(): Workspace {
  const ws = tempDir('svd-bad-');
  const copy = (from: string, name: string) => {
    const to = path.join(ws, name);
    fs.cpSync(from, to, { recursive: true });
    return to;
  };
  return {
    ws, mnist: copy(originals.mnist, 'mnist'), run: copy(originals.run, 'run'), other: copy(originals.other, 'other'), runs: path.join(ws, 'runs'),
    sparse: copy(originals.sparse, 'sparse'), tfjs: copy(originals.tfjs, 'tfjs'), onnx: copy(originals.onnx, 'onnx'),
  };
}

/** A digest of every file under `dir` (names and contents). */
function treeDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      hash.update(path.relative(dir, p));
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) hash.update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

/** Every directory under `dir` that holds a resolved.json (a run directory). */
function runDirsUnder(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [];
  const found: string[] = [];
  const walk = (d: string) => {
    if (fs.existsSync(path.join(d, 'resolved.json'))) found.push(d);
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
  };
  walk(dir);
  return found;
}

test('the bad-input suite has at least 40 cases (config fixtures and the table)', () => {
  const configFixtures = fs.readdirSync(path.join(FIXTURES, 'bad')).filter((f) => f.endsWith('.yaml')).length;
  const total = configFixtures + BAD_INPUTS.length;
  console.log(`bad-input cases: ${configFixtures} config fixtures + ${BAD_INPUTS.length} table cases = ${total}`);
  assert.ok(total >= 40, `only ${total}`);
  assert.ok(BAD_INPUTS.length >= 40, `only ${BAD_INPUTS.length} beyond the configs`);
  assert.equal(new Set(BAD_INPUTS.map((c) => c.name)).size, BAD_INPUTS.length, 'case names must be unique');
});

for (const c of BAD_INPUTS) {
  test(`bad input: ${c.name}`, () => {
    const w = workspace();
    c.setup?.(w);
    const runBefore = treeDigest(w.run);
    const r = svd(c.args(w), undefined, c.env);
    const expected = c.message.replace(/\{(ws|run|other|mnist|runs)\}/g, (_, k: keyof Workspace) => w[k]);
    const report = `exit ${r.status}\nstderr:\n${r.stderr}`;
    assert.equal(r.status, c.exit, report);
    assert.ok(r.stderr.includes(expected), `stderr lacks '${expected}'\n${report}`);
    assert.doesNotMatch(r.stderr, /^\s+at .+[:(]\d+:\d+\)?$|unexpected error|Error: /m, `a stack trace or raw error\n${report}`);
    assert.ok(r.stderr.trim().split('\n').length <= 8 && r.stderr.length < 3000, `more than one message\n${report}`);
    if (process.env.SVD_SHOW_BAD_INPUTS) console.log(`${c.name} -> exit ${r.status}: ${r.stderr.trim()}`);
    assert.equal(r.stdout.trim(), '', 'nothing on stdout');
    assert.deepEqual(runDirsUnder(w.runs), [], 'no run directory is left behind');
    assert.equal(treeDigest(w.run), runBefore, 'the run directory is left untouched');
    fs.rmSync(w.ws, { recursive: true, force: true });
  });
}
