/**
 * What importing a model gives (imported-model.ts reads the file): the network as plain layers,
 * and how an svd export's own preprocessing layers are recognized.
 */
import type { PlainLayer } from '../layers/layer.js';

/** An imported model. */
export interface ImportedModel {
  file: string;
  format: 'onnx' | 'tfjs';
  /** Per-example input as svd takes it: [h, w, c] (NHWC) or [n]. */
  inputShape: number[];
  /** The data.normalize an svd export does in its first layers (left out of `layers`), or null. */
  normalize: string | null;
  /** The network, in order. */
  layers: PlainLayer[];
  /** What was changed on the way in (a final softmax left out), for the user. */
  notes: string[];
}

/** The data.normalize a preprocessing layer (preprocess_*) of an svd export does (null: a reshape of it); undefined for any other layer. */
export function preprocessingOf(name: string): string | null | undefined {
  if (!name.startsWith('preprocess_')) return undefined;
  if (name.startsWith('preprocess_zca')) return 'zca';
  if (name.startsWith('preprocess_standardize')) return 'standardize';
  if (name.startsWith('preprocess_mean')) return 'mean-image';
  return null;
}
