/**
 * Loading an export directory back as a tfjs LayersModel (tfjs: the stock `tf.loadLayersModel`
 * on model.json; sparse: the weights densified from weights.bin into the same plain model) and
 * evaluating it on the test set its manifest names: the computation behind
 * `svd eval EXPORT_DIR`. The export's weights are the run's masked weights, so its test error
 * is the run's masked test error.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DATASETS } from '../data/registry.js';
import { selectBackend } from '../backends/select.js';
import { evaluateLogits } from '../train/evaluate.js';
import { DeviceData } from '../train/device-data.js';
import { SvdError } from '../errors.js';
import { fileInFolder, readRegularFile, regularFileSize } from '../files/read.js';
import { EXPORT_MANIFEST, readManifest, type ExportKind, type ExportManifest } from './manifest.js';
import { decodeSparse, sizeMismatch } from './sparse-format.js';
import { loadTfjsModel } from './tfjs-files.js';
import { buildTfjsModel } from './tfjs-model.js';
import { fileSizes } from './write-dir.js';
import type { PlainNet } from './plain-net.js';
import type { RunEvaluation } from '../run/evaluate-run.js';

/** What `svd eval EXPORT_DIR` prints: what `svd eval RUN_DIR` does, plus the export's own. */
export interface ExportEvaluation extends RunEvaluation {
  exportDir: string;
  format: ExportKind;
  /** Widths of the weighted layers (after --shrink, when it was used). */
  widths: Record<string, number> | null;
  /** Every file of the export directory and its size in bytes. */
  files: Record<string, number>;
}

/** The sparse export in `dir` as a PlainNet (kernels densified). */
export function readSparseExport(dir: string, manifest: ExportManifest = readManifest(dir)): PlainNet {
  const layout = manifest.sparse!;
  const manifestFile = path.join(dir, EXPORT_MANIFEST);
  const binFile = fileInFolder(dir, layout.file, (why) => new SvdError('E_EXPORT_FORMAT', `malformed sparse export: sparse.file ${why}`, { file: manifestFile, path: 'sparse.file' }));
  const refuse = (why: string) => new SvdError('E_EXPORT_FORMAT', `cannot read the sparse weights: ${why}`, { file: binFile });
  const size = regularFileSize(binFile, refuse);
  if (size !== layout.bytes) throw sizeMismatch(size, layout.bytes, binFile);
  const bin = readRegularFile(binFile, refuse, layout.bytes, `the ${layout.bytes} bytes sparse.bytes declares`);
  return decodeSparse(layout, manifest.inputShape, bin, manifestFile, binFile);
}

/** The model of the export in `dir`, as a tfjs LayersModel (the caller disposes it). */
export async function loadExportedModel(dir: string, manifest: ExportManifest = readManifest(dir)): Promise<tf.LayersModel> {
  if (manifest.kind === 'tfjs') return loadTfjsModel(dir);
  const net = readSparseExport(dir, manifest);
  try {
    return buildTfjsModel(net);
  } catch (err) {
    throw new SvdError('E_EXPORT_FORMAT', `the sparse layout does not describe a buildable model: ${(err as Error).message}`, { file: path.join(dir, EXPORT_MANIFEST) });
  }
}

/** Evaluates the export in `dir` on the test set of the run it came from. */
export async function evaluateExport(dir: string): Promise<ExportEvaluation> {
  const manifest = readManifest(dir);
  const backend = await selectBackend(manifest.backend ?? 'auto');
  const model = await loadExportedModel(dir, manifest);
  try {
    const dataset = await DATASETS.get(manifest.data.dataset).load(manifest.data);
    if (dataset.inputShape.join('x') !== manifest.inputShape.join('x')) {
      throw new SvdError('E_EXPORT_FORMAT', `the export takes inputs [${manifest.inputShape}], dataset ${dataset.name} has [${dataset.inputShape}]`, { file: path.join(dir, EXPORT_MANIFEST) });
    }
    const data = new DeviceData(dataset);
    let result;
    try {
      result = await evaluateLogits((x) => model.predict(x) as tf.Tensor, data, data.test);
    } finally {
      data.dispose();
    }
    const widths = manifest.shrink?.after ?? Object.fromEntries(manifest.structure.layers.map((l) => [l.layer, l.width]));
    return {
      exportDir: dir,
      format: manifest.kind,
      runDir: manifest.source.runDir,
      epoch: manifest.source.epoch,
      threshold: manifest.source.threshold,
      testError: result.error,
      testNll: result.nll,
      backend: backend.name,
      sparsity: manifest.stats.sparsity,
      compression: manifest.stats.compression,
      params: manifest.stats.params,
      widths,
      files: fileSizes(dir),
    };
  } finally {
    model.dispose();
  }
}
