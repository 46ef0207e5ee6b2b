/**
 * The only pickle globals the restricted reader (pickle.ts) accepts, and what REDUCE and BUILD
 * mean for them, interpreted structurally (nothing is imported or called):
 * - `numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')` -> an empty NdArray shell;
 *   BUILD then fills it from `(version, shape, dtype, fortranOrder, rawBytes)`;
 * - `numpy.dtype('u1', False, True)` -> an NpDtype; BUILD sets its byte order from numpy's
 *   8- or 9-field dtype state;
 * - `_codecs.encode(text, 'latin1')` -> the bytes of `text` (how Python 3 pickles bytes in
 *   protocol 2).
 * numpy 2 spells the first module `numpy._core.multiarray`; both are accepted.
 */
import { NdArray, NpDtype, PickleTuple, type PickleValue } from './pickle-values.js';

/** A reference to one of the allowed globals. */
export interface PickleGlobal {
  kind: 'global';
  module: string;
  name: string;
  role: 'reconstruct' | 'ndarray' | 'dtype' | 'encode';
}

const ALLOWED: Record<string, PickleGlobal['role']> = {
  'numpy.core.multiarray._reconstruct': 'reconstruct',
  'numpy._core.multiarray._reconstruct': 'reconstruct',
  'numpy.ndarray': 'ndarray',
  'numpy.dtype': 'dtype',
  '_codecs.encode': 'encode',
};

/** The global `module.name` if it is allowed, else null. */
export function allowedGlobal(module: string, name: string): PickleGlobal | null {
  const role = Object.hasOwn(ALLOWED, `${module}.${name}`) ? ALLOWED[`${module}.${name}`] : undefined;
  return role ? { kind: 'global', module, name, role } : null;
}

/** REDUCE: `callable(*args)` for the allowed globals, checked argument by argument. Throws Error. */
export function reduceCall(callable: unknown, args: unknown): PickleValue {
  if (!isGlobal(callable)) throw new Error('REDUCE on something that is not an allowed global');
  if (!(args instanceof PickleTuple)) throw new Error(`REDUCE of ${callable.module}.${callable.name} without an argument tuple`);
  const a = args.items as unknown[];
  switch (callable.role) {
    case 'reconstruct': {
      const [cls, shape, typecode] = a;
      if (a.length !== 3 || !isGlobal(cls) || cls.role !== 'ndarray' || !(shape instanceof PickleTuple) || !isText(typecode, 'b')) {
        throw new Error('numpy _reconstruct must be called as _reconstruct(numpy.ndarray, (0,), b"b")');
      }
      return new NdArray();
    }
    case 'dtype': {
      const [descr, align, copy] = a;
      const descrText = typeof descr === 'string' ? descr : descr instanceof Uint8Array ? latin1(descr) : null;
      if (a.length !== 3 || descrText === null || !isFlag(align) || !isFlag(copy)) throw new Error('numpy.dtype must be called as dtype(str, bool, bool)');
      if (!/^[a-zA-Z]\d{0,2}$/.test(descrText)) throw new Error(`numpy dtype '${descrText}' is not a plain numeric type`);
      return new NpDtype(descrText);
    }
    case 'encode': {
      const [text, encoding] = a;
      if (a.length !== 2 || typeof text !== 'string' || !(encoding === 'latin1' || encoding === 'latin-1')) {
        throw new Error("_codecs.encode must be called as encode(str, 'latin1')");
      }
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c > 255) throw new Error('_codecs.encode of a string with characters outside latin1');
        out[i] = c;
      }
      return out;
    }
    case 'ndarray':
      throw new Error('numpy.ndarray may only be passed to _reconstruct, not called');
  }
}

/** BUILD: sets the state of an NdArray or NpDtype built by REDUCE. Throws Error. */
export function buildObject(target: unknown, state: unknown): void {
  if (!(state instanceof PickleTuple)) throw new Error('BUILD state must be a tuple');
  const s = state.items;
  if (target instanceof NpDtype) {
    // (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
    if ((s.length !== 8 && s.length !== 9) || typeof s[0] !== 'number') throw new Error('numpy dtype state must be an 8- or 9-tuple');
    const order = typeof s[1] === 'string' ? s[1] : s[1] instanceof Uint8Array ? latin1(s[1]) : null;
    if (order === null || !['|', '<', '>', '='].includes(order)) throw new Error('numpy dtype byte order must be one of | < > =');
    if (s[2] !== null || s[3] !== null || s[4] !== null) throw new Error('structured numpy dtypes are not supported');
    target.byteOrder = order;
    return;
  }
  if (target instanceof NdArray) {
    const [version, shape, dtype, fortran, data] = s;
    if (s.length !== 5 || typeof version !== 'number') throw new Error('numpy array state must be (version, shape, dtype, fortran, data)');
    if (!(shape instanceof PickleTuple) || !shape.items.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
      throw new Error('numpy array shape must be a tuple of non-negative integers');
    }
    if (!(dtype instanceof NpDtype)) throw new Error('numpy array dtype is missing');
    if (!isFlag(fortran)) throw new Error('numpy array fortran flag must be a bool');
    if (!(data instanceof Uint8Array)) throw new Error('numpy array data must be raw bytes (object arrays are not supported)');
    target.shape = shape.items as number[];
    target.dtype = dtype;
    target.fortranOrder = Boolean(fortran);
    target.data = data;
    return;
  }
  throw new Error('BUILD on something that is not a numpy array or dtype');
}

function isGlobal(v: unknown): v is PickleGlobal {
  return typeof v === 'object' && v !== null && (v as PickleGlobal).kind === 'global';
}

/** True for a bool or the ints 0/1 (Python 2 pickles write flags as ints). */
function isFlag(v: unknown): boolean {
  return typeof v === 'boolean' || v === 0 || v === 1;
}

/** True when `v` is the str or bytes `text`. */
function isText(v: unknown, text: string): boolean {
  return v === text || (v instanceof Uint8Array && latin1(v) === text);
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
