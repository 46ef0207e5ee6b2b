/**
 * What one training step (or one part of it) yields: its figures as tensors, and its gradients.
 * Shared by the step (step.ts), its micro-batches (micro-batches.ts) and the data-parallel step.
 */
import * as tf from '@tensorflow/tfjs';

/** Per-step figures, as tensors (never read here, so a step never waits on the device). */
export interface StepStats {
  /** Sum of the batch's cross-entropies. */
  nllSum: tf.Scalar;
  /** The model's total KL. */
  kl: tf.Scalar;
  /** Correct predictions in the batch. */
  correct: tf.Scalar;
}

/** A pass's figures and gradients (in the model's trainable order); the caller disposes both. */
export interface Gradients {
  stats: StepStats;
  grads: tf.Tensor[];
}

/** Disposes a step's stats. */
export function disposeStats(s: StepStats): void {
  tf.dispose([s.nllSum, s.kl, s.correct]);
}
