/**
 * One SGVLB training step: forward with noise, loss, backward, optimizer update. `GradientStep`
 * computes the loss and its gradients on a batch; `TrainStep` applies them with the optimizer;
 * the data-parallel step (parallel-step.ts) and its worker threads use GradientStep on their part
 * of the batch. Shared by the trainer and the benchmark, so `npm run bench` times exactly what
 * training runs.
 */
import * as tf from '@tensorflow/tfjs';
import type { SparsityConfig } from '../config/types.js';
import type { Model } from '../layers/model.js';
import type { Batch } from './device-data.js';
import { correctCount, meanCrossEntropy, sgvlb } from './loss.js';
import { withWeightDecay } from './weight-decay.js';
import { sumInOrder } from './sum.js';

/** Per-step figures, as tensors (never read here, so a step never waits on the device). */
export interface StepStats {
  /** Sum of the batch's cross-entropies. */
  nllSum: tf.Scalar;
  /** The model's total KL. */
  kl: tf.Scalar;
  /** Correct predictions in the batch. */
  correct: tf.Scalar;
}

/** What the trainer and the benchmark need of a training step. */
export interface TrainStepRunner {
  /** One step on `batch` with KL weight `klWeight`; the caller disposes the returned stats. */
  run(batch: Batch, klWeight: number): StepStats;
  /** Frees what the step holds (worker threads); the model and optimizer stay. */
  dispose(): void;
  /** Threads computing each step (1 for TrainStep). */
  readonly workers: number;
}

/** What the loss of a step depends on besides the model and the batch. */
export interface LossSettings {
  sparsity: SparsityConfig;
  /** N of the SGVLB (the training-set size). */
  trainSize: number;
  /** `optimizer.weightDecay`: L2 penalty on the parameters layer entries list (weight-decay.ts). */
  weightDecay: number;
}

/** The step loss of one model and its gradients with respect to the trainable variables. */
export class GradientStep {
  /** The model's trainable variables, in the order gradients are returned. */
  readonly variables: tf.Variable[];

  /** @param nextSeed fresh seeds for the noise of each pass. */
  constructor(private readonly model: Model, private readonly loss: LossSettings, private readonly nextSeed: () => number) {
    this.variables = model.trainable;
  }

  /** Stats and gradients (in `variables` order) on `batch`; the caller disposes both. */
  run(batch: Batch, klWeight: number): { stats: StepStats; grads: tf.Tensor[] } {
    let stats: StepStats | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const klTerms: tf.Scalar[] = [];
      const logits = this.model.apply(batch.x, { training: true, sparsity: this.loss.sparsity, nextSeed: this.nextSeed, klTerms });
      const nll = meanCrossEntropy(logits, batch.oneHot);
      const kl = klTerms.length ? sumInOrder(klTerms) : tf.scalar(0);
      stats = {
        nllSum: tf.keep(tf.mul(nll, batch.y.shape[0]) as tf.Scalar),
        kl: tf.keep(kl),
        correct: tf.keep(correctCount(logits, batch.y)),
      };
      return withWeightDecay(sgvlb(nll, kl, klWeight, this.loss.trainSize), this.model, this.loss.weightDecay);
    }, this.variables);
    value.dispose();
    return {
      stats: stats!,
      grads: this.variables.map((v) => {
        const g = grads[v.name];
        if (!g) throw new Error(`no gradient for ${v.name}`);
        return g;
      }),
    };
  }
}

/** Training steps of one model with one optimizer, on this thread. */
export class TrainStep implements TrainStepRunner {
  readonly workers = 1;
  private readonly gradients: GradientStep;

  constructor(model: Model, private readonly optimizer: tf.Optimizer, loss: LossSettings, nextSeed: () => number) {
    this.gradients = new GradientStep(model, loss, nextSeed);
  }

  run(batch: Batch, klWeight: number): StepStats {
    const { stats, grads } = this.gradients.run(batch, klWeight);
    this.optimizer.applyGradients(this.gradients.variables.map((v, i) => ({ name: v.name, tensor: grads[i] })));
    tf.dispose(grads);
    return stats;
  }

  dispose(): void {}
}

/** Disposes a step's stats. */
export function disposeStats(s: StepStats): void {
  tf.dispose([s.nllSum, s.kl, s.correct]);
}
