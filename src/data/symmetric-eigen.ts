/**
 * Eigen-decomposition of a real symmetric matrix in float64, for ZCA whitening: Householder
 * reduction to tridiagonal form, then the implicit QL algorithm (tred2/tqli of Numerical Recipes,
 * after EISPACK). Laid out row-major so that every inner loop runs over contiguous memory (the
 * QL rotations act on two rows of the transposed eigenvector matrix), which keeps a 3072 x 3072
 * decomposition (CIFAR's pixel covariance) to a few minutes of plain JavaScript.
 */

/** Eigenvalues (ascending) and unit eigenvectors: row i of `vectors` belongs to `values[i]`. */
export interface SymmetricEigen {
  n: number;
  values: Float64Array;
  /** n x n, row-major; row i is the eigenvector of values[i]. */
  vectors: Float64Array;
}

/**
 * Decomposes the symmetric n x n matrix `a` (row-major; only its lower triangle is read).
 * `a` is not modified.
 * @throws Error if the QL iteration does not converge (it does for any finite symmetric input).
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`symmetricEigen: expected ${n * n} values, got ${a.length}`);
  const z = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(z, n, d, e);
  const zt = transpose(z, n);
  tridiagonalQl(d, e, zt, n);
  return sortAscending(d, zt, n);
}

/**
 * Householder reduction of the symmetric `z` to tridiagonal form (diagonal `d`, sub-diagonal
 * `e[1..n-1]`); on return `z` holds the orthogonal transformation Q (A = Q T Q^T).
 */
function tridiagonalize(z: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  const p = new Float64Array(n);
  for (let i = n - 1; i > 0; i--) {
    const rowI = i * n;
    const l = i - 1;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k < i; k++) scale += Math.abs(z[rowI + k]);
      if (scale === 0) {
        e[i] = z[rowI + l];
      } else {
        for (let k = 0; k < i; k++) {
          z[rowI + k] /= scale;
          h += z[rowI + k] * z[rowI + k];
        }
        let f = z[rowI + l];
        let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        z[rowI + l] = f - g;
        // p = A[0..i-1, 0..i-1] u / h, from the lower triangle, row by row (contiguous).
        p.fill(0, 0, i);
        for (let j = 0; j < i; j++) {
          const rowJ = j * n;
          const uj = z[rowI + j];
          let dot = 0;
          for (let k = 0; k < j; k++) {
            dot += z[rowJ + k] * z[rowI + k];
            p[k] += z[rowJ + k] * uj;
          }
          p[j] += dot + z[rowJ + j] * uj;
        }
        f = 0;
        for (let j = 0; j < i; j++) {
          z[j * n + i] = z[rowI + j] / h;
          p[j] /= h;
          f += p[j] * z[rowI + j];
        }
        const hh = f / (h + h);
        for (let j = 0; j < i; j++) {
          const fj = z[rowI + j];
          p[j] -= hh * fj;
        }
        for (let j = 0; j < i; j++) {
          const rowJ = j * n;
          const fj = z[rowI + j];
          const gj = p[j];
          for (let k = 0; k <= j; k++) z[rowJ + k] -= fj * p[k] + gj * z[rowI + k];
        }
      }
    } else {
      e[i] = z[rowI + l];
    }
    d[i] = h;
  }
  d[0] = 0;
  e[0] = 0;
  accumulate(z, n, d);
}

/** Builds Q from the Householder vectors left in `z` (rows) and `z`'s upper part (u/h). */
function accumulate(z: Float64Array, n: number, d: Float64Array): void {
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    if (d[i] !== 0) {
      // g[j] = sum_k u[k] * Q[k][j]; then Q[k][j] -= (u[k]/h) * g[j], for j, k < i.
      g.fill(0, 0, i);
      for (let k = 0; k < i; k++) {
        const uk = z[rowI + k];
        const rowK = k * n;
        for (let j = 0; j < i; j++) g[j] += uk * z[rowK + j];
      }
      for (let k = 0; k < i; k++) {
        const rowK = k * n;
        const s = z[rowK + i];
        for (let j = 0; j < i; j++) z[rowK + j] -= s * g[j];
      }
    }
    d[i] = z[rowI + i];
    z[rowI + i] = 1;
    for (let j = 0; j < i; j++) {
      z[j * n + i] = 0;
      z[rowI + j] = 0;
    }
  }
}

/**
 * Implicit QL with shifts on the tridiagonal (d, e); applies every rotation to the rows of
 * `zt` (the transposed transformation), so that on return row i of `zt` is the eigenvector of d[i].
 */
function tridiagonalQl(d: Float64Array, e: Float64Array, zt: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (++iterations > 60) throw new Error('symmetricEigen: QL iteration did not converge');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        rotateRows(zt, i * n, (i + 1) * n, n, c, s);
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/** (row a, row b) <- (c*a - s*b, s*a + c*b), in place. */
function rotateRows(z: Float64Array, a: number, b: number, n: number, c: number, s: number): void {
  for (let k = 0; k < n; k++) {
    const za = z[a + k];
    const zb = z[b + k];
    z[b + k] = s * za + c * zb;
    z[a + k] = c * za - s * zb;
  }
}

function transpose(z: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = z[i * n + j];
  return t;
}

/** Values ascending, with their vector rows reordered alike. */
function sortAscending(d: Float64Array, zt: Float64Array, n: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x] - d[y]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    values[to] = d[from];
    vectors.set(zt.subarray(from * n, from * n + n), to * n);
  });
  return { n, values, vectors };
}
