/**
 * What `svd run` and `svd resume` print on stderr when a run ends (stdout's last line stays the
 * run directory): its figures from summary.json, each Sparse VD layer's sparsity by name, and
 * the commands that come next.
 */
import type { RunPaths } from '../store/run-dir.js';
import { readSummary } from '../store/summary.js';
import { duration, percent, times } from '../text/format.js';

const int = (n: number) => n.toLocaleString('en-US');

/** The end-of-run lines for the run in `paths` (nothing when it has no summary). */
export function runEndText(paths: RunPaths): string {
  const s = readSummary(paths.summary);
  if (!s) return '';
  const lines = [`${s.status} ${s.name}: ${s.epochs} epoch(s) in ${duration(s.seconds)} on ${s.backend}`];
  const val = typeof s.valError === 'number' ? `, validation error ${percent(s.valError)}` : '';
  lines.push(`  test error ${percent(s.testError)}${val}`);
  const layers = Object.entries(s.sparsity);
  if (layers.length > 0) {
    const kept = s.params ? ` (${int(s.params.nonzero)} of ${int(s.params.sparsifiable)} Sparse VD weights kept)` : '';
    lines.push(`  compression ${times(s.compression)}${kept}`);
    lines.push(`  sparsity by layer: ${layers.map(([name, f]) => `${name} ${percent(f, 1)}`).join(', ')}`);
  }
  if (s.best) lines.push(`  best checkpoint by ${s.best.metric}: epoch ${s.best.epoch} (${s.best.value.toPrecision(4)}); use it with --checkpoint best`);
  lines.push('next:');
  lines.push(`  svd report ${paths.dir}    an HTML report: curves, weight pictures, the threshold trade-off`);
  lines.push(`  svd export ${paths.dir} --format sparse    the sparsified model and its size`);
  return lines.join('\n');
}
