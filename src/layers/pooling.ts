/**
 * What 2-D pooling layers share (maxpool, avgpool): the window keys (`poolSize`, `strides`
 * defaulting to the pool size, `padding`), the output shape and a layer that applies one pooling
 * op over NHWC images. A pooling layer keeps channels apart, and a channel that is all zero stays
 * zero (max and mean of zeros), which the structured view of an export relies on.
 */
import type * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../config/types.js';
import type { BuildContext, LayerSchema, Shape } from './layer.js';
import { StatelessLayer } from './stateless.js';
import { paddingProperty, sizePairProperty, withDefaults } from './schema-parts.js';
import { pair, windowShape, type Padding } from './geometry.js';

/** A pooling layer's config, defaults filled in (also its plain form). */
export interface PoolConfig {
  poolSize: [number, number];
  strides: [number, number];
  padding: Padding;
}

/** The schema of a pooling layer's keys. */
export function poolSchema(description: string): LayerSchema {
  return {
    description,
    properties: {
      poolSize: sizePairProperty('window height and width', 2),
      strides: sizePairProperty('stride (defaults to the pool size)'),
      padding: paddingProperty,
    },
  };
}

/** The typed config of a pooling spec (strides default to the pool size). */
export function poolConfig(schema: LayerSchema, spec: LayerSpec): PoolConfig {
  const c = withDefaults(schema, spec);
  const poolSize = pair(c.poolSize, 2);
  return { poolSize, strides: c.strides === undefined ? poolSize : pair(c.strides, 1), padding: c.padding as Padding };
}

/** [h, w, c] after pooling `input`; `type` names the layer in errors. */
export function poolOutputShape(c: PoolConfig, input: Shape, type: string): Shape {
  const [oh, ow] = windowShape(input, { size: c.poolSize, strides: c.strides, padding: c.padding }, 'pool', type);
  return [oh, ow, input[2]];
}

/** One pooling op: tf.maxPool or tf.avgPool. */
export type PoolOp = (x: tf.Tensor4D, size: [number, number], strides: [number, number], padding: Padding) => tf.Tensor;

/** A layer applying `op` with the window of `config`. */
export class PoolLayer extends StatelessLayer {
  constructor(readonly type: string, private readonly config: PoolConfig, private readonly op: PoolOp, inputShape: Shape, ctx: BuildContext) {
    super(inputShape, poolOutputShape(config, inputShape, type), ctx);
  }

  apply(x: tf.Tensor): tf.Tensor {
    return this.op(x as tf.Tensor4D, this.config.poolSize, this.config.strides, this.config.padding);
  }
}
