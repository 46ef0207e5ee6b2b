/**
 * A restricted, non-executing reader of Python pickles, for the CIFAR "python version" batches.
 *
 * Python's pickle format is a small stack machine whose GLOBAL/REDUCE opcodes import and call
 * arbitrary functions; unpickling a file naively can run any code. This reader never imports or
 * calls anything: it interprets the opcodes that dicts, lists, tuples, strings, bytes and ints
 * use (protocols 2 to 5), and exactly the globals a numpy uint8 ndarray needs
 * (`numpy.core.multiarray._reconstruct`, `numpy.ndarray`, `numpy.dtype`, and `_codecs.encode`,
 * which Python 3 uses for bytes in protocol 2), which it interprets structurally (numpy-pickle.ts).
 * Any other global, an unknown opcode or a malformed stream is an E_DATA_FORMAT error naming the
 * file and byte offset, raised before any value is built from it.
 */
import { SvdError } from '../errors.js';
import { allowedGlobal, buildObject, reduceCall, type PickleGlobal } from './numpy-pickle.js';
import { PickleTuple, type PickleValue } from './pickle-values.js';

export { PickleTuple, NdArray, NpDtype, type PickleDict, type PickleValue } from './pickle-values.js';

/** Marks the stack position of a MARK opcode. */
const MARK = Symbol('mark');
type StackItem = PickleValue | PickleGlobal | typeof MARK;

/** An E_DATA_FORMAT error about a pickle file. */
export function pickleError(file: string, message: string): SvdError {
  return new SvdError('E_DATA_FORMAT', `unsafe or unsupported pickle: ${message}`, { file });
}

/**
 * Parses the pickle in `bytes` (the whole file) into plain values: dicts become Maps with string
 * keys (bytes keys decoded as latin1, as Python 2 strings are), lists arrays, tuples PickleTuple,
 * Python 2 strings and bytes Uint8Array views into `bytes`, numpy arrays NdArray.
 * @param file names the source in errors.
 * @throws SvdError E_DATA_FORMAT for anything outside the supported subset.
 */
export function parsePickle(bytes: Uint8Array, file: string): PickleValue {
  return new PickleReader(bytes, file).run();
}

/** The state of one parse. */
class PickleReader {
  private pos = 0;
  private stack: StackItem[] = [];
  private readonly memo = new Map<number, StackItem>();
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array, private readonly file: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): PickleValue {
    if (this.bytes.length < 2 || this.bytes[0] !== 0x80) {
      throw this.fail(`expected a binary pickle (protocol 2 or later, starting with byte 0x80), found ${this.bytes.length === 0 ? 'an empty file' : `first byte 0x${this.bytes[0].toString(16).padStart(2, '0')}`}`);
    }
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      if (op === 0x2e /* . STOP */) return this.finish(at);
      this.step(op, at);
    }
  }

  /** Executes one opcode (other than STOP). */
  private step(op: number, at: number): void {
    switch (op) {
      case 0x80: { // PROTO
        const proto = this.u8();
        if (proto < 2 || proto > 5) throw this.fail(`pickle protocol ${proto} is not supported (2 to 5 are)`, at);
        return;
      }
      case 0x95: this.take(8); return; // FRAME: a length hint only
      case 0x28: this.stack.push(MARK); return; // ( MARK
      case 0x7d: this.stack.push(new Map()); return; // } EMPTY_DICT
      case 0x5d: this.stack.push([]); return; // ] EMPTY_LIST
      case 0x29: this.stack.push(new PickleTuple([])); return; // ) EMPTY_TUPLE
      // Tuples may hold globals (the arguments of numpy's _reconstruct); lists and dicts may not.
      case 0x74: this.stack.push(new PickleTuple(this.popMark(at, true))); return; // t TUPLE
      case 0x85: case 0x86: case 0x87: { // TUPLE1..3
        const n = op - 0x84;
        this.stack.push(new PickleTuple(this.popValues(n, at, true)));
        return;
      }
      case 0x4e: this.stack.push(null); return; // N NONE
      case 0x88: this.stack.push(true); return; // NEWTRUE
      case 0x89: this.stack.push(false); return; // NEWFALSE
      case 0x4a: this.stack.push(this.view.getInt32(this.take(4), true)); return; // J BININT
      case 0x4b: this.stack.push(this.u8()); return; // K BININT1
      case 0x4d: this.stack.push(this.view.getUint16(this.take(2), true)); return; // M BININT2
      case 0x8a: this.stack.push(this.long1(at)); return; // LONG1
      case 0x58: this.stack.push(this.text(this.u32())); return; // X BINUNICODE
      case 0x8c: this.stack.push(this.text(this.u8())); return; // SHORT_BINUNICODE
      case 0x8d: this.stack.push(this.text(this.u64(at))); return; // BINUNICODE8
      case 0x55: case 0x43: this.stack.push(this.slice(this.u8())); return; // U SHORT_BINSTRING, C SHORT_BINBYTES
      case 0x54: { // T BINSTRING (signed length)
        const n = this.view.getInt32(this.take(4), true);
        if (n < 0) throw this.fail(`negative string length ${n}`, at);
        this.stack.push(this.slice(n));
        return;
      }
      case 0x42: this.stack.push(this.slice(this.u32())); return; // B BINBYTES
      case 0x8e: this.stack.push(this.slice(this.u64(at))); return; // BINBYTES8
      case 0x71: this.memo.set(this.u8(), this.top(at)); return; // q BINPUT
      case 0x72: this.memo.set(this.u32(), this.top(at)); return; // r LONG_BINPUT
      case 0x94: this.memo.set(this.memo.size, this.top(at)); return; // MEMOIZE
      case 0x68: this.stack.push(this.recall(this.u8(), at)); return; // h BINGET
      case 0x6a: this.stack.push(this.recall(this.u32(), at)); return; // j LONG_BINGET
      case 0x61: { // a APPEND
        const [item] = this.popValues(1, at);
        this.list(at).push(item);
        return;
      }
      case 0x65: { // e APPENDS
        const items = this.popMark(at);
        this.list(at).push(...items);
        return;
      }
      case 0x73: { // s SETITEM
        const [key, value] = this.popValues(2, at);
        this.dict(at).set(this.key(key, at), value);
        return;
      }
      case 0x75: { // u SETITEMS
        const items = this.popMark(at);
        if (items.length % 2 !== 0) throw this.fail('SETITEMS with an odd number of items', at);
        const dict = this.dict(at);
        for (let i = 0; i < items.length; i += 2) dict.set(this.key(items[i], at), items[i + 1]);
        return;
      }
      case 0x63: { // c GLOBAL "module\nname\n"
        const module = this.line(at);
        const name = this.line(at);
        this.stack.push(this.global(module, name, at));
        return;
      }
      case 0x93: { // STACK_GLOBAL
        const [module, name] = this.popValues(2, at);
        if (typeof module !== 'string' || typeof name !== 'string') throw this.fail('STACK_GLOBAL needs two strings', at);
        this.stack.push(this.global(module, name, at));
        return;
      }
      case 0x52: { // R REDUCE
        const args = this.pop(at);
        const callable = this.pop(at);
        this.stack.push(this.guard(() => reduceCall(callable, args), at));
        return;
      }
      case 0x62: { // b BUILD
        const state = this.pop(at);
        const target = this.top(at);
        this.guard(() => buildObject(target, state), at);
        return;
      }
      default:
        throw this.fail(`opcode 0x${op.toString(16).padStart(2, '0')}${printable(op)} is not supported (only the opcodes of plain dicts, lists, strings, ints and numpy uint8 arrays are)`, at);
    }
  }

  /** The one value left on the stack at STOP. */
  private finish(at: number): PickleValue {
    if (this.stack.length !== 1) throw this.fail(`STOP with ${this.stack.length} items on the stack (expected 1)`, at);
    const value = this.stack[0];
    if (value === MARK || isGlobal(value)) throw this.fail('the pickle ends on a bare global or mark', at);
    return value;
  }

  /** A whitelisted global, or an error naming the one refused. */
  private global(module: string, name: string, at: number): PickleGlobal {
    const g = allowedGlobal(module, name);
    if (!g) throw this.fail(`refusing global '${module}.${name}': only the numpy array globals (numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype) and _codecs.encode are allowed; nothing in the file is executed`, at);
    return g;
  }

  /** Runs a structural interpretation, turning its message into a located error. */
  private guard<T>(fn: () => T, at: number): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof SvdError) throw err;
      throw this.fail((err as Error).message, at);
    }
  }

  private fail(message: string, at = this.pos): SvdError {
    return pickleError(this.file, `${message} (at byte ${at})`);
  }

  // ---- reading bytes ----

  /** Advances by `n` bytes; returns the offset where they start. */
  private take(n: number): number {
    if (n > this.bytes.length - this.pos) throw this.fail(`file is truncated: needs ${n} more bytes, has ${this.bytes.length - this.pos}`);
    const at = this.pos;
    this.pos += n;
    return at;
  }
  private u8(): number {
    return this.bytes[this.take(1)];
  }
  private u32(): number {
    return this.view.getUint32(this.take(4), true);
  }
  private u64(at: number): number {
    const n = this.view.getBigUint64(this.take(8), true);
    if (n > BigInt(this.bytes.length)) throw this.fail(`length ${n} exceeds the file size`, at);
    return Number(n);
  }
  /** A view of the next `n` bytes (no copy). */
  private slice(n: number): Uint8Array {
    const start = this.take(n);
    return this.bytes.subarray(start, start + n);
  }
  private text(n: number): string {
    return new TextDecoder('utf-8', { fatal: false }).decode(this.slice(n));
  }
  /** A newline-terminated ASCII line (GLOBAL's operands), at most 256 bytes. */
  private line(at: number): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0 || end - this.pos > 256) throw this.fail('GLOBAL operand is not a short newline-terminated name', at);
    const s = latin1(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
  /** LONG1: a little-endian two's complement integer of 0..8 bytes, as a number. */
  private long1(at: number): number {
    const n = this.u8();
    if (n > 8) throw this.fail(`LONG1 of ${n} bytes is too large`, at);
    const start = this.take(n);
    let value = 0n;
    for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.bytes[start + i]);
    if (n > 0 && this.bytes[start + n - 1] & 0x80) value -= 1n << BigInt(8 * n);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw this.fail(`integer ${value} is too large`, at);
    return Number(value);
  }

  // ---- the stack ----

  private pop(at: number): StackItem {
    if (this.stack.length === 0) throw this.fail('stack underflow', at);
    const v = this.stack.pop()!;
    if (v === MARK) throw this.fail('unexpected MARK on the stack', at);
    return v;
  }
  private top(at: number): StackItem {
    if (this.stack.length === 0) throw this.fail('stack underflow', at);
    return this.stack[this.stack.length - 1];
  }
  /** The top `n` items, in stack order; globals only where `globalsAllowed` (tuples). */
  private popValues(n: number, at: number, globalsAllowed = false): PickleValue[] {
    const items: PickleValue[] = [];
    for (let i = 0; i < n; i++) items.unshift(this.value(this.pop(at), at, globalsAllowed));
    return items;
  }
  /** Everything above the topmost MARK, which is removed too. */
  private popMark(at: number, globalsAllowed = false): PickleValue[] {
    const mark = this.stack.lastIndexOf(MARK);
    if (mark < 0) throw this.fail('no MARK on the stack', at);
    const items = this.stack.splice(mark).slice(1);
    return items.map((v) => this.value(v, at, globalsAllowed));
  }
  private recall(index: number, at: number): StackItem {
    const v = this.memo.get(index);
    if (v === undefined) throw this.fail(`memo entry ${index} is not defined`, at);
    return v;
  }
  /** A stack item that must be a plain value (or, where allowed, a global reference). */
  private value(v: StackItem, at: number, globalsAllowed = false): PickleValue {
    if (v === MARK) throw this.fail('unexpected MARK on the stack', at);
    if (isGlobal(v) && !globalsAllowed) throw this.fail(`global ${v.module}.${v.name} used as a value`, at);
    return v as PickleValue;
  }
  private list(at: number): PickleValue[] {
    const target = this.top(at);
    if (!Array.isArray(target)) throw this.fail('APPEND(S) to something that is not a list', at);
    return target;
  }
  private dict(at: number): Map<string, PickleValue> {
    const target = this.top(at);
    if (!(target instanceof Map)) throw this.fail('SETITEM(S) on something that is not a dict', at);
    return target;
  }
  /** Dict keys: str as is, bytes (Python 2 str) as latin1 text. */
  private key(k: PickleValue, at: number): string {
    if (typeof k === 'string') return k;
    if (k instanceof Uint8Array) return latin1(k);
    throw this.fail('dict key is neither a string nor bytes', at);
  }
}

function isGlobal(v: unknown): v is PickleGlobal {
  return typeof v === 'object' && v !== null && (v as PickleGlobal).kind === 'global';
}

/** Bytes as latin1 text (each byte one character). */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

/** ` ('R')` for a printable opcode byte. */
function printable(op: number): string {
  return op >= 0x20 && op < 0x7f ? ` ('${String.fromCharCode(op)}')` : '';
}
