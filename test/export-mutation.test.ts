/**
 * Property test (fast-check): random mutations of real exports (a sparse one whose kernels are
 * CSR, a tfjs one, an onnx one) given to the real `svd eval EXPORT_DIR`. A mutation edits one value of a
 * manifest (svd-export.json, model.json: delete it, replace it by null, a wrong type, a huge or
 * negative number, a path out of the folder; scale a number) or damages weights.bin or model.onnx (truncate
 * it, overwrite bytes, write a NaN, extend it, replace it by a FIFO); the hostile files of the
 * bad-input report (a FIFO, a NaN, a huge empty CSR kernel, a path out of the folder, a
 * manifest without its stats; for ONNX a truncated file, a wrong magic, a huge length) are tried first, every time. Each run must end, within its timeout and
 * below a memory bound, in a clean error (exit 1 or 2, a short message, no stack trace) or a
 * test error in [0, 1]. The seed is fixed and printed; SVD_FUZZ_SEED=N tries others (`random`
 * draws one).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { lastLine, ROOT, SVD_BIN, svd, tempDir } from './helpers/cli.js';
import { writeMnistFolder } from './helpers/idx-files.js';

/** The seed of every run unless SVD_FUZZ_SEED says otherwise. */
const DEFAULT_SEED = 20261202;
/** Mutations tried per export format (each one `svd eval` of about 2 s). */
const RUNS = 10;
/** Longest one `svd eval` may take before it counts as a hang. */
const TIMEOUT_S = 40;
/** Most resident memory one `svd eval` may reach (1.5 GiB; an intact export takes about 130 MB). */
const MAX_RSS_KB = 1.5 * 2 ** 20;
/** GNU time, which reports the peak resident memory of what it runs. */
const GNU_TIME = '/usr/bin/time';

/** The pristine exports each mutation starts from. */
let exports: { sparse: string; tfjs: string; onnx: string };
type Format = keyof typeof exports;
let work: string;

before(() => {
  const base = tempDir('svd-mutation-');
  const mnist = path.join(base, 'mnist');
  fs.mkdirSync(mnist);
  const split = (n: number, salt: number) => ({
    pixels: Array.from({ length: n * 784 }, (_, i) => ((i * 13 + salt) ^ (i >> 4)) & 0xff),
    labels: Array.from({ length: n }, (_, i) => (i * 7 + salt) % 10),
  });
  writeMnistFolder(mnist, split(200, 1), split(100, 2));
  const r = svd(['run', 'configs/quickstart.yaml', '--set', `data.root=${mnist}`, '--set', 'training.epochs=1', '--runs-dir', path.join(base, 'runs')]);
  assert.equal(r.status, 0, r.stderr);
  const run = lastLine(r.stdout);
  const exportTo = (format: string, ...extra: string[]) => {
    const out = path.join(base, format);
    const e = svd(['export', run, '--format', format, '--out', out, ...extra]);
    assert.equal(e.status, 0, e.stderr);
    return out;
  };
  // threshold -2 prunes most weights after one epoch, so every kernel is stored as CSR
  exports = { sparse: exportTo('sparse', '--threshold=-2'), tfjs: exportTo('tfjs'), onnx: exportTo('onnx') };
  const layout = JSON.parse(fs.readFileSync(path.join(exports.sparse, 'svd-export.json'), 'utf8')) as { sparse: { layers: Array<{ params: Array<{ name: string; encoding: string }> }> } };
  assert.ok(layout.sparse.layers.flatMap((l) => l.params).filter((p) => p.name === 'kernel').every((p) => p.encoding === 'csr'), 'the sparse export stores its kernels as CSR');
  work = path.join(base, 'work');
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonOp = { op: 'delete' } | { op: 'set'; value: Json } | { op: 'scale'; factor: number };
type BinOp = { op: 'truncate'; keep: number } | { op: 'overwrite'; at: number; bytes: number[] } | { op: 'nan'; at: number } | { op: 'extend'; extra: number } | { op: 'fifo' };
type Mutation = { file: string; json: JsonOp; pick: number } | { file: string; bin: BinOp };

const jsonOp: fc.Arbitrary<JsonOp> = fc.oneof(
  fc.constant({ op: 'delete' as const }),
  fc.record({
    op: fc.constant('set' as const),
    value: fc.constantFrom<Json>(null, 0, -1, 1, 3, 2 ** 31, 1e9, 1e300, 0.5, '', 'x', 'float64', 'csr', 'dense', '../../../../etc/hostname', '/etc/hostname', true, [], {}, [1e6, 1e6], [784, 1e9]),
  }),
  fc.record({ op: fc.constant('scale' as const), factor: fc.constantFrom(0, -1, 2, 1000, 1e6) }),
);
const binOp: fc.Arbitrary<BinOp> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), keep: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ op: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('nan' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('extend' as const), extra: fc.integer({ min: 1, max: 4096 }) }),
  fc.constant({ op: 'fifo' as const }),
);

/** Mutations of an export holding `jsonFiles` and the binary file `binFile` (JSON edits twice as likely). */
function mutation(jsonFiles: string[], binFile = 'weights.bin'): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.record({ file: fc.constantFrom(...jsonFiles), json: jsonOp, pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ file: fc.constant(binFile), bin: binOp }) },
  );
}

/** Every path of `value` below its root, containers included. */
function pathsOf(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [];
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => {
    const child = (value as Record<string | number, Json>)[k];
    return [[...prefix, k], ...pathsOf(child, [...prefix, k])];
  });
}

/** Applies `m` to the export in `dir`; returns what it did, in words. */
function apply(dir: string, m: Mutation): string {
  const file = path.join(dir, m.file);
  if ('json' in m) {
    const root = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    const paths = pathsOf(root);
    const at = paths[m.pick % paths.length];
    const parent = at.slice(0, -1).reduce<Json>((v, k) => (v as Record<string | number, Json>)[k], root) as Record<string | number, Json>;
    const key = at[at.length - 1];
    const old = parent[key];
    if (m.json.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else if (m.json.op === 'set') parent[key] = m.json.value;
    else parent[key] = typeof old === 'number' ? old * m.json.factor : null;
    fs.writeFileSync(file, JSON.stringify(root));
    return `${m.file}: ${at.join('.')} ${JSON.stringify(m.json)} (was ${JSON.stringify(old)?.slice(0, 60)})`;
  }
  const bytes = fs.readFileSync(file);
  const op = m.bin;
  if (op.op === 'fifo') {
    fs.rmSync(file);
    assert.equal(spawnSync('mkfifo', [file]).status, 0, `mkfifo ${file}`);
  } else if (op.op === 'truncate') fs.truncateSync(file, Math.floor(op.keep * bytes.length));
  else if (op.op === 'extend') fs.appendFileSync(file, Buffer.alloc(op.extra, 0x41));
  else {
    const patch = op.op === 'nan' ? Buffer.from(new Float32Array([NaN]).buffer) : Buffer.from(op.bytes);
    const start = op.op === 'nan' ? (op.at % Math.floor(bytes.length / 4)) * 4 : op.at % bytes.length;
    patch.copy(bytes, start);
    fs.writeFileSync(file, bytes);
  }
  return `${m.file}: ${JSON.stringify(op)} (of ${bytes.length} bytes)`;
}

/** `svd eval dir`, with its peak resident memory in KB when GNU time is there (else null). */
function evalWithMemory(dir: string): { status: number | null; stdout: string; stderr: string; maxRssKb: number | null } {
  const memFile = path.join(work, 'rss');
  fs.rmSync(memFile, { force: true });
  const command = ['timeout', '-s', 'KILL', String(TIMEOUT_S), process.execPath, SVD_BIN, 'eval', dir, '--json'];
  const timed = fs.existsSync(GNU_TIME);
  const r = timed
    ? spawnSync(GNU_TIME, ['-f', '%M', '-o', memFile, ...command], { cwd: ROOT, encoding: 'utf8' })
    : spawnSync(command[0], command.slice(1), { cwd: ROOT, encoding: 'utf8' });
  const rss = timed && fs.existsSync(memFile) ? Number(lastLine(fs.readFileSync(memFile, 'utf8'))) : NaN;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, maxRssKb: Number.isFinite(rss) ? rss : null };
}

/** Checks one mutated export: a clean error or an answer; no trace, hang or huge allocation. */
function check(format: Format, m: Mutation): void {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work);
  const dir = path.join(work, format);
  fs.cpSync(exports[format], dir, { recursive: true });
  const what = apply(dir, m);
  const r = evalWithMemory(dir);
  const report = `${format} export, ${what}\nexit ${r.status}\nstderr:\n${r.stderr}`;
  if (process.env.SVD_SHOW_MUTATIONS) console.log(`${what} -> exit ${r.status}: ${r.stderr.trim().slice(0, 300)}`);
  assert.notEqual(r.status, 137, `no answer within ${TIMEOUT_S} s (a hang)\n${report}`);
  assert.ok(r.status === 0 || r.status === 1 || r.status === 2, `exit status\n${report}`);
  assert.doesNotMatch(r.stderr, /^\s+at .+[:(]\d+:\d+\)?$|unexpected error/m, `a stack trace or raw error\n${report}`);
  if (r.maxRssKb !== null) assert.ok(r.maxRssKb < MAX_RSS_KB, `peak memory ${r.maxRssKb} KB, more than ${MAX_RSS_KB} KB\n${report}`);
  if ('bin' in m && m.bin.op === 'nan' && format === 'tfjs') assert.notEqual(r.status, 0, `a NaN weight is refused (every byte of a tfjs weights.bin is a float32)\n${report}`);
  if (r.status === 0) {
    const result = JSON.parse(r.stdout) as { testError: unknown };
    assert.ok(typeof result.testError === 'number' && result.testError >= 0 && result.testError <= 1, `test error ${String(result.testError)}\n${report}`);
  } else {
    assert.ok(r.stderr.trim() !== '' && r.stderr.trim().split('\n').length <= 8, `one clear message\n${report}`);
  }
}

/** The seed in use (plus `offset`, one per test), printed so that a failure can be replayed. */
function seed(offset: number): number {
  const asked = process.env.SVD_FUZZ_SEED;
  const value = asked === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(asked ?? DEFAULT_SEED);
  assert.ok(Number.isInteger(value), `SVD_FUZZ_SEED must be an integer or 'random', got '${asked}'`);
  console.log(`export mutation seed ${value + offset} (replay with SVD_FUZZ_SEED=${value}; this test adds ${offset})`);
  return value + offset;
}

/** The index (the `pick` of a JSON mutation) of the dotted `at` among the paths of `file` in the `format` export. */
function pickOf(format: Format, file: string, at: string): number {
  const paths = pathsOf(JSON.parse(fs.readFileSync(path.join(exports[format], file), 'utf8')) as Json).map((p) => p.join('.'));
  assert.ok(paths.includes(at), at);
  return paths.indexOf(at);
}

/** Mutations tried first, every time: the hostile files of the bad-input report. */
function examples(format: Format): Array<[Mutation]> {
  const manifest = 'svd-export.json';
  const bin = format === 'onnx' ? 'model.onnx' : 'weights.bin';
  const common: Mutation[] = [
    { file: bin, bin: { op: 'fifo' } },
    { file: bin, bin: { op: 'nan', at: 3 } },
    { file: manifest, json: { op: 'delete' }, pick: pickOf(format, manifest, 'stats') },
  ];
  const emptyCsr: Json = { name: 'kernel', shape: [784, 1e6], encoding: 'csr', rows: 784, cols: 1e6, nnz: 0, rowPtr: { dtype: 'uint8', offset: 0, length: 785 }, colIndex: { dtype: 'uint8', offset: 0, length: 0 }, values: { dtype: 'float32', offset: 0, length: 0 } };
  const own: Mutation[] = format === 'onnx'
    ? [{ file: bin, bin: { op: 'truncate', keep: 0.5 } }, { file: bin, bin: { op: 'overwrite', at: 0, bytes: [0x89, 0x50, 0x4e, 0x47] } }, { file: bin, bin: { op: 'overwrite', at: 2, bytes: [0xff, 0xff, 0xff, 0xff, 0x0f] } }]
    : format === 'sparse'
    ? [{ file: manifest, json: { op: 'set', value: emptyCsr }, pick: pickOf(format, manifest, 'sparse.layers.1.params.0') }, { file: manifest, json: { op: 'set', value: '../../../../etc/hostname' }, pick: pickOf(format, manifest, 'sparse.file') }]
    : [{ file: 'model.json', json: { op: 'set', value: [784, 1e6] }, pick: pickOf(format, 'model.json', 'weightsManifest.0.weights.0.shape') }];
  return [...common, ...own].map((m) => [m]);
}

test('svd eval of a mutated sparse export: a clean error or an answer, never a trace, a hang or a huge allocation', () => {
  fc.assert(fc.property(mutation(['svd-export.json']), (m) => check('sparse', m)), { seed: seed(0), numRuns: RUNS, endOnFailure: true, examples: examples('sparse') });
});

test('svd eval of a mutated onnx export: a clean error or an answer, never a trace, a hang or a huge allocation', () => {
  fc.assert(fc.property(mutation(['svd-export.json'], 'model.onnx'), (m) => check('onnx', m)), { seed: seed(2), numRuns: RUNS, endOnFailure: true, examples: examples('onnx') });
});

test('svd eval of a mutated tfjs export: a clean error or an answer, never a trace, a hang or a huge allocation', () => {
  fc.assert(fc.property(mutation(['svd-export.json', 'model.json']), (m) => check('tfjs', m)), { seed: seed(1), numRuns: RUNS, endOnFailure: true, examples: examples('tfjs') });
});
