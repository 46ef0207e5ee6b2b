/**
 * The values the restricted pickle reader (pickle.ts) produces: JSON-like values plus tuples,
 * byte strings and numpy arrays described by data, never objects with behaviour.
 */

/** A Python tuple (kept apart from lists, which are plain arrays). */
export class PickleTuple {
  constructor(readonly items: PickleValue[]) {}
}

/** A numpy dtype as pickled: its type string ('u1') and, after BUILD, its byte order. */
export class NpDtype {
  byteOrder: string | null = null;
  constructor(readonly descr: string) {}
}

/** A numpy array: an empty shell from `_reconstruct`, filled in by BUILD. */
export class NdArray {
  shape: number[] = [];
  dtype: NpDtype | null = null;
  fortranOrder = false;
  /** The raw element bytes (a view into the file), C order unless `fortranOrder`. */
  data: Uint8Array | null = null;
}

/** A Python dict with string keys (bytes keys are decoded as latin1). */
export type PickleDict = Map<string, PickleValue>;

/** Any value a supported pickle can hold. */
export type PickleValue = null | boolean | number | string | Uint8Array | PickleValue[] | PickleTuple | PickleDict | NdArray | NpDtype;
