/**
 * `svd export RUN_DIR [--format tfjs|sparse|onnx] [--threshold T|auto] [--max-error-increase P]
 * [--thresholds LIST] [--checkpoint latest|best] [--out DIR] [--shrink] [--force] [--json]`:
 * writes the run's sparsified model as a stock tfjs LayersModel, in the compact sparse format or
 * as ONNX (each taking raw pixels: the run's normalization is its first layers),
 * and prints the sizes (one compression figure per line, each with its meaning) and the dead
 * units; the last line is the export directory. With --json it prints the whole result as JSON
 * instead. `--threshold auto` picks the threshold on the run's validation split, as `svd eval`
 * does (threshold-options.ts).
 */
import type { Command } from './command.js';
import { parseCommandArgs, synopsis } from './args.js';
import { thresholdChoice, THRESHOLD_OPTIONS, THRESHOLD_USAGE } from './threshold-options.js';
import { SvdError } from '../errors.js';
import { exportRun, type ExportResult } from '../export/export-run.js';
import { EXPORT_KINDS, type ExportKind } from '../export/manifest.js';
import { times } from '../text/format.js';

const usage = `usage: svd export RUN_DIR [--format tfjs|sparse|onnx] [--threshold T|auto] [--max-error-increase P] [--thresholds LIST]
                  [--checkpoint latest|best] [--out DIR] [--shrink] [--sparse-initializers] [--force] [--json]
  --format     tfjs: a standard tfjs LayersModel (model.json + weights.bin), loadable with tf.loadLayersModel (default)
               sparse: only the surviving weights (CSR) and the remaining dense parameters (svd-export.json + weights.bin)
               onnx: an ONNX model (opset 13, model.onnx) for onnxruntime and other ONNX runtimes
               every format takes raw pixels in [0, 1], NHWC, float32: the run's normalization is its first layers
${THRESHOLD_USAGE}
  --out        output directory (default: RUN_DIR/export-<format>[-shrink][-t<T>][-best]); must not exist or be empty
  --sparse-initializers  onnx: kernels as sparse initializers (nonzero values + int64 indices) where smaller; runtimes densify them on load
  --shrink     remove units and filters whose outgoing (or incoming) weights are all pruned: narrower layers, same predictions
  --force      replace an earlier export in --out
  --json       print the result as JSON
Prints the sizes, one compression figure per line, and the dead units per layer; the last line is the export directory.
examples:
  svd export runs/quickstart/2026-12-02T10-00-00-ab12cd --format sparse --shrink
  svd export runs/quickstart/2026-12-02T10-00-00-ab12cd --format onnx
  svd export runs/quickstart/2026-12-02T10-00-00-ab12cd --threshold auto --max-error-increase 0.1`;

const command: Command = {
  name: 'export',
  summary: 'write the sparsified model: a standard tfjs LayersModel, the compact sparse format or ONNX; prints the sizes',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('export', usage, argv, {
      format: { type: 'string' },
      ...THRESHOLD_OPTIONS,
      out: { type: 'string' },
      shrink: { type: 'boolean' },
      'sparse-initializers': { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    }, { min: 1, max: 1 });
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const format = (values.format ?? 'tfjs') as ExportKind;
    if (!EXPORT_KINDS.includes(format)) throw new SvdError('E_ARGS', `svd export: --format must be one of ${EXPORT_KINDS.join(', ')}, got '${values.format}'\n${synopsis('export', usage)}`);
    const choice = await thresholdChoice(positionals[0], values);
    if (choice.pick) {
      const p = choice.pick;
      process.stderr.write(`svd export: --threshold auto: ${p.threshold} (validation error ${(100 * p.valError).toFixed(2)}%, unpruned ${(100 * p.unprunedValError).toFixed(2)}%, compression ${times(p.compression)}; ${p.candidates.length} thresholds tried)\n`);
    }
    const result = await exportRun(positionals[0], {
      format,
      threshold: choice.threshold,
      checkpoint: choice.checkpoint,
      out: values.out,
      shrink: values.shrink ?? false,
      sparseInitializers: values['sparse-initializers'] ?? false,
      force: values.force ?? false,
    });
    console.log(values.json ? JSON.stringify(choice.pick ? { ...result, pick: choice.pick } : result, null, 2) : describe(result));
    return 0;
  },
};
export default command;

const int = (n: number) => n.toLocaleString('en-US');

/** The human-readable report; its last line is the export directory. */
export function describe(r: ExportResult): string {
  const lines = [
    `exported ${r.format} model of ${r.runDir} (epoch ${r.epoch}, threshold ${r.threshold})`,
    `  dense float32 weights:   ${int(r.bytes.dense)} bytes (${int(r.weights.dense)} weights)`,
    `  exported:                ${int(r.bytes.exported)} bytes in ${Object.entries(r.files).map(([f, b]) => `${f} ${int(b)}`).join(', ')}`,
    `  compression, bytes:      ${times(r.compression.bytes)} (dense float32 bytes / exported bytes, all files)`,
    `  compression, stored:     ${times(r.compression.weights)} (dense weights / values stored: ${int(r.weights.stored)}, ${int(r.weights.nonzero)} nonzero, biases included)`,
    `  compression, Sparse VD:  ${times(r.compression.paper)} (Sparse VD weights / those kept: the run's figure, as in summary.json)`,
    `  inputs never read:       ${int(r.structure.inputs.unused)} of ${int(r.structure.inputs.count)} input ${r.structure.inputs.kind}`,
    `  dead ${r.structure.layers.map((l) => l.kind).includes('filters') ? 'units/filters' : 'units'} (all outgoing / all incoming weights pruned; constant: dead in with a nonzero output):`,
    ...r.structure.layers.map((l) =>
      `    ${l.layer}: ${l.width} ${l.kind}, ${l.deadOut} dead out, ${l.deadIn} dead in (${l.constant} constant), ${l.removable} removable`),
  ];
  if (r.shrink) {
    lines.push(`  --shrink (${r.shrink.passes} pass${r.shrink.passes === 1 ? '' : 'es'}): ${Object.keys(r.shrink.before).map((k) => `${k} ${r.shrink!.before[k]} -> ${r.shrink!.after[k]}`).join(', ')}`);
  }
  lines.push(r.out);
  return lines.join('\n');
}
