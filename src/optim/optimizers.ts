/**
 * Optimizers: each entry holds its schema keys and a factory of a tfjs optimizer. Checkpoints
 * keep a tfjs optimizer's `getWeights()` and every tf.Variable it holds beside them (Adam's
 * accumulated beta powers), src/experiment/checkpoint-state.ts. The trainer changes the learning
 * rate once per epoch through `setLearningRate`.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../config/types.js';

/** A registered optimizer. */
export interface OptimizerEntry {
  description: string;
  /** Schema of its own keys besides `type`, `lr`, `schedule` and `weightDecay`. */
  properties: Record<string, object>;
  create(cfg: OptimizerConfig, lr: number): tf.Optimizer;
}

/** `adam`. */
export const adam: OptimizerEntry = {
  description: 'Adam (Kingma & Ba), as in the paper',
  properties: {
    beta1: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.9 },
    beta2: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.999 },
    epsilon: { type: 'number', exclusiveMinimum: 0, default: 1e-8, description: 'added to sqrt(v); the loss is per example (the paper\'s objective / N), so an epsilon e on the paper\'s scale is e / N here' },
  },
  create: (cfg, lr) => tf.train.adam(lr, cfg.beta1 ?? 0.9, cfg.beta2 ?? 0.999, cfg.epsilon ?? 1e-8),
};

/** `sgd`. */
export const sgd: OptimizerEntry = {
  description: 'SGD with (optional) momentum',
  properties: {
    momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.9 },
  },
  create: (cfg, lr) => {
    const momentum = cfg.momentum ?? 0.9;
    return momentum > 0 ? tf.train.momentum(lr, momentum) : tf.train.sgd(lr);
  },
};

/** Sets the learning rate of a tfjs optimizer created above. */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}
