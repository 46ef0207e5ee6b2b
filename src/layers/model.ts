/**
 * A sequential model built from `model.layers` through the layer registry, with named access to
 * every variable for checkpoints.
 */
import * as tf from '@tensorflow/tfjs';
import { LAYERS } from '../registry/registries.js';
import type { LayerSpec, SparsityConfig } from '../config/types.js';
import { isSparse, type ForwardContext, type Layer, type Shape, type SparseLayer } from './layer.js';
import { makeVariable, nextModelPrefix } from './variables.js';
import { scaleLayerWidths } from './width.js';
import type { RandomStream } from '../train/rng.js';

/** Default layer name: `${type}_${index}` (index in model.layers). */
export function layerName(spec: LayerSpec, index: number): string {
  return spec.name ?? `${spec.type}_${index}`;
}

/** A stack of registered layers. */
export class Model {
  private constructor(readonly layers: Layer[], readonly inputShape: Shape) {}

  /**
   * Builds the layers in order; initialisers draw their seeds from `init`. `width` is
   * `model.width`: every layer's units/filters but the classifier's are scaled by it (width.ts).
   */
  static build(specs: LayerSpec[], inputShape: Shape, sparsity: SparsityConfig, init: RandomStream, width = 1): Model {
    const prefix = nextModelPrefix();
    const layers: Layer[] = [];
    let shape = inputShape;
    scaleLayerWidths(specs, width).forEach((spec, index) => {
      const name = layerName(spec, index);
      const layer = LAYERS.get(spec.type).build(spec, shape, {
        name,
        sparsity,
        nextSeed: () => init.nextSeed(),
        variable: (param, value, trainable = true) => makeVariable(prefix, name, param, value, trainable),
      });
      layers.push(layer);
      shape = layer.outputShape;
    });
    return new Model(layers, inputShape);
  }

  /** Logits for a batch [batch, ...inputShape]. */
  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return this.layers.reduce((h, layer) => layer.apply(h, ctx), x);
  }

  /** The Sparse VD layers. */
  get sparseLayers(): SparseLayer[] {
    return this.layers.filter(isSparse);
  }

  /** Every variable the optimizer updates, in layer order. */
  get trainable(): tf.Variable[] {
    return this.layers.flatMap((l) => l.trainable);
  }

  /** Every variable by logical name `${layer}/${param}` (trainable and not), for checkpoints. */
  namedVariables(): Map<string, tf.Variable> {
    const named = new Map<string, tf.Variable>();
    for (const layer of this.layers) {
      for (const v of [...layer.trainable, ...layer.nonTrainable]) {
        named.set(v.name.slice(v.name.indexOf('/') + 1), v);
      }
    }
    return named;
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}
