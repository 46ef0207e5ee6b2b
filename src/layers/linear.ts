/**
 * The body shared by dense and conv2d layers: output = activation(op(x, W) + b), where op is
 * matMul or conv2d. `LinearLayer` holds plain weights; `SparseLinearLayer` holds Sparse VD
 * weights (theta, log sigma^2) and trains with the local reparameterisation trick; its plain form
 * is the kernel theta * mask, computed with the very ops the deterministic evaluation uses.
 */
import * as tf from '@tensorflow/tfjs';
import type { SparsityConfig } from '../config/types.js';
import type { BuildContext, ForwardContext, Layer, ParamArray, Shape, SparseLayer } from './layer.js';
import { activate } from './activations.js';
import { PLAIN_KERNEL, SparseVdWeights, type LinearOp } from './sparse-vd.js';
import { keepMaskOf } from './sparsity.js';

/** What a dense or conv layer hands the shared body. */
export interface LinearParts {
  type: string;
  activation: string;
  useBias: boolean;
  /** Sparse VD only: this layer's own sparsity.trainClipNoise, when it sets one. */
  trainClipNoise?: boolean;
  inputShape: Shape;
  outputShape: Shape;
  /** Initial weights (ownership passes to the layer). */
  init: tf.Tensor;
  op: LinearOp;
}

/** Number of biases: the last output dimension, or none when `useBias: false`. */
const biasSize = (parts: LinearParts): number | null => (parts.useBias ? parts.outputShape[parts.outputShape.length - 1] : null);

/** A tensor's values as a parameter array of the plain form. */
export function paramArray(name: string, t: tf.Tensor): ParamArray {
  return { name, shape: [...t.shape], values: Float32Array.from(t.dataSync() as Float32Array) };
}

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
    return activate(this.bias ? tf.add(y, this.bias) : y, this.parts.activation);
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
    const own = this.parts.trainClipNoise;
    const layerCtx = typeof own === 'boolean' ? { ...ctx, sparsity: { ...ctx.sparsity, trainClipNoise: own } } : ctx;
    return activate(this.weights.forward(x, layerCtx, this.parts.op), this.parts.activation);
  }

  /** kernel = theta * mask (what evaluation multiplies by), and the bias; log sigma^2 is left out. */
  plainParams(sparsity: Pick<SparsityConfig, 'threshold' | 'logAlphaClip'>): ParamArray[] {
    const kernel = tf.tidy(() => tf.mul(this.theta, keepMaskOf(this, sparsity)));
    const params = [paramArray(PLAIN_KERNEL, kernel)];
    kernel.dispose();
    if (this.weights.bias) params.push(paramArray('bias', this.weights.bias));
    return params;
  }
}
