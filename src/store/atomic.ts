/**
 * Atomic file writes: write a temporary file beside the target, fsync it, rename it over the
 * target. A crash leaves either the old file or the new one, never half of one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A unique temporary name beside `target`. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/** Writes `data` to `file` and flushes it to disk (no rename: for files in a directory that is renamed whole). */
export function writeFileSynced(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `data` to `target` atomically. */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(target);
  writeFileSynced(tmp, data);
  fs.renameSync(tmp, target);
}

/** Writes `value` as pretty JSON to `target` atomically. */
export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n');
}
