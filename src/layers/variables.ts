/**
 * Creating layer variables: one prefix per model, since tfjs variable names are global.
 */
import * as tf from '@tensorflow/tfjs';

let modelCounter = 0;

/**
 * A fresh prefix for one model's tfjs variable names: tfjs names are global to the process,
 * and tests or sweeps may build several models in one process.
 */
export function nextModelPrefix(): string {
  modelCounter += 1;
  return `m${modelCounter}`;
}

/** A variable named `${prefix}/${layer}/${param}`; takes ownership of `init`. */
export function makeVariable(prefix: string, layer: string, param: string, init: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(init, trainable, `${prefix}/${layer}/${param}`);
  init.dispose();
  return v;
}
