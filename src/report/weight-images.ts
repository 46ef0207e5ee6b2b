/**
 * Pictures of a Sparse VD layer's weights with the pruned ones blanked (white), from the block a
 * LayerPicture holds. A dense kernel [in, units] is one image of the matrix (rows: inputs,
 * columns: units). A conv kernel [kh, kw, in, filters] is a grid of kh x kw tiles with 2-pixel
 * grey lines between them: with one input channel the filters fill a near-square grid
 * (ceil(sqrt(filters)) columns, row by row), otherwise rows are input channels and columns
 * filters. Each weight is a square of `cell` pixels: up to 8, smaller where the image would pass
 * 1200 pixels (conv; 640 for animations) or 400 pixels (dense) across.
 */
import type { LayerPicture } from '../store/snapshots.js';
import { BAR_BACK, BAR_FILL, GAP, PRUNED, blankImage, fillRect, weightIndex, type IndexedImage } from './raster.js';

/** Pixels of the lines between tiles and around the image. */
export const GAP_PX = 2;
/** Height of the progress bar under each animation frame. */
export const BAR_PX = 6;
const MAX_CELL = 8;
const CONV_MAX_WIDTH = 1200;
/** Widest animation of a conv layer (each frame is stored whole). */
export const ANIMATION_MAX_WIDTH = 640;
const DENSE_MAX_SIDE = 400;

/** Where the weights of a block go in its picture. */
export interface WeightLayout {
  kind: 'dense' | 'conv';
  width: number;
  height: number;
  /** Pixels per weight (square). */
  cell: number;
  /** Tiles of the grid (dense: one tile, the matrix); `count` of them hold weights. */
  tiles: { rows: number; cols: number; count: number };
}

/** The layout of the picture of a kernel block (dense [rows, cols] or conv [kh, kw, in, filters]), at most `maxWidth` pixels across where it can. */
export function weightLayout(block: readonly number[], maxWidth = CONV_MAX_WIDTH): WeightLayout {
  if (block.length === 4) {
    const [kh, kw, cin, cout] = block;
    const count = cin * cout;
    const cols = cin === 1 ? Math.ceil(Math.sqrt(cout)) : cout;
    const rows = cin === 1 ? Math.ceil(cout / cols) : cin;
    const cell = clamp(Math.floor((maxWidth - (cols + 1) * GAP_PX) / (cols * kw)), 1, MAX_CELL);
    return { kind: 'conv', cell, tiles: { rows, cols, count }, width: cols * kw * cell + (cols + 1) * GAP_PX, height: rows * kh * cell + (rows + 1) * GAP_PX };
  }
  if (block.length === 2) {
    const [rows, cols] = block;
    const cell = clamp(Math.floor(Math.min(DENSE_MAX_SIDE, maxWidth) / Math.max(rows, cols)), 1, MAX_CELL);
    return { kind: 'dense', cell, tiles: { rows: 1, cols: 1, count: 1 }, width: cols * cell + 2 * GAP_PX, height: rows * cell + 2 * GAP_PX };
  }
  throw new Error(`no picture for a kernel block of shape [${block.join(', ')}]`);
}

/** The picture of `p`'s block in `layout`'s size: kept weights coloured at `scale`, pruned ones white. */
export function drawWeights(p: LayerPicture, scale: number, layout = weightLayout(p.block)): IndexedImage {
  const img = blankImage(layout.width, layout.height, GAP);
  const { cell } = layout;
  const put = (x: number, y: number, i: number) => fillRect(img, x, y, cell, cell, p.keep[i] ? weightIndex(p.theta[i], scale) : PRUNED);
  if (layout.kind === 'dense') {
    const [rows, cols] = p.block;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) put(GAP_PX + c * cell, GAP_PX + r * cell, r * cols + c);
    return img;
  }
  const [kh, kw, cin, cout] = p.block;
  for (let c = 0; c < cin; c++) {
    for (let f = 0; f < cout; f++) {
      const [row, col] = cin === 1 ? [Math.floor(f / layout.tiles.cols), f % layout.tiles.cols] : [c, f];
      const x0 = GAP_PX + col * (kw * cell + GAP_PX);
      const y0 = GAP_PX + row * (kh * cell + GAP_PX);
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) put(x0 + x * cell, y0 + y * cell, ((y * kw + x) * cin + c) * cout + f);
    }
  }
  return img;
}

/**
 * The colour scale of pictures of `pictures`: the 99th percentile of |theta| over their kept
 * weights (so one outlier does not wash the rest out); 1 when nothing is kept.
 */
export function weightScale(pictures: readonly LayerPicture[]): number {
  const values: number[] = [];
  for (const p of pictures) for (let i = 0; i < p.theta.length; i++) if (p.keep[i]) values.push(Math.abs(p.theta[i]));
  if (values.length === 0) return 1;
  values.sort((a, b) => a - b);
  const q = values[Math.min(values.length - 1, Math.floor(0.99 * values.length))];
  return q > 0 ? q : 1;
}

/** `img` with a progress bar under it, filled to `fraction` (0..1) of its width. */
export function withProgressBar(img: IndexedImage, fraction: number): IndexedImage {
  const out = blankImage(img.width, img.height + BAR_PX, BAR_BACK);
  out.pixels.set(img.pixels);
  fillRect(out, 0, img.height + 1, Math.round(clamp(fraction, 0, 1) * img.width), BAR_PX - 2, BAR_FILL);
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
