/**
 * `svd export`: a run's latest (or best) checkpoint, cut at its threshold (or another), written as
 * a stock tfjs LayersModel (`tfjs`), in the compact `sparse` format or as an ONNX model (`onnx`),
 * optionally with dead units removed (`shrink`), into a fresh directory with an svd-export.json
 * manifest; and the size figures the command prints. Every format starts with the run's input
 * normalization (preprocess.ts), so it takes raw pixels in [0, 1]; the manifest says so (`input`).
 */
import * as path from 'node:path';
import { SvdError } from '../errors.js';
import type { CheckpointChoice } from '../experiment/run-model.js';
import { extractRun } from './extract.js';
import { EXPORT_MANIFEST, makeManifest, type ExportKind, type ExportManifest } from './manifest.js';
import { nonzeroCount, paramCount } from './plain-net.js';
import { encodeSparse, type SparseLayout } from './sparse-format.js';
import { analyzeStructure, shrinkNet, type StructureReport } from './structure.js';
import { MODEL_JSON, TFJS_WEIGHTS, tfjsFiles } from '../formats/tfjs-files.js';
import { buildTfjsModel } from './tfjs-model.js';
import { checkOutDir, fileSizes, writeDirAtomic } from './write-dir.js';
import { DATASETS } from '../data/registry.js';
import { ONNX_MODEL, onnxModelBytes } from './onnx-model.js';
import { inputContract, preprocessLayers } from './preprocess.js';
import type { PlainNet } from './plain-net.js';

/** What to export and where. */
export interface ExportOptions {
  format: ExportKind;
  /** Pruning threshold on log alpha; default: the run's `sparsity.threshold`. */
  threshold?: number;
  /** Output directory; default: defaultOutDir(...). */
  out?: string;
  /** Remove dead units and filters (narrower layers, same predictions). */
  shrink?: boolean;
  /** Replace an earlier export in `out`. */
  force?: boolean;
  /** onnx: kernels as sparse initializers (values and int64 indices of the nonzeros) where that is smaller. */
  sparseInitializers?: boolean;
  /** Which checkpoint: the latest (default) or the best one `training.keepBest` kept. */
  checkpoint?: CheckpointChoice;
}

/** What `svd export` prints (as JSON). */
export interface ExportResult {
  out: string;
  format: ExportKind;
  runDir: string;
  epoch: number;
  threshold: number;
  /** Every file of the export directory and its size in bytes. */
  files: Record<string, number>;
  /** dense: float32 bytes of all parameters of the plain model; weights: the weight file; exported: all files, manifest included. */
  bytes: { dense: number; weights: number; exported: number };
  /** dense: parameters of the plain model; stored: values in the export's weights; nonzero: of those, nonzero. */
  weights: { dense: number; stored: number; nonzero: number };
  /** weights: dense / stored; bytes: dense bytes / exported bytes; paper: Sparse VD weights / kept (as summary.json). */
  compression: { weights: number; bytes: number; paper: number };
  sparsity: Record<string, number>;
  structure: StructureReport;
  shrink: ExportManifest['shrink'];
}

/** The default output directory: `<runDir>/export-<format>[-shrink][-t<threshold>]`. */
export function defaultOutDir(runDir: string, format: ExportKind, shrink = false, threshold?: number): string {
  return path.join(runDir, `export-${format}${shrink ? '-shrink' : ''}${threshold === undefined ? '' : `-t${threshold}`}`);
}

/** Exports the latest checkpoint of the run in `runDir` (see ExportOptions). */
export async function exportRun(runDir: string, options: ExportOptions): Promise<ExportResult> {
  const out = options.out ?? `${defaultOutDir(runDir, options.format, options.shrink, options.threshold)}${options.checkpoint === 'best' ? '-best' : ''}`;
  const force = options.force ?? false;
  checkOutDir(out, force);
  if (options.sparseInitializers && options.format !== 'onnx') throw new SvdError('E_ARGS', `--sparse-initializers applies to --format onnx, not ${options.format}`);
  const run = await extractRun(runDir, options.threshold, options.checkpoint);
  const structure = analyzeStructure(run.net);
  const shrunk = options.shrink ? shrinkNet(run.net) : null;
  // the run's normalization, from the statistics its data loader computes on the same training split
  const dataset = await DATASETS.get(run.config.data.dataset).load(run.config.data);
  const preprocess = preprocessLayers(dataset);
  const net: PlainNet = { ...(shrunk?.net ?? run.net), preprocess };

  const files = new Map<string, string | Uint8Array>();
  let stored: number;
  let sparse: SparseLayout | undefined;
  if (options.format === 'tfjs') {
    const model = buildTfjsModel(net);
    try {
      const tfjs = await tfjsFiles(model);
      files.set(MODEL_JSON, JSON.stringify(tfjs.modelJson));
      files.set(TFJS_WEIGHTS, tfjs.weights);
    } finally {
      model.dispose();
    }
    stored = paramCount(net);
  } else if (options.format === 'sparse') {
    const encoded = encodeSparse(net);
    sparse = encoded.layout;
    files.set(sparse.file, encoded.bin);
    stored = sparse.layers.reduce((n, l) => n + l.params.reduce((m, p) => m + (p.encoding === 'csr' ? p.nnz : p.values.length), 0), 0);
  } else if (options.format === 'onnx') {
    files.set(ONNX_MODEL, onnxModelBytes(net, run.numClasses, `svd export of ${runDir} (epoch ${run.epoch}, threshold ${run.sparsity.threshold}); input: float32 [batch, ${net.inputShape.join(', ')}] raw pixels in [0, 1], NHWC`, options.sparseInitializers ?? false));
    stored = paramCount(net);
  } else {
    throw new SvdError('E_ARGS', `--format must be tfjs, sparse or onnx, got '${String(options.format)}'`);
  }

  const dense = paramCount(run.net);
  const weightFileBytes = [...files.values()].filter((v): v is Uint8Array => typeof v !== 'string').reduce((n, b) => n + b.byteLength, 0);
  const masks = run.masks;
  const sparsity = Object.fromEntries(Object.entries(masks.layers).map(([name, m]) => [name, (m.size - m.kept) / m.size]));
  const paper = masks.sparsifiable === 0 ? 1 : masks.sparsifiable / Math.max(1, masks.kept);
  const manifest = makeManifest({
    kind: options.format,
    source: { runDir, name: run.config.name, epoch: run.epoch, threshold: run.sparsity.threshold, logAlphaClip: run.sparsity.logAlphaClip },
    backend: run.config.backend,
    data: run.config.data,
    inputShape: net.inputShape,
    input: inputContract(dataset, preprocess),
    numClasses: run.numClasses,
    files: [...files.keys()].sort(),
    structure,
    shrink: shrunk ? { before: shrunk.before, after: shrunk.after, passes: shrunk.passes } : null,
    stats: {
      sparsity,
      compression: paper,
      params: { total: dense, exported: paramCount(net), sparsifiable: masks.sparsifiable, nonzero: masks.kept },
      stored: { values: stored, nonzero: nonzeroCount(net) },
      bytes: { dense: dense * 4, weights: weightFileBytes },
    },
    ...(sparse ? { sparse } : {}),
  });
  files.set(EXPORT_MANIFEST, JSON.stringify(manifest, null, 2) + '\n');
  writeDirAtomic(out, files, force);

  const sizes = fileSizes(out);
  const exported = Object.values(sizes).reduce((a, b) => a + b, 0);
  return {
    out,
    format: options.format,
    runDir,
    epoch: run.epoch,
    threshold: run.sparsity.threshold,
    files: sizes,
    bytes: { dense: dense * 4, weights: weightFileBytes, exported },
    weights: { dense, stored, nonzero: manifest.stats.stored.nonzero },
    compression: { weights: dense / Math.max(1, stored), bytes: (dense * 4) / exported, paper },
    sparsity,
    structure,
    shrink: manifest.shrink,
  };
}
