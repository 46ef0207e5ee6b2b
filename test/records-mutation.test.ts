/**
 * Property test (fast-check, with a fixed seed it prints): mutates the real records of a small
 * completed run and of a sweep of two such runs (summary.json, env.json, resolved.json,
 * metrics.jsonl, jobs.jsonl, sweep.json: truncation, a flipped bit, a key given another type or
 * null, a key deleted, the whole file `null`) and runs `svd ls`, `svd diff` and `svd eval` or
 * `svd report` on them. Every answer is a clean one: exit 0 or 2 (1 only for a failure svd
 * words itself), never a stack trace or "unexpected error", never a hang (each command has a
 * timeout) and never a heap beyond a bound (each runs with --max-old-space-size).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { ROOT, SVD_BIN, tempDir } from './helpers/cli.js';
import { makeSmallRun, sweepOfRuns, writeSmallMnist } from './helpers/small-run.js';

const SEED = 20261202;
const RUNS = 5;
/** Seconds one command may take: far above what a sound one needs. */
const TIMEOUT_S = 60;
/** The JS heap a command may grow to, in MiB. */
const HEAP_MB = 1024;

let originals: { a: string; b: string };

before(() => {
  const base = tempDir('svd-mutate-base-');
  const mnist = writeSmallMnist(path.join(base, 'mnist'));
  originals = { a: makeSmallRun(mnist, path.join(base, 'runs-a')), b: makeSmallRun(mnist, path.join(base, 'runs-b'), 'seed=1') };
});

const RUN_FILES = ['summary.json', 'env.json', 'resolved.json', 'metrics.jsonl'];
const SWEEP_FILES = ['jobs.jsonl', 'sweep.json'];
const VALUES: unknown[] = [null, 'x', 5, -1, 1e308, true, {}, [], [1, 'a'], { a: 1 }];

/** One mutation: what it does, where (a fraction of the file or of its keys), and with what. */
interface Mutation { kind: 'truncate' | 'flip' | 'null' | 'retype' | 'delete'; at: number; bit: number; value: number }
const MUTATION: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('truncate', 'flip', 'null', 'retype', 'delete'),
  at: fc.integer({ min: 0, max: 9999 }).map((n) => n / 10000),
  bit: fc.integer({ min: 0, max: 7 }),
  value: fc.integer({ min: 0, max: VALUES.length - 1 }),
});

/** Dotted paths of a JSON value's keys, two levels deep. */
function keyPaths(v: unknown): string[][] {
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).flatMap(([k, child]) => [[k], ...(typeof child === 'object' && child !== null ? Object.keys(child).map((c) => [k, c]) : [])]);
}

/** `text` (a JSON file, or one line of a JSON-lines file) with `m` applied. */
function mutateJson(text: string, m: Mutation): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'null';
  }
  const paths = keyPaths(value);
  if (paths.length === 0) return JSON.stringify(VALUES[m.value]);
  const keys = paths[Math.floor(m.at * paths.length)];
  let parent = value as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (m.kind === 'delete') delete parent[last];
  else parent[last] = VALUES[m.value];
  return JSON.stringify(value, null, 2);
}

/** Applies `m` to `file` in place; returns what it did, for the failure message. */
function mutate(file: string, m: Mutation): string {
  const bytes = fs.readFileSync(file);
  const at = Math.floor(m.at * bytes.length);
  switch (m.kind) {
    case 'truncate':
      fs.writeFileSync(file, bytes.subarray(0, at));
      return `truncated to ${at} bytes`;
    case 'flip':
      bytes[at] ^= 1 << m.bit;
      fs.writeFileSync(file, bytes);
      return `bit ${m.bit} of byte ${at} flipped`;
    case 'null':
      fs.writeFileSync(file, 'null\n');
      return 'the file is null';
    default: {
      const lines = bytes.toString('utf8').split('\n');
      if (file.endsWith('.jsonl')) {
        const i = Math.floor(m.at * Math.max(1, lines.filter((l) => l.trim()).length));
        lines[i] = mutateJson(lines[i], m).replace(/\n\s*/g, '');
        fs.writeFileSync(file, lines.join('\n'));
      } else {
        fs.writeFileSync(file, mutateJson(bytes.toString('utf8'), m));
      }
      return `${m.kind} with ${JSON.stringify(VALUES[m.value])} at ${m.at.toFixed(3)}`;
    }
  }
}

/** Runs svd with a timeout and a heap bound. */
function svdBounded(args: string[]): { status: number | null; stderr: string; timedOut: boolean } {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, SVD_BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: TIMEOUT_S * 1000 });
  return { status: r.status, stderr: r.stderr ?? '', timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' };
}

test(`mutated run and sweep records: a clean answer from ls, diff, eval and report (fast-check seed ${SEED})`, () => {
  console.log(`records-mutation: fast-check seed ${SEED}, ${RUNS} runs`);
  let spawned = 0;
  fc.assert(
    fc.property(fc.constantFrom(...RUN_FILES), MUTATION, fc.constantFrom(...SWEEP_FILES), MUTATION, fc.boolean(), (runFile, runMutation, sweepFile, sweepMutation, useEval) => {
      const ws = tempDir('svd-mutate-');
      const a = path.join(ws, 'a');
      const b = path.join(ws, 'b');
      fs.cpSync(originals.a, a, { recursive: true });
      fs.cpSync(originals.b, b, { recursive: true });
      const sweep = sweepOfRuns(path.join(ws, 'sweep'), [a, b]);
      const did = `a/${runFile}: ${mutate(path.join(a, runFile), runMutation)}; sweep/${sweepFile}: ${mutate(path.join(sweep, sweepFile), sweepMutation)}`;
      const commands = [['ls', ws], ['diff', sweep, b], ['report', sweep], useEval ? ['eval', a] : ['report', a, '--thresholds', '3']];
      for (const args of commands) {
        const r = svdBounded(args);
        spawned++;
        const what = `${did}; svd ${args.join(' ')} -> exit ${r.status}\n${r.stderr}`;
        assert.ok(!r.timedOut, `no answer within ${TIMEOUT_S}s: ${what}`);
        assert.ok(r.status === 0 || r.status === 1 || r.status === 2, what);
        assert.doesNotMatch(r.stderr, /unexpected error|^\s+at .+[:(]\d+:\d+\)?$|heap out of memory/m, what);
        if (r.status !== 0) assert.ok(r.stderr.trim().length > 0, `a failure without a message: ${what}`);
      }
      fs.rmSync(ws, { recursive: true, force: true });
    }),
    { seed: SEED, numRuns: RUNS },
  );
  console.log(`records-mutation: ${spawned} commands`);
});
