/**
 * A tiny bitmap font for text drawn into the report's paletted images (the epoch under each
 * animation frame): 3 x 5 pixel glyphs for digits, the letters of "epoch", "of", space and a few
 * signs, drawn `scale` times their size. A character it lacks is drawn as a blank.
 */
import { fillRect, type IndexedImage } from './raster.js';

/** Glyph size in font pixels, and the space between glyphs. */
export const GLYPH_WIDTH = 3;
export const GLYPH_HEIGHT = 5;
const SPACING = 1;

/** Rows of each glyph, top first; '#' is ink. */
const GLYPHS: Record<string, string[]> = {
  '0': ['###', '#.#', '#.#', '#.#', '###'],
  '1': ['.#.', '##.', '.#.', '.#.', '###'],
  '2': ['###', '..#', '###', '#..', '###'],
  '3': ['###', '..#', '.##', '..#', '###'],
  '4': ['#.#', '#.#', '###', '..#', '..#'],
  '5': ['###', '#..', '###', '..#', '###'],
  '6': ['###', '#..', '###', '#.#', '###'],
  '7': ['###', '..#', '.#.', '.#.', '.#.'],
  '8': ['###', '#.#', '###', '#.#', '###'],
  '9': ['###', '#.#', '###', '..#', '###'],
  e: ['...', '###', '#.#', '##.', '.##'],
  p: ['...', '##.', '#.#', '##.', '#..'],
  o: ['...', '.#.', '#.#', '#.#', '.#.'],
  c: ['...', '.##', '#..', '#..', '.##'],
  h: ['#..', '#..', '##.', '#.#', '#.#'],
  f: ['.##', '#..', '##.', '#..', '#..'],
  '/': ['..#', '..#', '.#.', '#..', '#..'],
  '.': ['...', '...', '...', '...', '.#.'],
  '%': ['#.#', '..#', '.#.', '#..', '#.#'],
  ' ': ['...', '...', '...', '...', '...'],
};

/** Width in image pixels of `text` drawn at `scale`. */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * (GLYPH_WIDTH + SPACING) - SPACING) * scale;
}

/** Draws `text` with its top-left corner at (x, y) in palette index `ink`; what falls outside the image is clipped. */
export function drawText(img: IndexedImage, x: number, y: number, text: string, scale: number, ink: number): void {
  [...text].forEach((ch, k) => {
    const rows = GLYPHS[ch] ?? GLYPHS[' '];
    const gx = x + k * (GLYPH_WIDTH + SPACING) * scale;
    rows.forEach((row, r) => {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (row[c] !== '#') continue;
        const px = gx + c * scale;
        const py = y + r * scale;
        if (px < 0 || py < 0 || px + scale > img.width || py + scale > img.height) continue;
        fillRect(img, px, py, scale, scale, ink);
      }
    });
  });
}
