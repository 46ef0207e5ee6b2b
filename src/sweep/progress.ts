/**
 * What a running sweep shows on stderr: a line when a job starts and when it ends (with its test
 * error, or the last line of its stderr when it failed), and on a terminal a status line redrawn
 * in place every second (done, running with their devices, failed, elapsed).
 */
import { duration, percent, times } from '../text/format.js';
import { formatOverrides } from '../config/override-sets.js';
import type { JobRecord } from '../store/sweep-dir.js';

const REDRAW_MS = 1000;

/** Reports a sweep's jobs as they start and end. */
export class SweepProgress {
  private readonly running = new Map<number, JobRecord>();
  private done = 0;
  private failed = 0;
  private readonly started = performance.now();
  private timer: NodeJS.Timeout | undefined;

  /** @param toRun jobs this invocation runs. */
  constructor(
    private readonly toRun: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {
    if (this.tty) {
      this.timer = setInterval(() => this.draw(), REDRAW_MS);
      this.timer.unref();
    }
  }

  /** A job started. */
  jobStarted(record: JobRecord): void {
    this.running.set(record.index, record);
    const device = record.device !== null ? ` [device ${record.device}]` : '';
    this.line(`job ${record.index} started${device}: ${formatOverrides(record.overrides)}`);
  }

  /** A job ended (in any way); `testError` and `compression` from its run when it completed. */
  jobEnded(record: JobRecord, figures: { testError?: number | null; compression?: number | null } = {}): void {
    this.running.delete(record.index);
    this.done += 1;
    const took = duration(record.seconds);
    if (record.status === 'completed') {
      this.line(`job ${record.index} completed in ${took}: test error ${percent(figures.testError)}, compression ${times(figures.compression)}`);
    } else {
      if (record.status === 'failed') this.failed += 1;
      const last = (record.stderrTail ?? '').trim().split('\n').pop() ?? '';
      const how = record.exitCode !== null ? `exit ${record.exitCode}` : record.signal ?? 'no exit code';
      this.line(`job ${record.index} ${record.status} (${how}) after ${took}${last ? `: ${last}` : ''}`);
    }
  }

  /** Stops redrawing and clears the status line. */
  close(): void {
    clearInterval(this.timer);
    if (this.tty) this.stream.write('\r\x1b[K');
  }

  /** Writes an event line (above the status line on a terminal). */
  line(text: string): void {
    this.stream.write(this.tty ? `\r\x1b[K${text}\n` : `${text}\n`);
    this.draw();
  }

  private draw(): void {
    if (!this.tty) return;
    const devices = [...this.running.values()].map((r) => (r.device !== null ? `${r.index}@${r.device}` : String(r.index)));
    const elapsed = duration((performance.now() - this.started) / 1000);
    const status = `sweep: ${this.done}/${this.toRun} done, ${this.running.size} running${devices.length ? ` (${devices.join(' ')})` : ''}, ${this.failed} failed, ${elapsed}`;
    const width = this.stream.columns || 100;
    this.stream.write(`\r\x1b[K${status.slice(0, width - 1)}`);
  }
}
