/**
 * `svd report RUN_OR_SWEEP_DIR [--thresholds LIST]` (numbers and ranges a:b:step): writes
 * `DIR/report/index.html` (with its images and report.json), a self-contained page to open from
 * disk: for a run, its summary, curves, weight pictures, dead units, animations, log alpha
 * histograms and threshold curve; for a sweep directory, error against compression over its
 * settings (seeds aggregated) and their curves. Prints the page's path as the last line.
 */
import * as fs from 'node:fs';
import type { Command } from './command.js';
import { numberListOption, parseCommandArgs } from './args.js';
import { SvdError } from '../errors.js';
import { isRunDir } from '../store/run-info.js';
import { isSweepDir } from '../store/sweep-dir.js';
import { writeRunReport } from '../report/run-report.js';
import { writeSweepReport } from '../report/sweep-report.js';

const usage = `usage: svd report RUN_OR_SWEEP_DIR [--thresholds LIST]
  Writes DIR/report/index.html (open it in a browser; it needs no network) and its images.
  A run: the summary, headline curves and contents first; every Sparse VD layer's weights with
  the pruned ones blanked (dense kernels whole), its dead units (as svd export finds them), the
  input pixels a first dense layer never reads, its animation over training when the run wrote
  snapshots (training.snapshotEvery), log alpha histograms, and error and compression as the
  threshold varies (from the latest checkpoint; --thresholds sets the thresholds: numbers and
  ranges a:b:step, e.g. 2,3:4:0.1; default: a grid that is fine where the compression changes, and
  the run's own; points are cached in RUN_DIR/threshold-evals.json, so a second report evaluates
  only thresholds not seen before).
  A sweep directory: test error against compression, one point per setting (seeds aggregated),
  and the settings' curves overlaid. See docs/report.md.
  Prints the page's path as the last line.
examples:
  svd report runs/quickstart/2026-12-02T10-00-00-ab12cd
  svd report runs/lenet5-mnist/2026-12-02T10-00-00-ab12cd --thresholds 2:4:0.1`;

const command: Command = {
  name: 'report',
  summary: 'an HTML page of a run (summary, curves, pruned weights, dead units, threshold curve) or a sweep (error vs compression)',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('report', usage, argv, { thresholds: { type: 'string' } }, { min: 1, max: 1 });
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const dir = positionals[0];
    const thresholds = numberListOption('thresholds', values.thresholds) ?? null;
    if (isRunDir(dir)) {
      const result = await writeRunReport(dir, { thresholds, progress: (msg) => console.error(`svd report: ${msg}`) });
      console.log(`${result.manifest.images.length} image(s) in ${result.dir}`);
      console.log(result.index);
      return 0;
    }
    if (isSweepDir(dir)) {
      if (thresholds) throw new SvdError('E_ARGS', `svd report: --thresholds applies to a run directory; ${dir} is a sweep directory`);
      const result = await writeSweepReport(dir);
      console.log(`${result.manifest.runs.length} job(s), ${result.manifest.plotted.length} plotted, in ${result.dir}`);
      console.log(result.index);
      return 0;
    }
    const why = fs.existsSync(dir) ? 'is neither a run directory (no resolved.json) nor a sweep directory (no sweep.json and jobs.jsonl)' : 'does not exist';
    throw new SvdError('E_RUN_DIR', `svd report: ${dir} ${why}`, {}, 2);
  },
};
export default command;
