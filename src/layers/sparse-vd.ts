/**
 * The Sparse VD layer core shared by dense-svd and conv2d-svd: weights theta with learned
 * log sigma^2 (additive reparameterisation), and the local reparameterisation trick.
 *
 * Training:  mu = op(x, W) + b,  var = op(x^2, alpha * W^2),  out = mu + sqrt(var + 1e-8) * eps,
 *            where W = theta (times the keep mask when trainClip) and alpha = exp(log alpha);
 *            with trainClipNoise false the variance keeps the unmasked theta (pruned weights stay
 *            noisy, so the data term can push their alpha down and revive them, as in the authors'
 *            dense layers); with trainClipKl the KL of pruned weights is held at its value at the
 *            clip, without gradient, so only the data term moves them (their noise can revive them).
 * Evaluation: op(x, theta * mask) + b, deterministic.
 * `op` is matMul for dense layers and conv2d for conv layers.
 */
import * as tf from '@tensorflow/tfjs';
import type { BuildContext, ForwardContext } from './layer.js';
import { logAlpha } from '../svd/log-alpha.js';
import { keepMask } from '../svd/mask.js';
import { klSum } from '../svd/kl.js';
import { standardNormal } from '../svd/normal-noise.js';

/** The variational parameters' names (checkpoints call them `${layer}/theta`, `${layer}/logSigma2`). */
export const THETA = 'theta';
export const LOG_SIGMA2 = 'logSigma2';
/** The parameter of a plain layer that a Sparse VD layer's theta corresponds to (init.from, export). */
export const PLAIN_KERNEL = 'kernel';

/** Added to the LRT variance before the square root. */
export const VAR_EPS = 1e-8;

/** A linear operator of the layer: matMul or conv2d with fixed attributes. */
export type LinearOp = (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

/** The variational parameters of one Sparse VD layer and its forward pass. */
export class SparseVdWeights {
  readonly theta: tf.Variable;
  readonly logSigma2: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(ctx: BuildContext, thetaInit: tf.Tensor, biasSize: number | null) {
    this.theta = ctx.variable(THETA, thetaInit);
    this.logSigma2 = ctx.variable(LOG_SIGMA2, tf.fill(this.theta.shape, ctx.sparsity.logSigma2Init));
    this.bias = biasSize === null ? null : ctx.variable('bias', tf.zeros([biasSize]));
  }

  /** Trainable variables in a fixed order. */
  get variables(): tf.Variable[] {
    return this.bias ? [this.theta, this.logSigma2, this.bias] : [this.theta, this.logSigma2];
  }

  /** Applies the layer: noisy LRT output when training, masked mean output otherwise. */
  forward(x: tf.Tensor, ctx: ForwardContext, op: LinearOp): tf.Tensor {
    const { threshold, logAlphaClip, trainClip, trainClipNoise, trainClipKl } = ctx.sparsity;
    const la = logAlpha(this.theta, this.logSigma2, logAlphaClip);
    if (!ctx.training) {
      ctx.klTerms?.push(klSum(la));
      const mu = op(x, tf.mul(this.theta, keepMask(la, threshold)));
      return this.bias ? tf.add(mu, this.bias) : mu;
    }
    const keep = trainClip ? keepMask(la, threshold) : null;
    // trainClipKl: a pruned weight's KL counts as at log alpha = clip, with no gradient
    // (la * keep + clip * (1 - keep)), as the authors' original code held it constant.
    const klInput = keep && trainClipKl ? tf.add(tf.mul(tf.sub(la, logAlphaClip), keep), logAlphaClip) : la;
    ctx.klTerms?.push(klSum(klInput));
    const w = keep ? tf.mul(this.theta, keep) : this.theta;
    let mu = op(x, w);
    if (this.bias) mu = tf.add(mu, this.bias);
    const noisy = trainClipNoise ? w : this.theta;
    const variance = op(tf.square(x), tf.mul(tf.exp(la), tf.square(noisy)));
    const eps = standardNormal(mu.shape, ctx.nextSeed());
    return tf.add(mu, tf.mul(tf.sqrt(tf.add(variance, VAR_EPS)), eps));
  }

  /** Clipped log alpha of every weight. */
  logAlpha(clip: number): tf.Tensor {
    return logAlpha(this.theta, this.logSigma2, clip);
  }
}
