/**
 * Compressed sparse rows (CSR) of a row-major float32 matrix [rows, cols]: `rowPtr` (rows + 1
 * entries; row r's nonzeros are entries rowPtr[r] .. rowPtr[r+1]-1), `colIndex` (column of each
 * nonzero, increasing within a row) and `values` (float32). Index arrays use the smallest
 * unsigned type that holds their largest value: rowPtr up to nnz, colIndex up to cols - 1.
 */

/** An unsigned integer element type of the sparse format. */
export type UintType = 'uint8' | 'uint16' | 'uint32';
/** Any element type of the sparse format. */
export type ElementType = UintType | 'float32';

/** A typed array of one of the format's element types. */
export type FormatArray = Uint8Array | Uint16Array | Uint32Array | Float32Array;

/** Bytes per element of each type. */
export const ELEMENT_BYTES: Record<ElementType, number> = { uint8: 1, uint16: 2, uint32: 4, float32: 4 };

/** The smallest unsigned type that holds every integer in 0..max. */
export function uintTypeFor(max: number): UintType {
  if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) throw new RangeError(`no unsigned type holds ${max}`);
  return max <= 0xff ? 'uint8' : max <= 0xffff ? 'uint16' : 'uint32';
}

/** A new zeroed array of `type` with `length` elements. */
export function newArray(type: ElementType, length: number): FormatArray {
  switch (type) {
    case 'uint8':
      return new Uint8Array(length);
    case 'uint16':
      return new Uint16Array(length);
    case 'uint32':
      return new Uint32Array(length);
    case 'float32':
      return new Float32Array(length);
  }
}

/** A matrix in CSR form. */
export interface Csr {
  rows: number;
  cols: number;
  rowPtr: Uint8Array | Uint16Array | Uint32Array;
  colIndex: Uint8Array | Uint16Array | Uint32Array;
  values: Float32Array;
}

/** Number of nonzero entries (a -0 counts as zero). */
export function countNonzero(values: Float32Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) n++;
  return n;
}

/** The CSR form of the row-major matrix `dense` [rows, cols]; zeros (and -0) are left out. */
export function toCsr(dense: Float32Array, rows: number, cols: number): Csr {
  if (rows * cols !== dense.length) throw new RangeError(`a ${rows}x${cols} matrix needs ${rows * cols} values, got ${dense.length}`);
  const nnz = countNonzero(dense);
  const rowPtr = newArray(uintTypeFor(nnz), rows + 1) as Csr['rowPtr'];
  const colIndex = newArray(uintTypeFor(Math.max(0, cols - 1)), nnz) as Csr['colIndex'];
  const values = new Float32Array(nnz);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = dense[base + c];
      if (v !== 0) {
        colIndex[k] = c;
        values[k] = v;
        k++;
      }
    }
    rowPtr[r + 1] = k;
  }
  return { rows, cols, rowPtr, colIndex, values };
}

/** The row-major dense matrix of `csr` (missing entries are +0). */
export function fromCsr(csr: Csr): Float32Array {
  const dense = new Float32Array(csr.rows * csr.cols);
  for (let r = 0; r < csr.rows; r++) {
    for (let k = csr.rowPtr[r]; k < csr.rowPtr[r + 1]; k++) dense[r * csr.cols + csr.colIndex[k]] = csr.values[k];
  }
  return dense;
}

/** Why `csr` is not a well-formed CSR matrix, or null when it is. */
export function csrProblem(csr: Csr): string | null {
  const { rows, cols, rowPtr, colIndex, values } = csr;
  if (rowPtr.length !== rows + 1) return `rowPtr has ${rowPtr.length} entries, expected rows + 1 = ${rows + 1}`;
  if (rowPtr[0] !== 0) return `rowPtr[0] is ${rowPtr[0]}, expected 0`;
  const nnz = rowPtr[rows];
  if (colIndex.length !== nnz || values.length !== nnz) return `rowPtr ends at ${nnz} but there are ${colIndex.length} column indices and ${values.length} values`;
  for (let r = 0; r < rows; r++) {
    if (rowPtr[r + 1] < rowPtr[r]) return `rowPtr decreases at row ${r}`;
    for (let k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
      if (colIndex[k] >= cols) return `column index ${colIndex[k]} in row ${r} is out of range (cols = ${cols})`;
      if (k > rowPtr[r] && colIndex[k] <= colIndex[k - 1]) return `column indices of row ${r} are not increasing`;
    }
  }
  return null;
}

/** Bytes of the CSR encoding of a [rows, cols] matrix with `nnz` nonzeros (without alignment). */
export function csrBytes(rows: number, cols: number, nnz: number): number {
  return (rows + 1) * ELEMENT_BYTES[uintTypeFor(nnz)] + nnz * ELEMENT_BYTES[uintTypeFor(Math.max(0, cols - 1))] + nnz * 4;
}
