/**
 * Making directories, and finding out first whether they can be made. Node's
 * `mkdirSync(dir, {recursive: true})` spins forever where a file system answers ENOENT for a
 * parent that exists (procfs, sysfs), so every directory svd creates goes through `makeDirs`,
 * which creates one missing level at a time and fails at once. `whyNoDirs` is the check run
 * before anything is written: the nearest existing part of the path must be a directory (not a
 * file, a dangling symbolic link or a link loop) in which a directory can really be created
 * (a probe, made and removed at once: permissions, read-only and virtual file systems).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** True when `p` is a directory (symbolic links followed); false when it is anything else or cannot be reached. */
function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Creates `dir` and its missing parents, one level at a time; throws the first failure. */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let p = path.resolve(dir); !isDirectory(p); p = path.dirname(p)) {
    missing.push(p);
    if (path.dirname(p) === p) break;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !isDirectory(d)) throw err;
    }
  }
}

/** The errno code of `err` with its message, as the checks quote it. */
const reason = (err: unknown) => (err as Error).message;

/**
 * Why directories cannot be created at or under `dir`, or null when they can: its nearest
 * existing part is a file, a dangling symbolic link, a link loop, unreadable, or a directory in
 * which mkdir fails (probed).
 */
export function whyNoDirs(dir: string): string | null {
  let probe = path.resolve(dir);
  for (;;) {
    let link: fs.Stats;
    try {
      link = fs.lstatSync(probe);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') && path.dirname(probe) !== probe) {
        probe = path.dirname(probe);
        continue;
      }
      return `cannot look at ${probe}: ${reason(err)}`;
    }
    if (link.isSymbolicLink()) {
      try {
        fs.statSync(probe);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') return `${probe} is a symbolic link loop`;
        if (code === 'ENOENT') return `${probe} is a symbolic link to ${fs.readlinkSync(probe)}, which does not exist`;
        return `cannot follow the symbolic link ${probe}: ${reason(err)}`;
      }
    }
    break;
  }
  if (!isDirectory(probe)) return `${probe} is a file, not a directory`;
  const test = path.join(probe, `.svd-probe-${process.pid}-${randomBytes(3).toString('hex')}`);
  try {
    fs.mkdirSync(test);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? reason(err);
    return `no directory can be made in ${probe} (mkdir: ${code}; a virtual or read-only file system, or no permission)`;
  }
  fs.rmdirSync(test);
  return null;
}
