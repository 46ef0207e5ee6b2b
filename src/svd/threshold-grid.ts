/**
 * The thresholds to try when choosing where to prune: fine where the compression changes, coarse
 * where it does not. Pruning at threshold t keeps the weights whose log alpha is below t, so the
 * compression moves only where log alphas lie. The grid is an even one (every `step` from
 * `from` to the clip) plus, from the sorted log alphas, the thresholds at which the kept count
 * falls by each further factor of `ratio` (compression 1.25, 1.56, ... x), as far as `from`: on a trained Sparse VD model these crowd just below the clip, where a few tenths of a
 * threshold change the compression by orders of magnitude.
 */

/** How fine the grid is. */
export interface GridOptions {
  /** Lowest threshold of the even part (default -2). */
  from?: number;
  /** Step of the even part (default 0.5). */
  step?: number;
  /** Compression factor between neighbouring points of the fine part (default 1.25). */
  ratio?: number;
}

/** Rounded to 2 decimals (thresholds as people write them). */
const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The grid for `logAlphas` (every Sparse VD weight's log alpha, clipped to [-clip, clip]),
 * sorted ascending, without duplicates, always including `own` (the run's threshold).
 */
export function thresholdGrid(logAlphas: Float32Array, clip: number, own: number, options: GridOptions = {}): number[] {
  const from = options.from ?? -2;
  const step = options.step ?? 0.5;
  const ratio = options.ratio ?? 1.25;
  const points = new Set<number>([own]);
  for (let t = from; t <= clip + 1e-9; t += step) points.add(round2(t));
  const sorted = Float32Array.from(logAlphas).sort();
  const n = sorted.length;
  // Keeping k weights (those below the k-th smallest log alpha, 0-based index k): threshold sorted[k].
  for (let kept = n / ratio; kept >= 1; kept /= ratio) {
    const t = round2(sorted[Math.floor(kept)]);
    if (t >= from && t <= clip) points.add(t);
  }
  return [...points].sort((a, b) => a - b);
}
