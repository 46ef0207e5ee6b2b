/**
 * The body shared by dense and conv2d layers: output = activation(op(x, W) + b), where op is
 * matMul or conv2d. `LinearLayer` holds plain weights; `SparseLinearLayer` holds Sparse VD
 * weights (theta, log sigma^2) and trains with the local reparameterisation trick.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../config/types.js';
import type { BuildContext, ForwardContext, Layer, Shape, SparseLayer } from './layer.js';
import { activate } from './activations.js';
import { SparseVdWeights, type LinearOp } from './sparse-vd.js';

/** What a dense or conv family hands the shared body. */
export interface LinearParts {
  type: string;
  spec: LayerSpec;
  inputShape: Shape;
  outputShape: Shape;
  /** Initial weights (ownership passes to the layer). */
  init: tf.Tensor;
  op: LinearOp;
}

/** Number of biases: the last output dimension, or none when `useBias: false`. */
const biasSize = (parts: LinearParts): number | null => (parts.spec.useBias === false ? null : parts.outputShape[parts.outputShape.length - 1]);

/** What both kinds share: identity, shapes and the operator. */
abstract class LinearBase {
  readonly type: string;
  readonly name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly nonTrainable: tf.Variable[] = [];

  constructor(protected readonly parts: LinearParts, ctx: BuildContext) {
    ({ type: this.type, inputShape: this.inputShape, outputShape: this.outputShape } = parts);
    this.name = ctx.name;
  }
}

/** A plain layer: kernel W and bias b. */
export class LinearLayer extends LinearBase implements Layer {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(parts: LinearParts, ctx: BuildContext) {
    super(parts, ctx);
    this.kernel = ctx.variable('kernel', parts.init);
    const size = biasSize(parts);
    this.bias = size === null ? null : ctx.variable('bias', tf.zeros([size]));
  }

  get trainable(): tf.Variable[] {
    return this.bias ? [this.kernel, this.bias] : [this.kernel];
  }

  apply(x: tf.Tensor): tf.Tensor {
    const y = this.parts.op(x, this.kernel);
    return activate(this.bias ? tf.add(y, this.bias) : y, this.parts.spec.activation);
  }
}

/** A Sparse VD layer: theta and log sigma^2 of W's shape, and bias b. */
export class SparseLinearLayer extends LinearBase implements SparseLayer {
  readonly sparse = true;
  readonly weights: SparseVdWeights;

  constructor(parts: LinearParts, ctx: BuildContext) {
    super(parts, ctx);
    this.weights = new SparseVdWeights(ctx, parts.init, biasSize(parts));
  }

  get theta(): tf.Variable {
    return this.weights.theta;
  }
  get logSigma2(): tf.Variable {
    return this.weights.logSigma2;
  }
  get trainable(): tf.Variable[] {
    return this.weights.variables;
  }

  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const own = this.parts.spec.trainClipNoise;
    const layerCtx = typeof own === 'boolean' ? { ...ctx, sparsity: { ...ctx.sparsity, trainClipNoise: own } } : ctx;
    return activate(this.weights.forward(x, layerCtx, this.parts.op), this.parts.spec.activation);
  }
}
