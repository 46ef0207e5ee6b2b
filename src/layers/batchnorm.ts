/**
 * `batchnorm`: batch normalization over the last axis (channels or units). Training uses the
 * batch statistics (batch-statistics.ts, with its gradient written out) and updates running
 * averages; evaluation uses the running averages. Exports
 * as itself (tf.layers.batchNormalization).
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../config/types.js';
import type { BuildContext, ForwardContext, Layer, LayerEntry, LayerSchema, Shape } from './layer.js';
import { withDefaults } from './schema-parts.js';
import { normalizeWithBatchStatistics } from './batch-statistics.js';

/** A batchnorm layer's config, defaults filled in (also its plain form). */
export interface BatchNormConfig {
  momentum: number;
  epsilon: number;
}

/** Batch normalization with learned scale (gamma) and offset (beta). */
export class BatchNorm implements Layer {
  readonly type = 'batchnorm';
  readonly name: string;
  readonly outputShape: Shape;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly movingMean: tf.Variable;
  readonly movingVariance: tf.Variable;

  constructor(private readonly config: BatchNormConfig, readonly inputShape: Shape, ctx: BuildContext) {
    const channels = inputShape[inputShape.length - 1];
    this.name = ctx.name;
    this.outputShape = inputShape;
    this.gamma = ctx.variable('gamma', tf.ones([channels]));
    this.beta = ctx.variable('beta', tf.zeros([channels]));
    this.movingMean = ctx.variable('movingMean', tf.zeros([channels]), false);
    this.movingVariance = ctx.variable('movingVariance', tf.ones([channels]), false);
  }

  get trainable(): tf.Variable[] {
    return [this.gamma, this.beta];
  }
  get nonTrainable(): tf.Variable[] {
    return [this.movingMean, this.movingVariance];
  }

  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const { momentum: m, epsilon } = this.config;
    if (!ctx.training) {
      return tf.batchNorm(x, this.movingMean, this.movingVariance, this.beta, this.gamma, epsilon);
    }
    const { y, mean, variance } = normalizeWithBatchStatistics(x, this.gamma, this.beta, epsilon);
    tf.tidy(() => {
      this.movingMean.assign(tf.add(tf.mul(this.movingMean, m), tf.mul(mean, 1 - m)));
      this.movingVariance.assign(tf.add(tf.mul(this.movingVariance, m), tf.mul(variance, 1 - m)));
    });
    tf.dispose([mean, variance]);
    return y;
  }
}

const schema: LayerSchema = {
  description: 'batch normalization over the last axis',
  properties: {
    momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.99, description: 'momentum of the running averages' },
    epsilon: { type: 'number', exclusiveMinimum: 0, default: 0.001, description: 'added to the variance' },
  },
};

/** `batchnorm`. */
export const batchnorm: LayerEntry<BatchNormConfig, BatchNormConfig> = {
  schema,
  example: { spec: { momentum: 0.9 }, input: [4, 4, 3] },
  config: (spec: LayerSpec) => withDefaults(schema, spec) as unknown as BatchNormConfig,
  outputShape: (_c, input) => input,
  build: (c, input, ctx) => new BatchNorm(c, input, ctx),
  paramShapes: (_c, input) => Array.from({ length: 4 }, () => [input[input.length - 1]]),
  family: 'batchnorm',
  export: { as: 'batchnorm', config: (c) => ({ momentum: c.momentum, epsilon: c.epsilon }) },
  plain: {
    tfjs: (p, common) => tf.layers.batchNormalization({ ...common, axis: -1, momentum: p.momentum, epsilon: p.epsilon, center: true, scale: true }),
    role: { kind: 'channels', effect: () => 'value', perChannelParams: true },
    // channels at axis 1 in both layouts (NCHW, [N, features])
    onnx: (p, params, graph) => {
      if (graph.shape.length === 3) graph.toImage(graph.shape);
      const names = ['gamma', 'beta', 'movingMean', 'movingVariance'].map((name) => {
        const a = params.find((q) => q.name === name);
        if (!a) throw new Error(`a batchnorm has no ${name}`);
        return graph.weight(name, a.shape, a.values);
      });
      graph.node('BatchNormalization', names, { epsilon: { float: p.epsilon } });
    },
  },
};
