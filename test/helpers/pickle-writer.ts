/**
 * Test helper: writes pickles with the same opcode structure as the real CIFAR python batches
 * and as Python 3 writes such dicts, so the restricted reader is tested on what it will meet:
 * - `py2`: protocol 2 as Python 2's cPickle wrote the official files: SHORT_BINSTRING keys and
 *   strings, `GLOBAL numpy.core.multiarray _reconstruct`, dtype flags as ints, the pixel bytes
 *   as one BINSTRING, BINPUT after every object;
 * - `py3-proto2`: Python 3 with protocol 2: bytes as `_codecs.encode(str, 'latin1')` + REDUCE,
 *   BINUNICODE, BINGET of memoized globals, `numpy._core.multiarray` (numpy 2);
 * - `py3-proto4`: Python 3 with protocol 4: FRAME, MEMOIZE, SHORT_BINBYTES/BINBYTES,
 *   SHORT_BINUNICODE + STACK_GLOBAL.
 * Also raw opcode building for malicious or malformed pickles.
 */

/** A pickle dialect. */
export type PickleStyle = 'py2' | 'py3-proto2' | 'py3-proto4';

/** Values the writer knows: byte strings, ints, lists, a uint8 matrix, dicts with byte-string keys. */
export type PyValue = Uint8Array | number | PyValue[] | UInt8Matrix | Map<string, PyValue>;

/** A numpy uint8 array of shape [rows, cols]. */
export class UInt8Matrix {
  constructor(readonly rows: number, readonly cols: number, readonly data: Uint8Array) {}
}

/** The pickle of `value` in `style`. */
export function encodePickle(value: PyValue, style: PickleStyle): Buffer {
  const w = new Writer(style);
  w.proto();
  w.value(value);
  return w.finish();
}

/** Bytes of an ASCII/latin1 string. */
export function b(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Opcode-level builder (also used to write malicious pickles). */
export class Writer {
  private readonly parts: number[][] = [];
  private memo = 0;
  private readonly globals = new Map<string, number>();
  private codecsEncode = -1;
  private latin1Name = -1;

  constructor(readonly style: PickleStyle) {}

  raw(...bytes: number[]): this {
    this.parts.push(bytes);
    return this;
  }
  ascii(text: string): number[] {
    return Array.from(text, (c) => c.charCodeAt(0));
  }
  private u32(n: number): number[] {
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  }

  proto(): void {
    this.raw(0x80, this.style === 'py3-proto4' ? 4 : 2);
    // py3-proto4 frames: one FRAME opcode with the (ignored) length of the rest.
    if (this.style === 'py3-proto4') this.raw(0x95, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  /** BINPUT / MEMOIZE after an object; returns its memo index. */
  put(): number {
    const index = this.memo++ + (this.style === 'py2' ? 1 : 0); // cPickle counts from 1
    if (this.style === 'py3-proto4') this.raw(0x94);
    else if (index < 256) this.raw(0x71, index); // BINPUT
    else this.raw(0x72, ...this.u32(index)); // LONG_BINPUT
    return index;
  }
  get(index: number): void {
    if (index < 256) this.raw(0x68, index); // BINGET
    else this.raw(0x6a, ...this.u32(index)); // LONG_BINGET
  }

  int(n: number): void {
    if (n >= 0 && n < 256) this.raw(0x4b, n);
    else if (n >= 0 && n < 65536) this.raw(0x4d, n & 0xff, n >> 8);
    else this.raw(0x4a, ...this.u32(n));
  }

  /** A Python str (py3 text). */
  text(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    if (this.style === 'py3-proto4' && bytes.length < 256) this.parts.push([0x8c, bytes.length], bytes as unknown as number[]);
    else this.parts.push([0x58, ...this.u32(bytes.length)], bytes as unknown as number[]);
    this.put();
  }

  /** A byte string: py2 str, py3 bytes. */
  bytes(data: Uint8Array): void {
    if (this.style === 'py2') {
      if (data.length < 256) this.raw(0x55, data.length, ...data);
      else this.parts.push([0x54, ...this.u32(data.length)], data as unknown as number[]);
      this.put();
    } else if (this.style === 'py3-proto4') {
      if (data.length < 256) this.raw(0x43, data.length, ...data);
      else this.parts.push([0x42, ...this.u32(data.length)], data as unknown as number[]);
      this.put();
    } else {
      // _codecs.encode(str, 'latin1'): GLOBAL once, then BINGET
      if (this.codecsEncode < 0) {
        this.raw(0x63, ...this.ascii('_codecs\nencode\n'));
        this.codecsEncode = this.put();
      } else this.get(this.codecsEncode);
      this.text(Buffer.from(data).toString('latin1'));
      if (this.latin1Name < 0) {
        this.text('latin1');
        this.latin1Name = this.memo - 1;
      } else this.get(this.latin1Name);
      this.raw(0x86); // TUPLE2
      this.put();
      this.raw(0x52); // REDUCE
      this.put();
    }
  }

  /** A global, memoized and reused the way Python does. */
  global(module: string, name: string): void {
    const key = `${module} ${name}`;
    const seen = this.globals.get(key);
    if (seen !== undefined) return this.get(seen);
    if (this.style === 'py3-proto4') {
      this.text(module);
      this.text(name);
      this.raw(0x93);
    } else {
      this.raw(0x63, ...this.ascii(`${module}\n${name}\n`));
    }
    this.globals.set(key, this.put());
  }

  value(v: PyValue): void {
    if (typeof v === 'number') return this.int(v);
    if (v instanceof Uint8Array) return this.bytes(v);
    if (v instanceof UInt8Matrix) return this.matrix(v);
    if (Array.isArray(v)) {
      this.raw(0x5d);
      this.put();
      if (v.length === 0) return;
      this.raw(0x28);
      for (const item of v) this.value(item);
      this.raw(0x65);
      return;
    }
    this.raw(0x7d);
    this.put();
    this.raw(0x28);
    for (const [k, item] of v) {
      this.bytes(b(k));
      this.value(item);
    }
    this.raw(0x75);
  }

  /** A numpy uint8 array, as numpy's __reduce__ pickles it. */
  matrix(m: UInt8Matrix): void {
    const py2 = this.style === 'py2';
    this.global(py2 ? 'numpy.core.multiarray' : 'numpy._core.multiarray', '_reconstruct');
    this.global('numpy', 'ndarray');
    this.int(0);
    this.raw(0x85); // TUPLE1
    this.put();
    this.bytes(b('b'));
    this.raw(0x87); // TUPLE3
    this.put();
    this.raw(0x52); // REDUCE
    this.put();
    this.raw(0x28); // MARK state
    this.int(1);
    this.int(m.rows);
    this.int(m.cols);
    this.raw(0x86); // TUPLE2 shape
    this.put();
    this.global('numpy', 'dtype');
    if (py2) this.bytes(b('u1'));
    else this.text('u1');
    if (py2) {
      this.int(0);
      this.int(1);
    } else this.raw(0x89, 0x88);
    this.raw(0x87); // TUPLE3
    this.put();
    this.raw(0x52); // REDUCE
    this.put();
    this.raw(0x28, 0x4b, 3);
    if (py2) this.bytes(b('|'));
    else this.text('|');
    this.raw(0x4e, 0x4e, 0x4e, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4b, 0, 0x74); // None x3, -1, -1, 0, TUPLE
    this.put();
    this.raw(0x62, 0x89); // BUILD, NEWFALSE (fortran order)
    this.bytes(m.data);
    this.raw(0x74); // TUPLE (state)
    this.put();
    this.raw(0x62); // BUILD
  }

  finish(): Buffer {
    this.raw(0x2e);
    return Buffer.concat(this.parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p))));
  }
}

/** A pickle that would run `os.system(command)` if unpickled naively (GLOBAL + REDUCE). */
export function maliciousPickle(command: string, style: 'global' | 'stack-global' = 'global'): Buffer {
  const w = new Writer(style === 'global' ? 'py2' : 'py3-proto4');
  w.proto();
  if (style === 'global') {
    w.raw(0x63, ...w.ascii('os\nsystem\n'));
  } else {
    w.text('os');
    w.text('system');
    w.raw(0x93);
  }
  w.text(command);
  w.raw(0x85, 0x52); // TUPLE1 REDUCE
  return w.finish();
}
