/**
 * A user's trained model brought into svd (`init.from: MODEL`, `svd init MODEL`): an ONNX file
 * (onnx-import.ts) or a tfjs LayersModel, model.json and its weights (tfjs-import.ts), mapped
 * onto registered plain layer types (dense, conv2d, maxpool, avgpool, batchnorm, flatten,
 * activation, dropout, globalavgpool, reshape) with their weights in tfjs layout, as svd's own
 * exports hold them. An svd export's preprocessing layers (preprocess_*) are left out and
 * named as the data.normalize they do. A final softmax is left out too: svd trains on logits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SvdError } from '../errors.js';
import type { ImportedModel } from './imported.js';
import { importOnnx } from './onnx-import.js';
import { importTfjs } from './tfjs-import.js';

export type { ImportedModel } from './imported.js';

/** True when `from` names a model file svd imports (an .onnx file, a model.json or a folder with one) rather than a run. */
export function isModelSource(from: string): boolean {
  const p = path.resolve(process.cwd(), from);
  if (/\.onnx$/i.test(p) || path.basename(p) === 'model.json') return true;
  return fs.existsSync(path.join(p, 'model.json')) && !fs.existsSync(path.join(p, 'resolved.json'));
}

/** Reads the model `from` names (see isModelSource). */
export async function importModel(from: string): Promise<ImportedModel> {
  const p = path.resolve(process.cwd(), from);
  if (/\.onnx$/i.test(p)) return importOnnx(p);
  const dir = path.basename(p) === 'model.json' ? path.dirname(p) : p;
  if (!fs.existsSync(path.join(dir, 'model.json'))) throw new SvdError('E_IMPORT', 'not a model svd imports: an .onnx file, a tfjs model.json, or a folder holding model.json', { file: p }, 2);
  return importTfjs(dir);
}
