/**
 * Paletted images for the report's weight pictures, and their encoders: PNG through `pngjs`,
 * animated GIF through `gifenc`. One fixed palette serves every picture, so the frames of an
 * animation need no quantisation and colours mean the same in every image:
 * white = pruned weight, grey = the lines between tiles, light grey to red = kept positive weight,
 * light grey to blue = kept negative weight (full colour at the picture's scale and beyond).
 */
import { PNG } from 'pngjs';
import gifenc from 'gifenc';

/** Palette indices with a fixed meaning. */
export const PRUNED = 0;
export const GAP = 1;
export const BAR_BACK = 2;
export const BAR_FILL = 3;
/** Kept weights use indices RAMP_ZERO - RAMP_STEPS .. RAMP_ZERO + RAMP_STEPS. */
const RAMP_STEPS = 125;
const RAMP_ZERO = 4 + RAMP_STEPS;

const ZERO_RGB = [220, 220, 220];
const POSITIVE_RGB = [178, 24, 43];
const NEGATIVE_RGB = [33, 102, 172];

/** The 256 colours, RGB. */
export const PALETTE: number[][] = (() => {
  const palette: number[][] = [[255, 255, 255], [128, 128, 128], [221, 221, 221], [51, 51, 51]];
  for (let i = -RAMP_STEPS; i <= RAMP_STEPS; i++) {
    const t = Math.abs(i) / RAMP_STEPS;
    const end = i < 0 ? NEGATIVE_RGB : POSITIVE_RGB;
    palette.push(ZERO_RGB.map((z, c) => Math.round(z + (end[c] - z) * t)));
  }
  while (palette.length < 256) palette.push([0, 0, 0]);
  return palette;
})();

/** The palette index of a kept weight `w` shown at `scale` (|w| >= scale: full colour). */
export function weightIndex(w: number, scale: number): number {
  const v = Math.max(-1, Math.min(1, scale > 0 ? w / scale : 0));
  return RAMP_ZERO + Math.round(v * RAMP_STEPS);
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
