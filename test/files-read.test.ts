/**
 * src/files/read.ts, the one reader of files svd is given: regular files only (a FIFO is refused
 * at once, without blocking), never more than the caller's bound (a larger file is refused
 * unread), and names from a manifest only inside their folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SvdError } from '../src/errors.js';
import { fileInFolder, readFileRange, readJsonFile, readRegularFile } from '../src/files/read.js';
import { firstNonFinite } from '../src/files/finite.js';
import { tempDir } from './helpers/cli.js';

const refuse = (why: string, errno?: string) => new SvdError('E_DATA_FORMAT', `${why}${errno ? ` [${errno}]` : ''}`);
const refused = (pattern: RegExp) => (err: unknown) => err instanceof SvdError && pattern.test(err.message);

test('a FIFO, a folder and a missing file are refused at once, naming what they are', () => {
  const dir = tempDir('svd-read-');
  const pipe = path.join(dir, 'pipe');
  assert.equal(spawnSync('mkfifo', [pipe]).status, 0);
  assert.throws(() => readRegularFile(pipe, refuse, 100), refused(/^not a regular file \(a FIFO\)$/));
  assert.throws(() => readFileRange(pipe, refuse, 0, 10), refused(/^not a regular file \(a FIFO\)$/));
  assert.throws(() => readRegularFile(dir, refuse, 100), refused(/^not a regular file \(a directory\)$/));
  assert.throws(() => readRegularFile(path.join(dir, 'nope'), refuse, 100), refused(/^no such file \[ENOENT\]$/));
});

test('a file larger than the bound is refused; a range reads only its bytes', () => {
  const dir = tempDir('svd-read-');
  const file = path.join(dir, 'f.bin');
  fs.writeFileSync(file, Buffer.from('0123456789'));
  assert.throws(() => readRegularFile(file, refuse, 9, 'the 9 bytes the header declares'), refused(/^too large \(10 bytes, more than the 9 bytes the header declares\)$/));
  assert.equal(readRegularFile(file, refuse, 10).toString(), '0123456789');
  assert.equal(readFileRange(file, refuse, 3, 4).toString(), '3456');
  assert.equal(readFileRange(file, refuse, 8, 100).toString(), '89');
  fs.writeFileSync(file, '{"a": ');
  assert.throws(() => readJsonFile(file, refuse), refused(/JSON/));
});

test('a name from a manifest must be a plain file name in the folder', () => {
  for (const name of ['../../../../etc/hostname', '/etc/hostname', 'a/b.bin', '..', '.', '', 7, null]) {
    assert.throws(() => fileInFolder('/x/export', name, refuse), refused(/must be a file name in the same folder \(\/x\/export\)/), String(name));
  }
  assert.equal(fileInFolder('/x/export', 'weights.bin', refuse), '/x/export/weights.bin');
});

test('firstNonFinite finds NaN and both infinities', () => {
  assert.equal(firstNonFinite(Float32Array.from([1, 2, 3])), -1);
  assert.equal(firstNonFinite(Float32Array.from([1, NaN, 3])), 1);
  assert.equal(firstNonFinite(Float32Array.from([1, 2, -Infinity])), 2);
  assert.equal(firstNonFinite([Infinity]), 0);
});
