/**
 * Writing a report directory as a whole: the files go into a temporary folder beside the target,
 * which then replaces the old report (renamed aside, then removed), so an existing report is
 * never left half-overwritten and nothing else in the run or sweep directory is touched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SvdError } from '../errors.js';
import { tempPathFor, writeFileSynced } from '../store/atomic.js';

/** The report folder of a run or sweep directory. */
export function reportDirOf(dir: string): string {
  return path.join(dir, 'report');
}

/** Files of a report being written. */
export class ReportWriter {
  readonly tmp: string;
  readonly files: string[] = [];

  constructor(readonly target: string) {
    this.tmp = tempPathFor(target);
    try {
      fs.mkdirSync(this.tmp);
    } catch (err) {
      throw new SvdError('E_RUN_DIR', `cannot write the report: ${(err as Error).message}`, { file: path.dirname(target) }, 1);
    }
  }

  /** Writes `name` (a plain file name) into the report. */
  write(name: string, data: string | Uint8Array): void {
    if (name !== path.basename(name) || name.startsWith('.')) throw new Error(`report file name ${name}`);
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
