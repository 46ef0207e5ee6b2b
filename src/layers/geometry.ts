/**
 * Shape rules the layers share: int-or-pair keys, sliding windows (conv, pooling) and what an
 * input must look like. Pure and tensor-free, so the config checks run them before any tensor.
 */
import { ShapeError, type Shape } from './layer.js';

/** `valid`: no padding; `same`: output size ceil(input / stride). */
export type Padding = 'valid' | 'same';

/** A sliding window along height and width. */
export interface Window {
  size: [number, number];
  strides: [number, number];
  padding: Padding;
}

/** Reads an int-or-pair key as [h, w]. */
export function pair(value: unknown, fallback: number): [number, number] {
  if (Array.isArray(value)) return [Number(value[0]), Number(value[1])];
  const n = value === undefined ? fallback : Number(value);
  return [n, n];
}

/** Spatial output size of a window op (conv, pool) along one axis. */
export function windowOutput(input: number, window: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(input / stride) : Math.floor((input - window) / stride) + 1;
}

/**
 * The explicit ONNX `pads` [top, left, bottom, right] of `window` on an image [h, w, c]: none
 * for 'valid'; for 'same', tfjs's (TensorFlow's) padding, the odd pixel at the bottom and right.
 */
export function onnxPads(input: readonly number[], window: Window): number[] {
  if (window.padding === 'valid') return [0, 0, 0, 0];
  const total = [0, 1].map((axis) => Math.max((Math.ceil(input[axis] / window.strides[axis]) - 1) * window.strides[axis] + window.size[axis] - input[axis], 0));
  return [Math.floor(total[0] / 2), Math.floor(total[1] / 2), total[0] - Math.floor(total[0] / 2), total[1] - Math.floor(total[1] / 2)];
}

/** Output height and width of `window` on an image input; `what` names the window in the error. */
export function windowShape(input: Shape, window: Window, what: string, layer: string): [number, number] {
  const [h, w] = requireImage(input, layer);
  const oh = windowOutput(h, window.size[0], window.strides[0], window.padding);
  const ow = windowOutput(w, window.size[1], window.strides[1], window.padding);
  if (oh < 1 || ow < 1) throw new ShapeError(`${what} ${window.size.join('x')} does not fit input ${h}x${w} with padding '${window.padding}'`);
  return [oh, ow];
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
