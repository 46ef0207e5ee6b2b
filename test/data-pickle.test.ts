/**
 * The restricted pickle reader: files written by Python 3 itself (test/fixtures/pickle, protocols
 * 2 and 4, numpy 2) and by the test writer in every dialect parse to the right values; malicious
 * pickles (os.system through GLOBAL or STACK_GLOBAL + REDUCE, also as written by Python) and
 * malformed ones are rejected with E_DATA_FORMAT, and nothing is executed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SvdError } from '../src/errors.js';
import { NdArray, PickleTuple, parsePickle, type PickleValue } from '../src/data/pickle.js';
import { b, encodePickle, maliciousPickle, UInt8Matrix, Writer, type PickleStyle, type PyValue } from './helpers/pickle-writer.js';
import { ROOT, tempDir } from './helpers/cli.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'pickle');

/** Asserts that parsing `bytes` fails with E_DATA_FORMAT mentioning every string of `mentions`. */
function assertRejected(bytes: Uint8Array, mentions: string[]): SvdError {
  try {
    parsePickle(bytes, 'f.pkl');
  } catch (err) {
    assert.ok(err instanceof SvdError, String(err));
    assert.equal(err.code, 'E_DATA_FORMAT');
    assert.equal(err.location.file, 'f.pkl');
    for (const m of mentions) assert.ok(err.message.includes(m), `'${m}' not in: ${err.message}`);
    return err;
  }
  assert.fail('expected the pickle to be rejected');
}

function asDict(v: PickleValue): Map<string, PickleValue> {
  assert.ok(v instanceof Map);
  return v;
}

test('pickles written by Python 3 (protocols 2 and 4, numpy 2) parse to the dict they hold', () => {
  for (const proto of [2, 4]) {
    const d = asDict(parsePickle(readFileSync(path.join(FIXTURES, `python3-protocol${proto}.pkl`)), 'x'));
    assert.deepEqual([...d.keys()], ['batch_label', 'labels', 'data', 'filenames']);
    assert.deepEqual(d.get('labels'), [3, 7]);
    assert.equal(Buffer.from(d.get('batch_label') as Uint8Array).toString('latin1'), 'training batch 1 of 5');
    const data = d.get('data');
    assert.ok(data instanceof NdArray);
    assert.deepEqual(data.shape, [2, 3072]);
    assert.equal(data.dtype?.descr, 'u1');
    assert.equal(data.dtype?.byteOrder, '|');
    assert.equal(data.fortranOrder, false);
    assert.deepEqual([...data.data!.subarray(0, 4)], [0, 1, 2, 3]);
    assert.equal(data.data![300], 300 % 251);
    assert.equal(data.data!.length, 2 * 3072);
    assert.deepEqual((d.get('filenames') as Uint8Array[]).map((f) => Buffer.from(f).toString()), ['a_1.png', 'b_2.png']);
  }
});

test('every dialect of the test writer parses back to what was written', () => {
  const pixels = Uint8Array.from({ length: 3 * 3072 }, (_, i) => (i * 13) % 256);
  const value = new Map<string, PyValue>([
    ['batch_label', b('training batch 1 of 5')],
    ['labels', [0, 9, 255, 256, 70000]],
    ['data', new UInt8Matrix(3, 3072, pixels)],
    ['empty', []],
  ]);
  for (const style of ['py2', 'py3-proto2', 'py3-proto4'] as PickleStyle[]) {
    const d = asDict(parsePickle(encodePickle(value, style), style));
    assert.deepEqual(d.get('labels'), [0, 9, 255, 256, 70000], style);
    assert.deepEqual(d.get('empty'), [], style);
    const data = d.get('data') as NdArray;
    assert.deepEqual(data.shape, [3, 3072], style);
    assert.deepEqual(Buffer.from(data.data!), Buffer.from(pixels), style);
  }
});

test('batches of 300 images use LONG_BINPUT / LONG_BINGET memo indices, and still parse', () => {
  const count = 300;
  const pixels = Uint8Array.from({ length: count * 3072 }, (_, i) => (i * 7) % 256);
  const value = new Map<string, PyValue>([
    ['filenames', Array.from({ length: count }, (_, i) => b(`f${i}.png`))],
    ['labels', Array.from({ length: count }, (_, i) => i % 10)],
    ['data', new UInt8Matrix(count, 3072, pixels)],
  ]);
  for (const style of ['py2', 'py3-proto2', 'py3-proto4'] as PickleStyle[]) {
    const bytes = encodePickle(value, style);
    if (style !== 'py3-proto4') assert.ok(bytes.includes(0x72), `${style} uses LONG_BINPUT`);
    const d = asDict(parsePickle(bytes, style));
    assert.equal((d.get('filenames') as Uint8Array[]).length, count);
    assert.equal(Buffer.from((d.get('filenames') as Uint8Array[])[299]).toString(), 'f299.png', style);
    assert.deepEqual(Buffer.from((d.get('data') as NdArray).data!), Buffer.from(pixels), style);
  }
});

test('a malicious pickle is rejected at its global, before anything runs', () => {
  const dir = tempDir();
  const marker = path.join(dir, 'pwned');
  for (const bytes of [maliciousPickle(`touch ${marker}`), maliciousPickle(`touch ${marker}`, 'stack-global')]) {
    const err = assertRejected(bytes, ["refusing global 'os.system'", 'nothing in the file is executed', 'at byte']);
    assert.match(err.format(), /^f\.pkl: unsafe or unsupported pickle: refusing global 'os\.system'/);
  }
  for (const proto of [2, 4]) {
    assertRejected(readFileSync(path.join(FIXTURES, `malicious-os-system-protocol${proto}.pkl`)), ["refusing global 'posix.system'"]);
  }
  assert.equal(existsSync(marker), false);
  assert.equal(existsSync(path.join(ROOT, 'svd-pickle-test-pwned')), false);
});

test('other dangerous or unknown globals are refused too, and allowed ones cannot be misused', () => {
  const global = (module: string, name: string) => {
    const w = new Writer('py2');
    w.proto();
    w.raw(0x63, ...w.ascii(`${module}\n${name}\n`), 0x29, 0x52); // GLOBAL, EMPTY_TUPLE, REDUCE
    return w.finish();
  };
  assertRejected(global('builtins', 'eval'), ["refusing global 'builtins.eval'"]);
  assertRejected(global('__builtin__', 'getattr'), ['refusing global']);
  assertRejected(global('numpy', 'load'), ["refusing global 'numpy.load'"]);
  assertRejected(global('numpy.core.multiarray', 'scalar'), ['refusing global']);
  // allowed globals with arguments other than numpy's own
  assertRejected(global('numpy', 'ndarray'), ['may only be passed to _reconstruct']);
  assertRejected(global('_codecs', 'encode'), ["encode(str, 'latin1')"]);
  assertRejected(global('numpy', 'dtype'), ['dtype(str, bool, bool)']);
});

test('opcodes outside the supported subset are rejected by name', () => {
  const w = (bytes: number[]) => Buffer.from([0x80, 2, ...bytes, 0x2e]);
  assertRejected(w([0x69]), ["opcode 0x69 ('i')"]); // INST
  assertRejected(w([0x6f]), ["opcode 0x6f ('o')"]); // OBJ
  assertRejected(w([0x81]), ['opcode 0x81']); // NEWOBJ
  assertRejected(w([0x50]), ["opcode 0x50 ('P')"]); // PERSID
  assertRejected(Buffer.from('(dp0\nS\'a\'\np1\nI1\ns.'), ['protocol 2 or later']); // protocol 0
  assertRejected(Buffer.from([0x80, 6, 0x4e, 0x2e]), ['protocol 6']);
});

test('malformed streams are rejected with a clear reason', () => {
  assertRejected(Buffer.from([]), ['empty file']);
  assertRejected(Buffer.from([0x80, 2, 0x58, 10, 0, 0, 0, 0x41]), ['truncated']);
  assertRejected(Buffer.from([0x80, 2, 0x4e, 0x4e, 0x2e]), ['2 items on the stack']);
  assertRejected(Buffer.from([0x80, 2, 0x65, 0x2e]), ['no MARK']);
  assertRejected(Buffer.from([0x80, 2, 0x68, 5, 0x2e]), ['memo entry 5']);
  assertRejected(Buffer.from([0x80, 2, 0x4e, 0x4b, 1, 0x4b, 2, 0x73, 0x2e]), ['SETITEM(S) on something that is not a dict']);
  assertRejected(Buffer.from([0x80, 2, 0x7d, 0x4b, 1, 0x4b, 2, 0x73, 0x2e]), ['dict key']);
  assertRejected(Buffer.from([0x80, 2, 0x4e, 0x4e, 0x62, 0x2e]), ['BUILD state must be a tuple']);
});

test('tuples, None, bools, negative and long ints round-trip', () => {
  // (None, True, False, -1, 2**40) as a protocol-2 tuple
  const bytes = Buffer.from([0x80, 2, 0x28, 0x4e, 0x88, 0x89, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x8a, 6, 0, 0, 0, 0, 0, 1, 0x74, 0x2e]);
  const v = parsePickle(bytes, 'x');
  assert.ok(v instanceof PickleTuple);
  assert.deepEqual(v.items, [null, true, false, -1, 2 ** 40]);
});
