/**
 * The directory lock of runs and sweeps (src/store/dir-lock.ts): taken with its content in one
 * step, refused while a live process holds it (naming that process), taken over when its holder
 * is gone or its file is damaged, refused with the file to delete when another host holds it,
 * and released only by its holder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { acquireLock, lockState } from '../src/store/dir-lock.js';
import { SvdError } from '../src/errors.js';
import { tempDir } from './helpers/cli.js';

const subject = { what: 'run r', code: 'E_RUN_DIR' as const, argv: ['svd', 'run', 'x.yaml'] };
const lockIn = () => path.join(tempDir('svd-lock-'), 'run.lock');
/** A process id that is not running here. */
const GONE_PID = 2 ** 22 + 12345;

/** A live node process to hold locks (a lock naming this process's own pid reads as a leftover). */
function otherNode(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
}

test('a free lock is taken with its holder recorded and released; a live holder is refused, named', (t) => {
  const file = lockIn();
  assert.deepEqual(lockState(file), { state: 'free' });
  const release = acquireLock(file, subject);
  const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; host: string; command: string[] };
  assert.deepEqual([owner.pid, owner.host, owner.command], [process.pid, os.hostname(), subject.argv]);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['run.lock'], 'no temporary file is left');
  release();
  assert.deepEqual(lockState(file), { state: 'free' });
  release(); // twice is harmless

  const holder = otherNode();
  t.after(() => holder.kill());
  fs.writeFileSync(file, JSON.stringify({ ...owner, pid: holder.pid, since: '2026-11-25T00:00:00.000Z' }));
  assert.equal(lockState(file).state, 'held');
  assert.throws(() => acquireLock(file, subject), (err: unknown) => {
    assert.ok(err instanceof SvdError);
    assert.equal(err.code, 'E_RUN_DIR');
    assert.equal(err.exitCode, 2);
    assert.match(err.message, new RegExp(`^run r is in use by process ${holder.pid} \\(svd run x\\.yaml, since 2026-11-25T00:00:00.000Z\\); stop that process first \\(Ctrl-C, or kill ${holder.pid}\\)`));
    return true;
  });
});

test("a lock naming this process's own pid is a leftover (a restarted container reuses pids) and is taken over", () => {
  const file = lockIn();
  fs.writeFileSync(file, JSON.stringify({ pid: process.pid, host: os.hostname(), since: 'x', command: [] }));
  assert.equal(lockState(file).state, 'stale');
  acquireLock(file, subject)();
});

test('stale and damaged locks are taken over; release leaves a lock that is no longer its own', () => {
  for (const content of [
    JSON.stringify({ pid: GONE_PID, host: os.hostname(), since: '2026-01-01T00:00:00.000Z', command: ['svd', 'run'] }),
    String(GONE_PID), // the older sweep lock: only a pid
    '{"pid": 12', // torn
    '',
  ]) {
    const file = lockIn();
    fs.writeFileSync(file, content);
    assert.equal(lockState(file).state, 'stale', `content ${JSON.stringify(content)}`);
    const release = acquireLock(file, subject);
    assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number }).pid, process.pid);
    // Someone else's lock in its place (e.g. after this process was presumed gone) stays.
    const other = JSON.stringify({ pid: GONE_PID, host: os.hostname(), since: 'x', command: [] });
    fs.writeFileSync(file, other);
    release();
    assert.equal(fs.readFileSync(file, 'utf8'), other);
  }
});

test('a lock held on another host is refused with the file to delete', () => {
  const file = lockIn();
  fs.writeFileSync(file, JSON.stringify({ pid: 1, host: `not-${os.hostname()}`, since: '2026-01-01T00:00:00.000Z', command: [] }));
  assert.equal(lockState(file).state, 'foreign');
  assert.throws(() => acquireLock(file, subject), new RegExp(`run r is locked by process 1 on host not-.* \\(since 2026-01-01T00:00:00.000Z\\); if that process is gone, delete ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});

test('a pid that is alive but not node or svd (reused after a crash) does not hold the lock', { skip: !fs.existsSync('/proc/self/cmdline') }, (t) => {
  const file = lockIn();
  const sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
  t.after(() => sleeper.kill());
  fs.writeFileSync(file, JSON.stringify({ pid: sleeper.pid, host: os.hostname(), since: 'x', command: [] }));
  assert.equal(lockState(file).state, 'stale');
});
