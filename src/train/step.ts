/**
 * One SGVLB training step: forward with noise, loss, backward, optimizer update. `GradientStep`
 * computes the loss and its gradients on a batch, in micro-batches of at most
 * `training.microBatch` examples where one is set (micro-batches.ts: for models whose whole batch
 * does not fit in memory at once); `TrainStep` applies them with the optimizer;
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
import { accumulateMicroBatches } from './micro-batches.js';
import type { Gradients, StepStats } from './step-stats.js';
import { sumInOrder } from './sum.js';

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

  /**
   * @param nextSeed fresh seeds for the noise of each pass.
   * @param microBatch most examples one forward and backward pass takes (`training.microBatch`); null: the whole batch at once.
   */
  constructor(private readonly model: Model, private readonly loss: LossSettings, private readonly nextSeed: () => number, private readonly microBatch: number | null = null) {
    this.variables = model.trainable;
  }

  /** Stats and gradients (in `variables` order) on `batch`; the caller disposes both. */
  run(batch: Batch, klWeight: number): Gradients {
    return this.runPart(batch, klWeight, 1, true);
  }

  /**
   * The gradient of `batch`'s part of a step whose batch it is `share` of (the data term weighs
   * `share`), with the KL and weight decay when `withPrior` (one part of a step has them), so that
   * the parts' gradients sum to the step's; stats and gradients as `run`'s.
   */
  runPart(batch: Batch, klWeight: number, share: number, withPrior: boolean): Gradients {
    if (this.microBatch === null || batch.y.shape[0] <= this.microBatch) return this.pass(batch, klWeight, share, withPrior);
    return accumulateMicroBatches(batch, this.microBatch, this.model, (part, partShare, first) => this.pass(part, klWeight, share * partShare, withPrior && first));
  }

  /**
   * One forward and backward pass over `batch`, whose examples are `share` of the step's: its
   * data term weighs `share`; the KL and weight decay, which do not depend on the examples, are in
   * the pass that has `withPrior` only (so a step split into micro-batches has the whole batch's gradient).
   */
  private pass(batch: Batch, klWeight: number, share: number, withPrior: boolean): Gradients {
    let stats: StepStats | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const klTerms: tf.Scalar[] | undefined = withPrior ? [] : undefined;
      const logits = this.model.apply(batch.x, { training: true, sparsity: this.loss.sparsity, nextSeed: this.nextSeed, klTerms });
      const nll = meanCrossEntropy(logits, batch.oneHot);
      const kl = klTerms?.length ? sumInOrder(klTerms) : tf.scalar(0);
      stats = {
        nllSum: tf.keep(tf.mul(nll, batch.y.shape[0]) as tf.Scalar),
        kl: tf.keep(kl),
        correct: tf.keep(correctCount(logits, batch.y)),
      };
      const data = share === 1 ? nll : (tf.mul(nll, share) as tf.Scalar);
      if (!withPrior) return data;
      return withWeightDecay(sgvlb(data, kl, klWeight, this.loss.trainSize), this.model, this.loss.weightDecay);
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

  constructor(model: Model, private readonly optimizer: tf.Optimizer, loss: LossSettings, nextSeed: () => number, microBatch: number | null = null) {
    this.gradients = new GradientStep(model, loss, nextSeed, microBatch);
  }

  run(batch: Batch, klWeight: number): StepStats {
    const { stats, grads } = this.gradients.run(batch, klWeight);
    this.optimizer.applyGradients(this.gradients.variables.map((v, i) => ({ name: v.name, tensor: grads[i] })));
    tf.dispose(grads);
    return stats;
  }

  dispose(): void {}
}
