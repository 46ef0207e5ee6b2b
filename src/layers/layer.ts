/**
 * The layer contract. A layer type is one LayerEntry (one file in src/layers/, registered in
 * src/layers/registry.ts): its schema fragment (the config schema is composed from these), its
 * typed config, a pure shape function (the config checks walk it before any tensor exists), its
 * builder, and everything else svd does with the layer: the key `model.width` scales, the family
 * `init.from` matches, the parameters weight decay covers, the block snapshots store, and its plain
 * form for `svd export`. Every consumer loops over entries; none switches on a type name.
 */
import type * as tf from '@tensorflow/tfjs';
import type { LayerSpec, SparsityConfig } from '../config/types.js';
import type { OnnxEmitter, OnnxParam } from './onnx-facet.js';

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

/** What a builder gets besides its config. */
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

/** One parameter array, row-major in tfjs layout (dense kernel [in, units], conv [kh, kw, in, out]). */
export interface ParamArray {
  /** `kernel`, `bias`, `gamma`, `beta`, `movingMean`, `movingVariance`. */
  name: string;
  shape: number[];
  values: Float32Array;
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
  /**
   * The parameters of the layer's plain form, in tfjs weight order (reads tensors synchronously).
   * Absent: every variable as it is, trainable first. Sparse VD layers give theta * mask as the
   * kernel and leave log sigma^2 out.
   */
  plainParams?(sparsity: Pick<SparsityConfig, 'threshold' | 'logAlphaClip'>): ParamArray[];
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

/** The name of a variable without its model prefix and layer: `m3/dense_1/kernel` -> `kernel`. */
export function paramName(v: tf.Variable): string {
  return v.name.slice(v.name.lastIndexOf('/') + 1);
}

/**
 * How the structured view of an export (dead units) and `--shrink` see a plain layer that lies
 * between two weighted layers, per channel (unit or filter) of what comes before it:
 * - 'zero': channels stay apart and an all-zero channel stays zero (relu, maxpool, flatten);
 * - 'value': channels stay apart but a zero may become nonzero (batchnorm, sigmoid);
 * - 'mixed': channels are mixed (softmax), so no unit before it may be removed.
 */
export type ChannelEffect = 'zero' | 'value' | 'mixed';

/**
 * A plain layer with a kernel [..., in, out] (dense [in, units], conv [kh, kw, in, filters]); its
 * entry's `widthKey` names the config key holding its output width, what the structured view counts.
 */
export interface WeightedRole {
  kind: 'weighted';
  /** What the kernel's input axis indexes: flat features or image channels. */
  inputs: 'features' | 'channels';
  /** The config key of its activation. */
  activationKey: string;
}

/** A plain layer without a kernel, as it treats the channels passing through it. */
export interface ChannelRole<P> {
  kind: 'channels';
  effect(config: P): ChannelEffect;
  /** Its parameters are per channel, along their last axis (batchnorm): shrinking cuts them too. */
  perChannelParams?: boolean;
}

/** What a plain layer type (one `svd export` writes) adds to its entry. */
export interface PlainFacet<P> {
  /** The stock tfjs layer (tf.layers.*) computing what this plain layer computes. */
  tfjs(config: P, common: { name: string; inputShape?: number[] }): tf.layers.Layer;
  /** How the structured view and --shrink treat it. */
  role: WeightedRole | ChannelRole<P>;
  /** Its ONNX nodes (src/layers/onnx-facet.ts), written by `svd export --format onnx`. */
  onnx(config: P, params: readonly OnnxParam[], graph: OnnxEmitter): void;
}

/** A plain layer of an exported model (its type is a registered layer type with a `plain` facet). */
export interface PlainLayer {
  type: string;
  /** The layer's name in the run (`dense-svd_1`); also its tfjs name. */
  name: string;
  /** The svd layer type it came from (`dense-svd`, `conv2d`, ...). */
  source: string;
  /** Its attributes, as the plain type's facet reads them. */
  config: Record<string, unknown>;
  /** Parameters in tfjs weight order: kernel, bias | gamma, beta, movingMean, movingVariance. */
  params: ParamArray[];
}

/**
 * A registered layer type. `C` is its typed config (the spec's keys with defaults filled in);
 * `P` the config of its plain form (for plain types, what `export.config` returns).
 */
export interface LayerEntry<C extends object = object, P extends object = object> {
  schema: LayerSchema;
  /** A valid spec (without `type`) and an input shape it accepts; tests loop over these. */
  example: { spec: Record<string, unknown>; input: Shape };
  /** The typed config of `spec` (defaults from the schema fragment filled in). */
  config(spec: LayerSpec): C;
  /** Output shape for `input`, or a ShapeError saying why the layer cannot take it. */
  outputShape(config: C, input: Shape): Shape;
  build(config: C, input: Shape, ctx: BuildContext): Layer;
  /**
   * The shapes of the variables `build` creates for `input` (absent: none), without creating
   * them: the memory check (src/experiment/memory.ts) sizes a model from these.
   */
  paramShapes?(config: C, input: Shape): Shape[];
  /**
   * Multiply-accumulates per example of its forward pass's matrix products and convolutions for
   * `input` (a Sparse VD layer's two LRT passes, mean and variance, both counted); absent: none
   * worth counting. The benchmark turns these into FLOPs per training step.
   */
  macs?(config: C, input: Shape): number;
  /** The key `model.width` multiplies (`units`, `filters`); the last layer with one is the classifier. */
  widthKey?: string;
  /** Layers of one family start from each other's weights (`init.from`): `dense`, `conv`, `batchnorm`. */
  family?: string;
  /** Parameters `optimizer.weightDecay` applies to. */
  decayed?: readonly string[];
  /** Sparse VD layers: the leading block of a kernel of `shape` that snapshots and pictures keep. */
  snapshotBlock?(shape: Shape): Shape;
  /** How `svd export` writes the layer: as the plain type `as`, with this config (of the built `layer`). Absent: not exportable. */
  export?: { as: string; config(config: C, layer: Layer): P };
  /** Present on the plain types `export.as` names. */
  plain?: PlainFacet<P>;
}
