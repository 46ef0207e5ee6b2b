/**
 * What `svd eval` prints without --json: the evaluation as a short table of named figures, then
 * per-layer sparsity by layer name (and, for an export, its layer widths); with the threshold
 * picker, which threshold it chose and why.
 */
import type { ExportEvaluation } from '../export/evaluate-export.js';
import type { RunEvaluation } from '../run/evaluate-run.js';
import type { ThresholdPick } from '../run/pick-threshold.js';
import { percent, times } from '../text/format.js';
import { renderTable } from '../text/table.js';

const int = (n: number | null | undefined) => (typeof n === 'number' ? n.toLocaleString('en-US') : '-');

/** The table of `r` (a run's or an export's evaluation), with `pick` when --threshold auto chose. */
export function evaluationTable(r: RunEvaluation | ExportEvaluation, pick?: ThresholdPick): string {
  const exported = 'exportDir' in r ? r : null;
  const rows: string[][] = [];
  if (exported) rows.push(['export', `${exported.exportDir} (${exported.format})`]);
  rows.push(['run', r.runDir]);
  rows.push(['checkpoint', `epoch ${r.epoch}${r.checkpoint === 'best' ? ' (the best, training.keepBest)' : ''}`]);
  rows.push(['threshold', pick ? `${r.threshold} (auto: the most compression within ${pick.maxErrorIncrease} points of the unpruned validation error ${percent(pick.unprunedValError)}; ${pick.candidates.length} thresholds tried)` : String(r.threshold)]);
  if (r.valError !== undefined) rows.push(['validation error', `${percent(r.valError)} (nll ${r.valNll?.toFixed(4)})`]);
  rows.push(['test error', `${percent(r.testError)} (nll ${r.testNll.toFixed(4)})`]);
  rows.push(['compression', `${times(r.compression)}: Sparse VD weights / those kept (${int(r.params.sparsifiable)} / ${int(r.params.nonzero)})`]);
  rows.push(['parameters', `${int(r.params.total)} in the model${exported?.widths && exported.shrunk ? ' as shrunk' : ''}`]);
  rows.push(['backend', r.backend]);
  const figures = renderTable(['', ''], rows, { maxCell: 200, width: Infinity }).split('\n').slice(1).join('\n');
  const layers = Object.entries(r.sparsity);
  const widths = exported?.widths ?? null;
  const header = widths ? ['layer', 'sparsity', 'width'] : ['layer', 'sparsity'];
  const names = [...new Set([...layers.map(([n]) => n), ...Object.keys(widths ?? {})])];
  const layerRows = names.map((n) => {
    const row = [n, percent(r.sparsity[n], 1)];
    return widths ? [...row, int(widths[n])] : row;
  });
  return names.length ? `${figures}\n\n${renderTable(header, layerRows, { right: new Set([1, 2]) })}` : figures;
}
