/**
 * ZCA whitening (`data.normalize: zca`), as the paper preprocesses CIFAR: fitted on the training
 * split, x -> (x - mean) W with W = (Sigma + epsilon I)^(-1/2), Sigma the training covariance of
 * the flattened images. Matrix products run on the active tfjs backend in chunks (float32, summed
 * in float64); the eigen-decomposition runs in float64 JavaScript (symmetric-eigen.ts).
 * - With more training images N than dimensions D: eigen-decomposition of the D x D covariance
 *   (3072 x 3072 for CIFAR: minutes, hence the cache in zca-cache.ts).
 * - With N <= D (quick runs, tests): the N x N Gram matrix gives the same W exactly, the
 *   directions without training variance getting 1/sqrt(epsilon).
 */
import * as tf from '@tensorflow/tfjs';
import { symmetricEigen } from './symmetric-eigen.js';

/** A fitted whitening: x -> (x - mean) matrix, `matrix` D x D row-major and symmetric. */
export interface ZcaFit {
  dim: number;
  epsilon: number;
  /** Training images the fit was taken from. */
  count: number;
  mean: Float32Array;
  matrix: Float32Array;
}

/** Rows per chunk of a matrix product, so a chunk stays near 16 MB of floats. */
function chunkRows(dim: number): number {
  return Math.max(1, Math.floor((4 * 1024 * 1024) / Math.max(1, dim)));
}

/**
 * Fits ZCA on `train` (count x dim, row-major). `epsilon` is added to every eigenvalue of the
 * covariance (pixel values in [0, 1]); negative eigenvalues from rounding count as 0.
 */
export async function fitZca(train: Float32Array, dim: number, epsilon: number): Promise<ZcaFit> {
  const count = train.length / dim;
  if (!Number.isInteger(count) || count < 1) throw new Error(`fitZca: ${train.length} values are not a whole number (>= 1) of ${dim}-dimensional rows`);
  const mean = columnMean(train, dim, count);
  const matrix = count > dim ? await fromCovariance(train, dim, count, mean, epsilon) : await fromGram(train, dim, count, mean, epsilon);
  return { dim, epsilon, count, mean, matrix };
}

/** Replaces every row x of `x` by (x - mean) W, in place (reading asynchronously: webgpu has no synchronous read in Node). */
export async function applyZca(x: Float32Array, fit: ZcaFit): Promise<void> {
  const { dim } = fit;
  const rows = x.length / dim;
  const step = chunkRows(dim);
  const [mean, w] = [tf.tensor2d(fit.mean, [1, dim]), tf.tensor2d(fit.matrix, [dim, dim])];
  try {
    for (let start = 0; start < rows; start += step) {
      const end = Math.min(rows, start + step);
      const out = tf.tidy(() => tf.matMul(tf.sub(tf.tensor2d(x.subarray(start * dim, end * dim), [end - start, dim]), mean), w));
      try {
        x.set((await out.data()) as Float32Array, start * dim);
      } finally {
        out.dispose();
      }
    }
  } finally {
    tf.dispose([mean, w]);
  }
}

/** Mean of the rows, accumulated in float64. */
function columnMean(x: Float32Array, dim: number, count: number): Float32Array {
  const sum = new Float64Array(dim);
  for (let base = 0; base < x.length; base += dim) for (let j = 0; j < dim; j++) sum[j] += x[base + j];
  return Float32Array.from(sum, (s) => s / count);
}

/** W from the eigen-decomposition of the dim x dim covariance. */
async function fromCovariance(x: Float32Array, dim: number, count: number, mean: Float32Array, epsilon: number): Promise<Float32Array> {
  const cov = new Float64Array(dim * dim);
  const step = chunkRows(dim);
  const m = tf.tensor2d(mean, [1, dim]);
  try {
    for (let start = 0; start < count; start += step) {
      const end = Math.min(count, start + step);
      const part = tf.tidy(() => {
        const centered = tf.sub(tf.tensor2d(x.subarray(start * dim, end * dim), [end - start, dim]), m);
        return tf.matMul(centered, centered, true, false);
      });
      let values: Float32Array;
      try {
        values = (await part.data()) as Float32Array;
      } finally {
        part.dispose();
      }
      for (let i = 0; i < cov.length; i++) cov[i] += values[i];
    }
  } finally {
    m.dispose();
  }
  for (let i = 0; i < cov.length; i++) cov[i] /= count;
  const { values, vectors } = symmetricEigen(cov, dim);
  const scale = Float32Array.from(values, (v) => 1 / Math.sqrt(Math.max(v, 0) + epsilon));
  const w = tf.tidy(() => {
    const u = tf.tensor2d(Float32Array.from(vectors), [dim, dim]); // rows: eigenvectors
    return tf.matMul(u, tf.mul(u, tf.tensor2d(scale, [dim, 1])), true, false);
  });
  return download(w);
}

/** The values of `t` (a copy, read asynchronously), disposing it. (Never return big typed arrays from tf.tidy: it walks them.) */
async function download(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/**
 * W from the count x count Gram matrix when count <= dim: with G = Xc Xc^T / N = V L V^T, the
 * covariance's eigenvectors of nonzero eigenvalue are u_i = Xc^T v_i / sqrt(N l_i), and
 * W = I / sqrt(eps) + sum_i (1 / sqrt(l_i + eps) - 1 / sqrt(eps)) u_i u_i^T.
 */
async function fromGram(x: Float32Array, dim: number, count: number, mean: Float32Array, epsilon: number): Promise<Float32Array> {
  const centered = tf.tidy(() => tf.sub(tf.tensor2d(x, [count, dim]), tf.tensor2d(mean, [1, dim])));
  try {
    const gram = Float64Array.from(await download(tf.tidy(() => tf.div(tf.matMul(centered, centered, false, true), count))));
    const { values, vectors } = symmetricEigen(gram, count);
    const largest = values[count - 1];
    const keep = [...values.keys()].filter((i) => values[i] > Math.max(largest, 0) * 1e-9 && values[i] > 0);
    const base = 1 / Math.sqrt(epsilon);
    return await download(tf.tidy(() => {
      const identity = tf.mul(tf.eye(dim), base);
      if (keep.length === 0) return identity;
      const v = tf.tensor2d(Float32Array.from(keep.flatMap((i) => [...vectors.subarray(i * count, (i + 1) * count)])), [keep.length, count]);
      const norm = tf.tensor2d(Float32Array.from(keep, (i) => 1 / Math.sqrt(count * values[i])), [keep.length, 1]);
      const u = tf.mul(tf.matMul(v, centered), norm); // keep x dim, orthonormal rows
      const gain = tf.tensor2d(Float32Array.from(keep, (i) => 1 / Math.sqrt(values[i] + epsilon) - base), [keep.length, 1]);
      return tf.add(identity, tf.matMul(u, tf.mul(u, gain), true, false));
    }));
  } finally {
    centered.dispose();
  }
}
