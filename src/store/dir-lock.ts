/**
 * One process per directory: `svd run` / `svd resume` hold `RUN_DIR/run.lock` and `svd sweep`
 * holds `SWEEP_DIR/sweep.lock` while they write there, so a second `svd resume` of a run that is
 * still going (a typo, a second terminal) is refused instead of interleaving two writers' metrics
 * and checkpoints. The lock file says who holds it (`{pid, host, since, command}`) and is created
 * with its content in one step (written beside it, then hard-linked into place, which fails when
 * the name exists). A lock left by a process that is gone (SIGKILL, a crash, power) is stale:
 * the next taker on the same host replaces it. A lock from another host cannot be checked, so it
 * is refused with the file to delete.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { SvdError, type ErrorCode } from '../errors.js';

/** Who holds a lock. */
export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  command: string[];
}

/**
 * What a lock file says now: nobody, a live holder (or one on another host), a holder that is
 * gone, or something that is not a lock file (a folder, a FIFO: never taken over, never read).
 */
export type LockState =
  | { state: 'free' }
  | { state: 'unusable'; why: string }
  | { state: 'held'; owner: LockOwner }
  | { state: 'foreign'; owner: LockOwner }
  | { state: 'stale'; owner: LockOwner };

/** Reads the lock file `file`. */
export function lockState(file: string): LockState {
  let text: string;
  try {
    const info = fs.lstatSync(file);
    if (!info.isFile()) return { state: 'unusable', why: info.isDirectory() ? 'a directory' : 'a special file' };
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'free' };
    return { state: 'unusable', why: `unreadable (${(err as Error).message})` };
  }
  const owner = parseOwner(text);
  if (owner.host !== os.hostname()) return { state: 'foreign', owner };
  // This process's own pid in a lock it is looking at is a leftover of an earlier process (a
  // container restarted with the same pid and host name): its own locks it never reads back.
  return { state: owner.pid !== process.pid && isLiveProcess(owner.pid) ? 'held' : 'stale', owner };
}

/** How to word and code a refusal. */
export interface LockSubject {
  /** What is locked, for messages: `run runs/x/2026-...`. */
  what: string;
  code: ErrorCode;
  /** The command line recorded in the lock. */
  argv: string[];
}

/**
 * Takes the lock `file` for this process, replacing a stale one; throws `subject.code` (exit 2,
 * nothing written) when a live process, or one on another host, holds it. Returns the release
 * function, which removes the file only while it is still this process's lock.
 */
export function acquireLock(file: string, subject: LockSubject): () => void {
  const mine: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), command: subject.argv };
  const text = JSON.stringify(mine) + '\n';
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createWithContent(file, text, subject)) {
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8') === text) fs.rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    }
    const now = lockState(file);
    if (now.state === 'held') {
      const { pid, since, command } = now.owner;
      throw new SvdError(subject.code, `${subject.what} is in use by process ${pid} (${command.join(' ') || 'unknown command'}, since ${since}); stop that process first (Ctrl-C, or kill ${pid}) or wait until it ends`, {}, 2);
    }
    if (now.state === 'foreign') {
      const { pid, host, since } = now.owner;
      throw new SvdError(subject.code, `${subject.what} is locked by process ${pid} on host ${host} (since ${since}); if that process is gone, delete ${file}`, {}, 2);
    }
    if (now.state === 'unusable') {
      throw new SvdError(subject.code, `${subject.what} cannot be locked: ${file} is ${now.why}, not a lock file; remove it if no svd process works there`, { file }, 2);
    }
    if (now.state === 'stale') fs.rmSync(file, { force: true });
  }
  throw new SvdError(subject.code, `cannot lock ${subject.what}: ${file} keeps being taken`, {}, 1);
}

/** Creates `file` holding `text`, atomically; false when it exists. */
function createWithContent(file: string, text: string, subject: LockSubject): boolean {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(temp, text);
    fs.linkSync(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new SvdError(subject.code, `cannot lock ${subject.what}: ${(err as Error).message}`, {}, 1);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** The owner a lock file names; an older sweep lock holds only the pid, a damaged one nothing usable (stale). */
function parseOwner(text: string): LockOwner {
  const unknown: LockOwner = { pid: -1, host: os.hostname(), since: 'unknown', command: [] };
  if (/^\s*\d+\s*$/.test(text)) return { ...unknown, pid: Number(text) };
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    return {
      pid: Number.isInteger(o.pid) ? o.pid! : -1,
      host: typeof o.host === 'string' ? o.host : unknown.host,
      since: typeof o.since === 'string' ? o.since : unknown.since,
      command: Array.isArray(o.command) ? o.command.map(String) : [],
    };
  } catch {
    return unknown;
  }
}

/**
 * Whether `pid` is a running process that could be svd: it exists (signal 0 reaches it, or it
 * belongs to another user) and, where /proc tells, runs node or svd (a pid reused by another
 * program after a crash does not hold the lock).
 */
function isLiveProcess(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return /node|svd/i.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc here: trust the signal
  }
}
