/**
 * The check that float data read from a file holds only finite numbers: svd writes no NaN or
 * infinity into a checkpoint or an export, so one found there is damage.
 */

/** The index of the first NaN or infinite value of `values`, or -1 when every value is finite. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (values[i] - values[i] !== 0) return i;
  return -1;
}
