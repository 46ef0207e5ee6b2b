/**
 * What layers without variables share (pooling, flatten, dropout, activation, ...): a name, the
 * shapes, and no trainable or other variables.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BuildContext, ForwardContext, Layer, Shape } from './layer.js';

/** A layer that holds no variables; subclasses give `type` and `apply`. */
export abstract class StatelessLayer implements Layer {
  abstract readonly type: string;
  readonly name: string;
  readonly trainable: tf.Variable[] = [];
  readonly nonTrainable: tf.Variable[] = [];

  constructor(readonly inputShape: Shape, readonly outputShape: Shape, ctx: BuildContext) {
    this.name = ctx.name;
  }

  abstract apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;
}
