/**
 * Walks layer specs through the registered layers' pure `outputShape` functions, before any
 * tensor exists: the shape after every layer, or where and why the chain breaks.
 */
import type { LayerSpec } from '../config/types.js';
import { ShapeError, type Shape } from './layer.js';
import { LAYERS } from './registry.js';

/** The result of walking the layers. */
export interface ShapeWalk {
  /** `shapes[0]` is the input; `shapes[i + 1]` the output of layer i (up to a failure). */
  shapes: Shape[];
  /** The first layer that cannot take its input, if any. */
  failure?: { index: number; input: Shape; reason: string };
}

/** The per-example shapes through `layers` from `input`. Errors other than ShapeError propagate. */
export function walkLayerShapes(layers: readonly LayerSpec[], input: Shape): ShapeWalk {
  const shapes: Shape[] = [input];
  for (const [index, spec] of layers.entries()) {
    const current = shapes[shapes.length - 1];
    try {
      const entry = LAYERS.get(spec.type);
      shapes.push(entry.outputShape(entry.config(spec), current));
    } catch (err) {
      if (!(err instanceof ShapeError)) throw err;
      return { shapes, failure: { index, input: current, reason: err.message } };
    }
  }
  return { shapes };
}

/** `[28, 28, 1]` as messages print shapes. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}
