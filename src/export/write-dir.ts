/**
 * Writing an export directory all at once: every file goes into a temporary directory beside
 * the target (fsynced), which is then renamed into place, so a crash or an error leaves either
 * nothing or a complete export. An existing target is refused unless it is empty, or unless it
 * is an earlier export and `force` is given; a non-empty directory that is not an export is
 * never replaced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SvdError } from '../errors.js';
import { EXPORT_MANIFEST } from './manifest.js';
import { writeFileSynced } from '../store/atomic.js';
import { makeDirs, whyNoDirs } from '../store/make-dirs.js';

/**
 * Throws E_EXPORT_OUT unless `out` can be written: absent (with a parent it can be made in), an empty directory, or (with
 * `force`) an earlier export directory.
 */
export function checkOutDir(out: string, force: boolean): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(out);
  } catch {
    const why = whyNoDirs(path.dirname(path.resolve(out)));
    if (why !== null) throw outError(out, `cannot be created: ${why}; choose another --out`);
    return;
  }
  if (!stat.isDirectory()) throw outError(out, 'exists and is not a directory; choose another --out');
  const entries = fs.readdirSync(out);
  if (entries.length === 0) return;
  if (!entries.includes(EXPORT_MANIFEST)) {
    throw outError(out, `exists, is not empty and is not an svd export (no ${EXPORT_MANIFEST}); choose another --out`);
  }
  if (!force) throw outError(out, 'already holds an export; pass --force to replace it, or choose another --out');
}

/** Writes `files` (name -> contents) as the directory `out`, atomically (see the module comment). */
export function writeDirAtomic(out: string, files: Map<string, string | Uint8Array>, force: boolean): void {
  checkOutDir(out, force);
  const parent = path.dirname(path.resolve(out));
  const base = path.basename(path.resolve(out));
  const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = path.join(parent, `.${base}.tmp-${suffix}`);
  try {
    makeDirs(parent);
    fs.mkdirSync(tmp);
    for (const [name, data] of files) writeFileSynced(path.join(tmp, name), data);
    if (fs.existsSync(out)) {
      const old = path.join(parent, `.${base}.old-${suffix}`);
      fs.renameSync(out, old);
      fs.renameSync(tmp, out);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, out);
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (err instanceof SvdError) throw err;
    throw new SvdError('E_EXPORT_OUT', `cannot write the export here: ${(err as Error).message}`, { file: out }, 1);
  }
}

/** Sizes in bytes of the files directly in `dir`, by name. */
export function fileSizes(dir: string): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const stat = fs.statSync(path.join(dir, name));
    if (stat.isFile()) sizes[name] = stat.size;
  }
  return sizes;
}

function outError(out: string, message: string): SvdError {
  return new SvdError('E_EXPORT_OUT', message, { file: out }, 2);
}
