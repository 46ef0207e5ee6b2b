/**
 * `svd eval RUN_DIR [--threshold T|auto] [--max-error-increase P] [--thresholds LIST]
 * [--checkpoint latest|best] [--json]`: loads the run's latest (or best) checkpoint and prints the
 * masked deterministic test error (and validation error, when the run holds a validation split
 * out), per-layer sparsity and compression at the run's threshold, at T, or at the threshold
 * the picker chooses on the validation split (src/run/pick-threshold.ts).
 * `svd eval EXPORT_DIR`: loads an export written by `svd export` (tfjs, sparse or onnx, the last
 * through onnxruntime-node; a directory with svd-export.json) and prints its test error on the run's test set (equal to the run's masked
 * test error at the export's threshold), with the figures its manifest records.
 * A table by default; `--json` prints the result as JSON.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from './command.js';
import { parseCommandArgs } from './args.js';
import { evaluationTable } from './eval-table.js';
import { thresholdChoice, THRESHOLD_OPTIONS, THRESHOLD_USAGE } from './threshold-options.js';
import { evaluateRun } from '../run/evaluate-run.js';
import { evaluateExport } from '../export/evaluate-export.js';
import { EXPORT_MANIFEST, isExportDir } from '../export/manifest.js';
import { SvdError } from '../errors.js';

const usage = `usage: svd eval RUN_DIR [--threshold T|auto] [--max-error-increase P] [--thresholds LIST] [--checkpoint latest|best] [--json]
       svd eval EXPORT_DIR [--json]     (a tfjs, sparse or onnx export; onnx runs in onnxruntime-node)
${THRESHOLD_USAGE}
  --json                print the result as JSON (keys: runDir, epoch, threshold, valError, testError,
                        testNll, sparsity, compression, params; with auto also pick)
Prints a table: the figures, then each layer's sparsity by name.
examples:
  svd eval runs/quickstart/2026-12-02T10-00-00-ab12cd
  svd eval runs/quickstart/2026-12-02T10-00-00-ab12cd --threshold auto --max-error-increase 0.1
  svd eval runs/quickstart/2026-12-02T10-00-00-ab12cd/export-sparse --json`;

const command: Command = {
  name: 'eval',
  summary: 'masked test error, sparsity and compression of a run (at its threshold, another, or one picked on validation) or of an export',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('eval', usage, argv, { ...THRESHOLD_OPTIONS, json: { type: 'boolean' } }, { min: 1, max: 1 });
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const dir = positionals[0];
    const show = (result: Parameters<typeof evaluationTable>[0], pick?: Parameters<typeof evaluationTable>[1]) =>
      console.log(values.json ? JSON.stringify(pick ? { ...result, pick } : result, null, 2) : evaluationTable(result, pick));
    if (isExportDir(dir) && !fs.existsSync(path.join(dir, 'resolved.json'))) {
      const given = ['threshold', 'max-error-increase', 'thresholds', 'checkpoint'].find((o) => (values as Record<string, unknown>)[o] !== undefined);
      if (given) {
        throw new SvdError('E_ARGS', `svd eval: --${given} applies to run directories; ${dir} is an export, whose threshold and checkpoint were fixed by svd export (export the run again with --threshold)`);
      }
      show(await evaluateExport(dir));
      return 0;
    }
    if (!fs.existsSync(path.join(dir, 'resolved.json'))) {
      throw new SvdError('E_RUN_DIR', `not a run directory (no resolved.json in it) nor an export directory (no ${EXPORT_MANIFEST} in it)`, { file: dir }, 2);
    }
    const choice = await thresholdChoice(dir, values);
    show(await evaluateRun(dir, choice.threshold, choice.checkpoint), choice.pick);
    return 0;
  },
};
export default command;
