/**
 * One SGVLB training step: forward with noise, loss, backward, optimizer update. Shared by the
 * trainer and the benchmark, so `npm run bench` times exactly what training runs.
 */
import * as tf from '@tensorflow/tfjs';
import type { SparsityConfig } from '../config/types.js';
import type { Model } from '../layers/model.js';
import type { Batch } from './device-data.js';
import { correctCount, meanCrossEntropy, sgvlb } from './loss.js';
import { withWeightDecay } from './weight-decay.js';

/** Per-step figures, as tensors (never read here, so a step never waits on the device). */
export interface StepStats {
  /** Sum of the batch's cross-entropies. */
  nllSum: tf.Scalar;
  /** The model's total KL. */
  kl: tf.Scalar;
  /** Correct predictions in the batch. */
  correct: tf.Scalar;
}

/** Runs training steps of one model with one optimizer. */
export class TrainStep {
  private readonly variables: tf.Variable[];

  /**
   * @param trainSize N of the SGVLB (the training-set size).
   * @param nextSeed fresh seeds for the noise of each step.
   * @param weightDecay `optimizer.weightDecay`: L2 penalty on plain kernels (weight-decay.ts).
   */
  constructor(
    private readonly model: Model,
    private readonly optimizer: tf.Optimizer,
    private readonly sparsity: SparsityConfig,
    private readonly trainSize: number,
    private readonly nextSeed: () => number,
    private readonly weightDecay = 0,
  ) {
    this.variables = model.trainable;
  }

  /** One step on `batch` with KL weight `klWeight`; the caller disposes the returned stats. */
  run(batch: Batch, klWeight: number): StepStats {
    let stats: StepStats | null = null;
    const loss = this.optimizer.minimize(() => {
      const klTerms: tf.Scalar[] = [];
      const logits = this.model.apply(batch.x, { training: true, sparsity: this.sparsity, nextSeed: this.nextSeed, klTerms });
      const nll = meanCrossEntropy(logits, batch.oneHot);
      const kl = klTerms.length ? (tf.addN(klTerms) as tf.Scalar) : tf.scalar(0);
      stats = {
        nllSum: tf.keep(tf.mul(nll, batch.y.shape[0]) as tf.Scalar),
        kl: tf.keep(kl),
        correct: tf.keep(correctCount(logits, batch.y)),
      };
      return withWeightDecay(sgvlb(nll, kl, klWeight, this.trainSize), this.model, this.weightDecay);
    }, true, this.variables);
    loss?.dispose();
    return stats!;
  }
}

/** Disposes a step's stats. */
export function disposeStats(s: StepStats): void {
  tf.dispose([s.nllSum, s.kl, s.correct]);
}
