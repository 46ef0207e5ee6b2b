/**
 * A sequential model built from a ModelSpec (`model.layers`, `model.width`, the dataset's input
 * shape, `sparsity`) through the layer registry, with named access to every variable for
 * checkpoints. Each layer keeps its registry entry and typed config beside it (`blocks`), so
 * export, init.from, weight decay and snapshots ask the entry, never the type name.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, SparsityConfig } from '../config/types.js';
import { isSparse, paramName, type ForwardContext, type Layer, type LayerEntry, type Shape, type SparseLayer } from './layer.js';
import { LAYERS } from './registry.js';
import { makeVariable, nextModelPrefix } from './variables.js';
import { scaleLayerWidths } from './width.js';

/** Everything a model is built from: what the experiment builder hands the model and every worker thread. */
export interface ModelSpec {
  /** `model.layers` as configured (before `model.width`). */
  layers: LayerSpec[];
  /** `model.width`: every layer's width but the classifier's is multiplied by it (width.ts). */
  width: number;
  /** Per-example input shape, from the dataset. */
  inputShape: Shape;
  sparsity: SparsityConfig;
}

/** Where initialisers take their seeds from (a RandomStream of the run). */
export interface SeedSource {
  nextSeed(): number;
}

/** One layer of a model with what it was built from. */
export interface ModelBlock {
  entry: LayerEntry;
  /** The entry's typed config of `spec`. */
  config: object;
  layer: Layer;
}

/** Default layer name: `${type}_${index}` (index in model.layers). */
export function layerName(spec: LayerSpec, index: number): string {
  return spec.name ?? `${spec.type}_${index}`;
}

/** A stack of registered layers. */
export class Model {
  /** The built layers, in order. */
  readonly layers: Layer[];

  private constructor(readonly spec: ModelSpec, readonly blocks: readonly ModelBlock[]) {
    this.layers = blocks.map((b) => b.layer);
  }

  /** Per-example input shape. */
  get inputShape(): Shape {
    return this.spec.inputShape;
  }

  /** Builds the layers of `spec` in order; initialisers draw their seeds from `init`. `spec` stays with the model (worker replicas are built from it). */
  static build(spec: ModelSpec, init: SeedSource): Model {
    const prefix = nextModelPrefix();
    const blocks: ModelBlock[] = [];
    let shape = spec.inputShape;
    scaleLayerWidths(spec.layers, spec.width).forEach((layerSpec, index) => {
      const name = layerName(layerSpec, index);
      const entry = LAYERS.get(layerSpec.type);
      const config = entry.config(layerSpec);
      const layer = entry.build(config, shape, {
        name,
        sparsity: spec.sparsity,
        nextSeed: () => init.nextSeed(),
        variable: (param, value, trainable = true) => makeVariable(prefix, name, param, value, trainable),
      });
      blocks.push({ entry, config, layer });
      shape = layer.outputShape;
    });
    return new Model(spec, blocks);
  }

  /** Logits for a batch [batch, ...inputShape]. */
  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    if (ctx.training || ctx.klTerms || tf.engine().isTapeOn()) return this.layers.reduce((h, layer) => layer.apply(h, ctx), x);
    // Inference with nothing recording: each layer's output is freed once the next layer has read
    // it, so a pass holds about two layers' outputs at a time, not all of them (evaluation batches
    // of the full-width VGG-like would otherwise fill a 4 GiB wasm heap).
    let h = x;
    for (const layer of this.layers) {
      const next = tf.tidy(() => layer.apply(h, ctx));
      if (h !== x && h !== next) h.dispose();
      h = next;
    }
    return h;
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
      for (const v of [...layer.trainable, ...layer.nonTrainable]) named.set(`${layer.name}/${paramName(v)}`, v);
    }
    return named;
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}
