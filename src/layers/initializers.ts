/**
 * Initial kernels of dense and conv layers: `kernelInitializer` on the layer, glorotUniform by
 * default (Keras's and tfjs's choice) or randomNormal with `initStddev` (0.01 by default: Lasagne's
 * init.Normal(), which the paper's authors used for their Sparse VD dense layers).
 */
import * as tf from '@tensorflow/tfjs';

/** Initializer names a layer may ask for. */
export const KERNEL_INITIALIZERS = ['glorotUniform', 'randomNormal'] as const;

/** Schema properties of the layers that take them. */
export const kernelInitializerProperties = {
  kernelInitializer: { enum: [...KERNEL_INITIALIZERS], default: 'glorotUniform', description: 'initial weights: glorotUniform, or randomNormal with mean 0 and standard deviation initStddev' },
  initStddev: { type: 'number', exclusiveMinimum: 0, default: 0.01, description: 'standard deviation of randomNormal initial weights' },
};

/** The initializer keys of a layer's config. */
export interface KernelInit {
  kernelInitializer: (typeof KERNEL_INITIALIZERS)[number];
  initStddev: number;
}

/** The initial kernel of `shape` for `config`, drawn from the stream of `seed`. */
export function initialKernel(config: KernelInit, shape: number[], seed: number): tf.Tensor {
  if (config.kernelInitializer === 'randomNormal') {
    return tf.initializers.randomNormal({ mean: 0, stddev: config.initStddev, seed }).apply(shape);
  }
  return tf.initializers.glorotUniform({ seed }).apply(shape);
}
