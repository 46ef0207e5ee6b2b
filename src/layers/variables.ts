/**
 * Creating layer variables and the small shape helpers layers share.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError, type Shape } from './layer.js';

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

/** Reads an int-or-pair key as [h, w]. */
export function pair(value: unknown, fallback: number): [number, number] {
  if (Array.isArray(value)) return [Number(value[0]), Number(value[1])];
  const n = value === undefined ? fallback : Number(value);
  return [n, n];
}

/** Spatial output size of a window op (conv, pool) along one axis. */
export function windowOutput(input: number, window: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(input / stride) : Math.floor((input - window) / stride) + 1;
}

/** Requires an image-shaped input [h, w, c]; `what` names the layer in the error. */
export function requireImage(input: Shape, what: string): [number, number, number] {
  if (input.length !== 3) {
    throw new ShapeError(`${what} needs an image input [height, width, channels], got [${input.join(', ')}] (a ${what} cannot follow flatten or dense)`);
  }
  return input as [number, number, number];
}

/** Requires a flat input [n]. */
export function requireVector(input: Shape, what: string): number {
  if (input.length !== 1) {
    throw new ShapeError(`${what} needs a flat input [features], got [${input.join(', ')}]; add a flatten layer before it`);
  }
  return input[0];
}
