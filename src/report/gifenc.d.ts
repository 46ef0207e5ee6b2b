/**
 * Types of the parts of `gifenc` (an animated GIF encoder without bundled types) that
 * src/report/raster.ts uses.
 */
declare module 'gifenc' {
  /** A GIF stream being written. */
  interface GifStream {
    writeFrame(index: Uint8Array, width: number, height: number, opts?: { palette?: number[][]; delay?: number; repeat?: number; first?: boolean }): void;
    finish(): void;
    bytes(): Uint8Array;
  }
  /** The package is CommonJS: from ESM only its default export is reliable. */
  const gifenc: {
    /** Starts a GIF stream (header and global palette written with the first frame). */
    GIFEncoder(opts?: { auto?: boolean; initialCapacity?: number }): GifStream;
  };
  export default gifenc;
}
