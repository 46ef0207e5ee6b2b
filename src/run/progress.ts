/**
 * Progress on stderr (stdout is kept for the run directory line). On a terminal: a bar redrawn
 * in place with steps/s and ETA; otherwise one plain line per epoch.
 */
import type { EpochMetrics } from '../store/metrics.js';
import { formatDuration, times } from '../text/format.js';

const BAR_WIDTH = 24;
const REDRAW_MS = 200;

/** Reports training progress for `epochs` epochs. */
export class Progress {
  private lastDraw = -Infinity;
  /** A bar is on the terminal's current line (drawn without a newline). */
  private barShown = false;
  private stepsDone = 0;
  private readonly started = performance.now();

  constructor(
    private readonly epochs: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}

  /** Called after every step. */
  step(step: number, stepsPerEpoch: number, epoch: number): void {
    this.stepsDone += 1;
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.lastDraw < REDRAW_MS && step !== stepsPerEpoch) return;
    this.lastDraw = now;
    const rate = this.stepsDone / ((now - this.started) / 1000);
    const remaining = (this.epochs - epoch - 1) * stepsPerEpoch + (stepsPerEpoch - step);
    const filled = Math.round((step / stepsPerEpoch) * BAR_WIDTH);
    const bar = '='.repeat(filled) + ' '.repeat(BAR_WIDTH - filled);
    this.barShown = true;
    this.stream.write(`\repoch ${epoch + 1}/${this.epochs} [${bar}] ${step}/${stepsPerEpoch} ${rate.toFixed(1)} steps/s ETA ${formatDuration(remaining / rate)}   `);
  }

  /** Called after every evaluated epoch. */
  epoch(m: EpochMetrics): void {
    const line = epochLine(m, this.epochs);
    this.stream.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
    this.barShown = false;
  }

  /** Ends the bar's line, so that what is printed next (a stop or failure message) starts on a line of its own. */
  endLine(): void {
    if (this.barShown) this.stream.write('\n');
    this.barShown = false;
  }
}

/**
 * One epoch's progress line. Sparsity, compression and the KL weight only mean something for a
 * model with Sparse VD layers (`m.sparsity` names them), so a dense model's line leaves them out.
 */
export function epochLine(m: EpochMetrics, epochs: number): string {
  const layers = Object.values(m.sparsity).map((s) => (100 * s).toFixed(1));
  const hasSparse = layers.length > 0;
  const sparse = hasSparse ? ` sparsity ${layers.join('/')}% compression ${times(m.compression)}` : '';
  const kl = hasSparse ? ` kl weight ${m.klWeight.toFixed(3)}` : '';
  const val = m.valError === undefined ? '' : ` val error ${(100 * m.valError).toFixed(2)}%`;
  return `epoch ${m.epoch}/${epochs} loss ${m.trainLoss.toFixed(4)}${val} test error ${(100 * m.testError).toFixed(2)}%` +
    `${sparse} lr ${m.lr.toPrecision(3)}${kl} ${formatDuration(m.seconds)}`;
}
