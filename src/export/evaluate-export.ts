/**
 * Loading an export directory back (tfjs: the stock `tf.loadLayersModel` on model.json; sparse:
 * the weights densified from weights.bin into the same plain model; onnx: model.onnx run by
 * onnxruntime-node) and evaluating it on the test set its manifest names: the computation behind
 * `svd eval EXPORT_DIR`. The export's weights are the run's masked weights, so its test error
 * is the run's masked test error. A version 2 export carries the run's normalization, so it is
 * fed the raw test images (data.normalize none); a version 1 export the normalized ones.
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
import { loadTfjsModel } from '../formats/tfjs-files.js';
import { buildTfjsModel } from './tfjs-model.js';
import { fileSizes } from './write-dir.js';
import type { PlainNet } from './plain-net.js';
import type { RunEvaluation } from '../run/evaluate-run.js';
import type { Dataset } from '../data/dataset.js';
import { ONNX_MODEL } from './onnx-model.js';
import { readOnnxModel } from '../formats/onnx-read.js';
import { onnxLogits } from './onnx-run.js';

/** What `svd eval EXPORT_DIR` prints: what `svd eval RUN_DIR` does, plus the export's own. */
export interface ExportEvaluation extends RunEvaluation {
  exportDir: string;
  format: ExportKind;
  /** Widths of the weighted layers (after --shrink, when it was used). */
  widths: Record<string, number> | null;
  /** Every file of the export directory and its size in bytes. */
  files: Record<string, number>;
  /** Whether --shrink removed dead units (then params.total counts the narrower model). */
  shrunk: boolean;
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
  if (manifest.kind !== 'sparse') throw new SvdError('E_EXPORT_FORMAT', `a ${manifest.kind} export is not read as a tfjs model (svd eval runs it with onnxruntime)`, { file: path.join(dir, EXPORT_MANIFEST) });
  const net = readSparseExport(dir, manifest);
  try {
    return buildTfjsModel(net);
  } catch (err) {
    throw new SvdError('E_EXPORT_FORMAT', `the sparse layout does not describe a buildable model: ${(err as Error).message}`, { file: path.join(dir, EXPORT_MANIFEST) });
  }
}

/** The test set an export is fed: raw pixels when it carries the normalization (version 2), else normalized. */
export async function exportTestData(dir: string, manifest: ExportManifest): Promise<Dataset> {
  const dataset = await DATASETS.get(manifest.data.dataset).load(manifest.input ? { ...manifest.data, normalize: 'none' } : manifest.data);
  if (dataset.inputShape.join('x') !== manifest.inputShape.join('x')) {
    throw new SvdError('E_EXPORT_FORMAT', `the export takes inputs [${manifest.inputShape}], dataset ${dataset.name} has [${dataset.inputShape}]`, { file: path.join(dir, EXPORT_MANIFEST) });
  }
  return dataset;
}

/** Test error and NLL of the export in `dir` on `dataset`'s test split, counted as svd counts its own. */
async function exportResult(dir: string, manifest: ExportManifest, dataset: Dataset): Promise<{ error: number; nll: number }> {
  const data = new DeviceData(dataset);
  try {
    if (manifest.kind === 'onnx') {
      const file = path.join(dir, ONNX_MODEL);
      const onnx = readOnnxModel(file, 'E_EXPORT_FORMAT');
      if (onnx.model.graph?.initializer?.some((t) => t.dataLocation === 1)) throw new SvdError('E_EXPORT_FORMAT', 'an svd onnx export holds its weights inside model.onnx; this one names external data', { file });
      const logits = await onnxLogits(onnx.bytes, dataset.test.x, dataset.test.count, manifest.inputShape, manifest.numClasses, file);
      let start = 0;
      return evaluateLogits((x) => {
        const n = x.shape[0];
        const batch = tf.tensor2d(logits.subarray(start * manifest.numClasses, (start + n) * manifest.numClasses), [n, manifest.numClasses]);
        start += n;
        return batch;
      }, data, data.test);
    }
    const model = await loadExportedModel(dir, manifest);
    try {
      return evaluateLogits((x) => model.predict(x) as tf.Tensor, data, data.test);
    } finally {
      model.dispose();
    }
  } finally {
    data.dispose();
  }
}

/** Evaluates the export in `dir` on the test set of the run it came from. */
export async function evaluateExport(dir: string): Promise<ExportEvaluation> {
  const manifest = readManifest(dir);
  const backend = await selectBackend(manifest.backend ?? 'auto');
  const dataset = await exportTestData(dir, manifest);
  const result = await exportResult(dir, manifest, dataset);
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
    // the model as exported: after --shrink, the narrower layers' count, not the run's
    params: { ...manifest.stats.params, total: manifest.stats.params.exported ?? manifest.stats.params.total },
    widths,
    files: fileSizes(dir),
    shrunk: manifest.shrink !== null,
  };
}
