/**
 * `model.width`: the width multiplier k of a model (the paper's VGG-like uses 64k..512k filters).
 * Every layer's width (the key its entry names as `widthKey`: `units`, `filters`) is multiplied
 * by k and rounded (at least 1), except the classifier's: the last layer that has a width, whose
 * size is the number of classes. Pure and tensor-free, so the config checks walk the same shapes
 * the model is built with.
 */
import type { LayerSpec } from '../config/types.js';
import { LAYERS } from './registry.js';

/** The key `model.width` scales in `spec` (`units`, `filters`), or null for layers without a width. */
export function sizeKey(spec: LayerSpec): string | null {
  return LAYERS.has(spec.type) ? (LAYERS.get(spec.type).widthKey ?? null) : null;
}

/** The index of the classifier: the last layer with a width (-1 if none). */
export function classifierIndex(specs: readonly LayerSpec[]): number {
  for (let i = specs.length - 1; i >= 0; i--) if (sizeKey(specs[i]) !== null) return i;
  return -1;
}

/** `specs` with every width but the classifier's scaled by `width`; the same array when width is 1. */
export function scaleLayerWidths(specs: LayerSpec[], width = 1): LayerSpec[] {
  if (width === 1) return specs;
  const classifier = classifierIndex(specs);
  return specs.map((spec, i) => {
    const key = sizeKey(spec);
    if (key === null || i === classifier || typeof spec[key] !== 'number') return spec;
    return { ...spec, [key]: Math.max(1, Math.round((spec[key] as number) * width)) };
  });
}
