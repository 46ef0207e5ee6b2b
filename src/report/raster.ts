/**
 * Paletted images for the report's weight pictures, and their encoders: PNG through `pngjs`,
 * animated GIF through `gifenc`. One fixed palette serves every picture, so the frames of an
 * animation need no quantisation and colours mean the same in every image:
 * white = pruned weight, grey = the lines between tiles, light grey to red = kept positive weight,
 * light grey to blue = kept negative weight (full colour at the picture's scale and beyond), and
 * a ramp from mid grey to near black for the kept fraction of a block of weights (downsampled
 * kernels; mid grey already for one kept weight, so it shows).
 */
import { PNG } from 'pngjs';
import gifenc from 'gifenc';

/** Palette indices with a fixed meaning. */
export const PRUNED = 0;
export const GAP = 1;
export const BAR_BACK = 2;
export const BAR_FILL = 3;
/** Text drawn into frames. */
export const INK = 4;
/** Kept weights use indices RAMP_ZERO - RAMP_STEPS .. RAMP_ZERO + RAMP_STEPS. */
const RAMP_STEPS = 100;
const RAMP_ZERO = 5 + RAMP_STEPS;
/** Kept fractions use DENSITY_FIRST .. DENSITY_FIRST + DENSITY_STEPS - 1 (mid grey: few kept, near black: all). */
const DENSITY_FIRST = RAMP_ZERO + RAMP_STEPS + 1;
const DENSITY_STEPS = 256 - DENSITY_FIRST;
const DENSITY_LOW = [150, 150, 150];
const DENSITY_HIGH = [20, 20, 20];

const ZERO_RGB = [220, 220, 220];
const POSITIVE_RGB = [178, 24, 43];
const NEGATIVE_RGB = [33, 102, 172];

/** The 256 colours, RGB. */
export const PALETTE: number[][] = (() => {
  const palette: number[][] = [[255, 255, 255], [128, 128, 128], [221, 221, 221], [51, 51, 51], [0, 0, 0]];
  for (let i = -RAMP_STEPS; i <= RAMP_STEPS; i++) {
    const t = Math.abs(i) / RAMP_STEPS;
    const end = i < 0 ? NEGATIVE_RGB : POSITIVE_RGB;
    palette.push(ZERO_RGB.map((z, c) => Math.round(z + (end[c] - z) * t)));
  }
  for (let i = 0; i < DENSITY_STEPS; i++) {
    const t = i / (DENSITY_STEPS - 1);
    palette.push(DENSITY_LOW.map((lo, c) => Math.round(lo + (DENSITY_HIGH[c] - lo) * t)));
  }
  return palette;
})();

/** The palette index of a kept weight `w` shown at `scale` (|w| >= scale: full colour). */
export function weightIndex(w: number, scale: number): number {
  const v = Math.max(-1, Math.min(1, scale > 0 ? w / scale : 0));
  return RAMP_ZERO + Math.round(v * RAMP_STEPS);
}

/** The palette index of a block of weights of which `fraction` (0 < fraction <= 1) is kept. */
export function densityIndex(fraction: number): number {
  return DENSITY_FIRST + Math.round(Math.max(0, Math.min(1, fraction)) * (DENSITY_STEPS - 1));
}

/** An image of palette indices, row-major. */
export interface IndexedImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** A `width` x `height` image filled with palette index `fill`. */
export function blankImage(width: number, height: number, fill: number): IndexedImage {
  return { width, height, pixels: new Uint8Array(width * height).fill(fill) };
}

/** Fills the rectangle at (x, y) of size w x h with index `value`. */
export function fillRect(img: IndexedImage, x: number, y: number, w: number, h: number, value: number): void {
  for (let r = y; r < y + h; r++) img.pixels.fill(value, r * img.width + x, r * img.width + x + w);
}

/** The image as PNG bytes (RGBA, 8 bits per channel). */
export function encodePng(img: IndexedImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  for (let i = 0; i < img.pixels.length; i++) {
    const [r, g, b] = PALETTE[img.pixels[i]];
    png.data[4 * i] = r;
    png.data[4 * i + 1] = g;
    png.data[4 * i + 2] = b;
    png.data[4 * i + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** An animated GIF of `frames` (all of one size), looping forever; the last frame is held longer. */
export function encodeGif(frames: readonly IndexedImage[], delayMs: number, lastDelayMs: number): Uint8Array {
  if (frames.length === 0) throw new Error('encodeGif: no frames');
  const { width, height } = frames[0];
  const gif = gifenc.GIFEncoder();
  frames.forEach((frame, i) => {
    if (frame.width !== width || frame.height !== height) throw new Error('encodeGif: frames differ in size');
    gif.writeFrame(frame.pixels, width, height, { palette: i === 0 ? PALETTE : undefined, delay: i === frames.length - 1 ? lastDelayMs : delayMs, repeat: 0 });
  });
  gif.finish();
  return gif.bytes();
}
