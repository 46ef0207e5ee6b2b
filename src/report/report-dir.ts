/**
 * Writing a report directory as a whole: the files go into a temporary folder beside the target,
 * which then replaces the old report (renamed aside, then removed), so an existing report is
 * never left half-overwritten and nothing else in the run or sweep directory is touched. Only a
 * report svd wrote is replaced (its report.json says `kind` run or sweep): a file or folder of
 * the user's own named `report` is refused, as `svd export` refuses a folder that is not an export.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SvdError } from '../errors.js';
import { tempPathFor, writeFileSynced } from '../store/atomic.js';

/** The report folder of a run or sweep directory. */
export function reportDirOf(dir: string): string {
  return path.join(dir, 'report');
}

/** E_RUN_DIR (exit 2) when `target` exists and is not a report svd wrote. */
function checkReplaceable(target: string): void {
  let info: fs.Stats;
  try {
    info = fs.lstatSync(target);
  } catch {
    return; // nothing there yet
  }
  const refuse = (what: string) => new SvdError('E_RUN_DIR', `${what}, not a report svd wrote; move it away (or delete it) to write the report`, { file: target }, 2);
  if (!info.isDirectory()) throw refuse(info.isSymbolicLink() ? 'a symbolic link' : 'a file');
  const manifest = path.join(target, 'report.json');
  let kind: unknown;
  try {
    if (!fs.statSync(manifest).isFile()) throw new Error('not a file');
    kind = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { kind?: unknown }).kind;
  } catch {
    kind = null;
  }
  if (kind !== 'run' && kind !== 'sweep') throw refuse('a folder without an svd report.json');
}

/** Files of a report being written. */
export class ReportWriter {
  readonly tmp: string;
  readonly files: string[] = [];

  private started = false;

  /** Checks that `target` can be replaced (E_RUN_DIR, exit 2, when it is not a report svd wrote); creates nothing yet. */
  constructor(readonly target: string) {
    checkReplaceable(target);
    this.tmp = tempPathFor(target);
  }

  /** Writes `name` (a plain file name) into the report (the temporary folder is made on the first). */
  write(name: string, data: string | Uint8Array): void {
    if (name !== path.basename(name) || name.startsWith('.')) throw new Error(`report file name ${name}`);
    if (!this.started) {
      try {
        fs.mkdirSync(this.tmp);
      } catch (err) {
        throw new SvdError('E_RUN_DIR', `cannot write the report: ${(err as Error).message}`, { file: path.dirname(this.target) }, 1);
      }
      this.started = true;
    }
    writeFileSynced(path.join(this.tmp, name), data);
    this.files.push(name);
  }

  /**
   * Writes the page (`index.html`) and its manifest (`report.json`), then puts the report in
   * place of the old one.
   */
  finish<M>(html: string, manifest: M): { dir: string; index: string; manifest: M } {
    this.write('index.html', html);
    this.write('report.json', JSON.stringify(manifest, null, 2) + '\n');
    const dir = this.commit();
    return { dir, index: path.join(dir, 'index.html'), manifest };
  }

  /** Puts the report in place of the old one; returns the report directory. */
  commit(): string {
    const old = fs.existsSync(this.target) ? `${this.tmp}-old` : null;
    if (old) fs.renameSync(this.target, old);
    try {
      fs.renameSync(this.tmp, this.target);
    } catch (err) {
      if (old) fs.renameSync(old, this.target);
      throw err;
    }
    if (old) fs.rmSync(old, { recursive: true, force: true });
    return this.target;
  }

  /** Removes the temporary folder (after a failure). */
  abandon(): void {
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}
