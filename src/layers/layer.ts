/**
 * The layer contract. A layer family registers a LayerEntry: the JSON schema of its own keys
 * (the config schema is composed from these, so the two cannot drift), a pure shape function
 * (used by the config checks before any tensor exists) and a builder.
 */
import type * as tf from '@tensorflow/tfjs';
import type { LayerSpec, SparsityConfig } from '../config/types.js';

/** Per-example shape, batch dimension left out: [h, w, c] for images, [n] for vectors. */
export type Shape = number[];

/** Thrown by `outputShape` when a layer cannot take its input; the message says why. */
export class ShapeError extends Error {}

/** JSON schema fragment of a layer's own keys (`type` and `name` are added by the composer). */
export interface LayerSchema {
  description: string;
  properties: Record<string, object>;
  required?: string[];
}

/** What a builder gets besides its spec. */
export interface BuildContext {
  /** Unique layer name, `spec.name` or `${type}_${index}`. */
  name: string;
  sparsity: SparsityConfig;
  /** A fresh integer seed for one initializer, drawn from the run's seeded stream. */
  nextSeed(): number;
  /** Creates the variable `${name}/${param}` owned by this model; takes ownership of `init`. */
  variable(param: string, init: tf.Tensor, trainable?: boolean): tf.Variable;
}

/** What a forward pass gets. */
export interface ForwardContext {
  training: boolean;
  /** A fresh integer seed for one noise draw, from the run's seeded stream. */
  nextSeed(): number;
  sparsity: SparsityConfig;
  /**
   * When given (training steps), every Sparse VD layer appends the KL of the log alpha it used in
   * this pass, so log alpha is computed once per layer and step.
   */
  klTerms?: tf.Scalar[];
}

/** A built layer. Variables are named `${layer.name}/${param}` (used in checkpoints). */
export interface Layer {
  readonly name: string;
  readonly type: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** Variables the optimizer updates. */
  readonly trainable: tf.Variable[];
  /** Variables updated otherwise (batchnorm running statistics). */
  readonly nonTrainable: tf.Variable[];
  /** Maps a batch [batch, ...inputShape] to [batch, ...outputShape]. */
  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;
}

/** A Sparse VD layer: weights theta with learned log sigma^2, pruned where log alpha >= threshold. */
export interface SparseLayer extends Layer {
  readonly sparse: true;
  readonly theta: tf.Variable;
  readonly logSigma2: tf.Variable;
}

/** True for Sparse VD layers. */
export function isSparse(layer: Layer): layer is SparseLayer {
  return (layer as Partial<SparseLayer>).sparse === true;
}

/** A registered layer family. */
export interface LayerEntry {
  schema: LayerSchema;
  /** A valid spec (without `type`) and an input shape it accepts; tests loop over these. */
  example: { spec: Record<string, unknown>; input: Shape };
  /** Output shape for `input`, or a ShapeError saying why the layer cannot take it. */
  outputShape(spec: LayerSpec, input: Shape): Shape;
  build(spec: LayerSpec, input: Shape, ctx: BuildContext): Layer;
}
