/**
 * `svd eval RUN_DIR [--threshold T]`: loads the run's latest checkpoint and prints, as JSON,
 * the masked deterministic test error, per-layer sparsity and compression at the run's
 * threshold or at T.
 * `svd eval EXPORT_DIR`: loads an export written by `svd export` (tfjs, sparse or onnx, the last
 * through onnxruntime-node; a directory with
 * svd-export.json) and prints, as JSON, its test error on the run's test set (equal to the run's
 * masked test error at the export's threshold), with the figures its manifest records.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from './command.js';
import { numberOption, parseCommandArgs } from './args.js';
import { evaluateRun } from '../run/evaluate-run.js';
import { evaluateExport } from '../export/evaluate-export.js';
import { EXPORT_MANIFEST, isExportDir } from '../export/manifest.js';
import { SvdError } from '../errors.js';

const usage = 'usage: svd eval RUN_DIR [--threshold T]\n       svd eval EXPORT_DIR     (tfjs, sparse or onnx export; onnx runs in onnxruntime-node)';

const command: Command = {
  name: 'eval',
  summary: 'masked test error, sparsity and compression of a run (optionally at another threshold) or of an export',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('eval', usage, argv, { threshold: { type: 'string' } }, { min: 1, max: 1 });
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const dir = positionals[0];
    const threshold = numberOption('threshold', values.threshold);
    if (isExportDir(dir) && !fs.existsSync(path.join(dir, 'resolved.json'))) {
      if (threshold !== undefined) {
        throw new SvdError('E_ARGS', `svd eval: --threshold applies to run directories; ${dir} is an export, whose threshold was fixed by svd export (export the run again with --threshold)`);
      }
      console.log(JSON.stringify(await evaluateExport(dir), null, 2));
      return 0;
    }
    if (!fs.existsSync(path.join(dir, 'resolved.json'))) {
      throw new SvdError('E_RUN_DIR', `not a run directory (no resolved.json in it) nor an export directory (no ${EXPORT_MANIFEST} in it)`, { file: dir }, 2);
    }
    const result = await evaluateRun(dir, threshold);
    console.log(JSON.stringify(result, null, 2));
    return 0;
  },
};
export default command;
