/**
 * `svd export RUN_DIR [--format tfjs|sparse|onnx] [--threshold T] [--out DIR] [--shrink] [--force]
 * [--json]`: writes the run's sparsified model as a stock tfjs LayersModel or in the compact
 * sparse format, and prints the sizes (dense float32 bytes, exported bytes, compression in
 * weights and bytes) and the dead units; the last line is the export directory. With --json it
 * prints the whole result as JSON instead.
 */
import type { Command } from './command.js';
import { numberOption, parseCommandArgs } from './args.js';
import { SvdError } from '../errors.js';
import { exportRun, type ExportResult } from '../export/export-run.js';
import { EXPORT_KINDS, type ExportKind } from '../export/manifest.js';

const usage = `usage: svd export RUN_DIR [--format tfjs|sparse|onnx] [--threshold T] [--out DIR] [--shrink] [--sparse-initializers] [--force] [--json]
  --format     tfjs: a standard tfjs LayersModel (model.json + weights.bin), loadable with tf.loadLayersModel (default)
               sparse: only the surviving weights (CSR) and the remaining dense parameters (svd-export.json + weights.bin)
               onnx: an ONNX model (opset 13, model.onnx) for onnxruntime and other ONNX runtimes
               every format takes raw pixels in [0, 1], NHWC, float32: the run's normalization is its first layers
  --threshold  prune where log alpha >= T (default: the run's sparsity.threshold)
  --out        output directory (default: RUN_DIR/export-<format>[-shrink][-t<T>]); must not exist or be empty
  --sparse-initializers  onnx: kernels as sparse initializers (nonzero values + int64 indices) where smaller; runtimes densify them on load
  --shrink     remove units and filters whose outgoing (or incoming) weights are all pruned: narrower layers, same predictions
  --force      replace an earlier export in --out
  --json       print the result as JSON`;

const command: Command = {
  name: 'export',
  summary: 'write the sparsified model: a standard tfjs LayersModel, the compact sparse format or ONNX; prints the sizes',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('export', usage, argv, {
      format: { type: 'string' },
      threshold: { type: 'string' },
      out: { type: 'string' },
      shrink: { type: 'boolean' },
      'sparse-initializers': { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    }, { min: 1, max: 1 });
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const format = (values.format ?? 'tfjs') as ExportKind;
    if (!EXPORT_KINDS.includes(format)) throw new SvdError('E_ARGS', `svd export: --format must be one of ${EXPORT_KINDS.join(', ')}, got '${values.format}'\n${usage}`);
    const result = await exportRun(positionals[0], {
      format,
      threshold: numberOption('threshold', values.threshold),
      out: values.out,
      shrink: values.shrink ?? false,
      sparseInitializers: values['sparse-initializers'] ?? false,
      force: values.force ?? false,
    });
    console.log(values.json ? JSON.stringify(result, null, 2) : describe(result));
    return 0;
  },
};
export default command;

const int = (n: number) => n.toLocaleString('en-US');
const times = (x: number) => `${x.toFixed(1)}x`;

/** The human-readable report; its last line is the export directory. */
export function describe(r: ExportResult): string {
  const lines = [
    `exported ${r.format} model of ${r.runDir} (epoch ${r.epoch}, threshold ${r.threshold})`,
    `  dense float32 weights: ${int(r.bytes.dense)} bytes (${int(r.weights.dense)} weights)`,
    `  exported:              ${int(r.bytes.exported)} bytes in ${Object.entries(r.files).map(([f, b]) => `${f} ${int(b)}`).join(', ')}`,
    `  compression:           ${times(r.compression.bytes)} in bytes, ${times(r.compression.weights)} in stored weights (${int(r.weights.stored)}, ` +
      `${int(r.weights.nonzero)} nonzero); the run's ${times(r.compression.paper)} over the Sparse VD layers`,
    `  inputs never read:     ${int(r.structure.inputs.unused)} of ${int(r.structure.inputs.count)} input ${r.structure.inputs.kind}`,
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
