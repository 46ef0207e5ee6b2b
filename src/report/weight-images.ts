/**
 * Pictures of a Sparse VD layer's weights with the pruned ones blanked (white), from the block a
 * LayerPicture holds. A dense kernel [in, units] is one image of the matrix (rows: inputs,
 * columns: units), whole: each weight a cell of 2 to 8 pixels; along a side of more than 300
 * weights, cells stand for blocks of weights (800 x 500: blocks of 3 x 2), shaded by the
 * fraction of them kept, never paler than mid grey when one is, white only when all are pruned,
 * so no kept weight disappears and the rows and columns left alive stand out; a narrow matrix
 * (the 500 x 10 of a last layer) gets wider cells, so it is not a thin strip. A conv
 * kernel [kh, kw, in, filters] is a grid of kh x kw tiles with 2-pixel grey lines between them:
 * with one input channel the filters fill a near-square grid (ceil(sqrt(filters)) columns, row by
 * row), otherwise rows are input channels and columns filters; a weight is a square of up to 8
 * pixels, smaller where the image would pass 1200 pixels across (640 for animations). Animation
 * frames get a strip below with the epoch written in it and a bar of the epoch out of the run's.
 */
import type { LayerPicture } from '../store/snapshots.js';
import { BAR_BACK, BAR_FILL, GAP, INK, PRUNED, blankImage, densityIndex, fillRect, weightIndex, type IndexedImage } from './raster.js';
import { GLYPH_HEIGHT, drawText } from './bitmap-font.js';
import { PICTURE_MAX_CELLS } from '../layers/pictures.js';

/** Pixels of the lines between tiles and around the image. */
export const GAP_PX = 2;
const MAX_CELL = 8;
const CONV_MAX_WIDTH = 1200;
/** Widest animation of a conv layer (each frame is stored whole). */
export const ANIMATION_MAX_WIDTH = 640;
/** Dense: at most PICTURE_MAX_CELLS cells along a side (more weights are downsampled into blocks) ... */
/** ... sized so the longer side is about this many pixels, a cell 2 to 8 pixels ... */
const DENSE_SIDE = 600;
const DENSE_MIN_CELL = 2;
/** ... and the shorter side widened (cells up to DENSE_MAX_STRETCH pixels long) to at least this many pixels. */
const DENSE_MIN_SIDE = 200;
const DENSE_MAX_STRETCH = 32;

/** Where the weights of a block go in its picture. */
export interface WeightLayout {
  kind: 'dense' | 'conv';
  width: number;
  height: number;
  /** Pixels of a cell (a weight, or a block of step.rows x step.cols weights). */
  cell: { width: number; height: number };
  /** Weights along each side of a cell: 1, or more where a dense matrix is downsampled. */
  step: { rows: number; cols: number };
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
    return { kind: 'conv', cell: { width: cell, height: cell }, step: { rows: 1, cols: 1 }, tiles: { rows, cols, count }, width: cols * kw * cell + (cols + 1) * GAP_PX, height: rows * kh * cell + (rows + 1) * GAP_PX };
  }
  if (block.length === 2) {
    const maxCells = Math.min(PICTURE_MAX_CELLS, Math.floor(maxWidth / DENSE_MIN_CELL));
    const step = { rows: Math.ceil(block[0] / maxCells), cols: Math.ceil(block[1] / maxCells) };
    const [rows, cols] = [Math.ceil(block[0] / step.rows), Math.ceil(block[1] / step.cols)];
    const side = clamp(Math.floor(Math.min(DENSE_SIDE, maxWidth) / Math.max(rows, cols)), DENSE_MIN_CELL, MAX_CELL);
    const widen = (n: number) => (n * side >= DENSE_MIN_SIDE ? side : Math.min(DENSE_MAX_STRETCH, Math.ceil(DENSE_MIN_SIDE / n)));
    const cell = { width: widen(cols), height: widen(rows) };
    return { kind: 'dense', cell, step, tiles: { rows: 1, cols: 1, count: 1 }, width: cols * cell.width + 2 * GAP_PX, height: rows * cell.height + 2 * GAP_PX };
  }
  throw new Error(`no picture for a kernel block of shape [${block.join(', ')}]`);
}

/** The picture of `p`'s block in `layout`'s size: kept weights coloured at `scale`, pruned ones white. */
export function drawWeights(p: LayerPicture, scale: number, layout = weightLayout(p.block)): IndexedImage {
  const img = blankImage(layout.width, layout.height, GAP);
  const { width: cw, height: ch } = layout.cell;
  const theta = p.theta;
  const put = (x: number, y: number, i: number) => {
    if (!theta) throw new Error(`the picture of ${p.name} holds no weights, only its mask: it can be drawn only in blocks`);
    fillRect(img, x, y, cw, ch, p.keep[i] ? weightIndex(theta[i], scale) : PRUNED);
  };
  if (layout.kind === 'dense') {
    const [rows, cols] = p.block;
    const { rows: sr, cols: sc } = layout.step;
    if (sr === 1 && sc === 1) {
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) put(GAP_PX + c * cw, GAP_PX + r * ch, r * cols + c);
      return img;
    }
    for (let gr = 0; gr * sr < rows; gr++) {
      for (let gc = 0; gc * sc < cols; gc++) {
        let kept = 0;
        let total = 0;
        for (let r = gr * sr; r < Math.min(rows, (gr + 1) * sr); r++) {
          for (let c = gc * sc; c < Math.min(cols, (gc + 1) * sc); c++) {
            kept += p.keep[r * cols + c];
            total++;
          }
        }
        fillRect(img, GAP_PX + gc * cw, GAP_PX + gr * ch, cw, ch, kept ? densityIndex(kept / total) : PRUNED);
      }
    }
    return img;
  }
  const [kh, kw, cin, cout] = p.block;
  for (let c = 0; c < cin; c++) {
    for (let f = 0; f < cout; f++) {
      const [row, col] = cin === 1 ? [Math.floor(f / layout.tiles.cols), f % layout.tiles.cols] : [c, f];
      const x0 = GAP_PX + col * (kw * cw + GAP_PX);
      const y0 = GAP_PX + row * (kh * ch + GAP_PX);
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) put(x0 + x * cw, y0 + y * ch, ((y * kw + x) * cin + c) * cout + f);
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
  for (const { theta, keep } of pictures) if (theta) for (let i = 0; i < theta.length; i++) if (keep[i]) values.push(Math.abs(theta[i]));
  if (values.length === 0) return 1;
  values.sort((a, b) => a - b);
  const q = values[Math.min(values.length - 1, Math.floor(0.99 * values.length))];
  return q > 0 ? q : 1;
}

/** Scale of the epoch text under a frame `width` pixels wide. */
function textScale(width: number): number {
  return width >= 160 ? 2 : 1;
}

/** Height of the strip `withEpochStrip` adds under a frame `width` pixels wide: text, padding and a 3-pixel bar. */
export function epochStripHeight(width: number): number {
  return GLYPH_HEIGHT * textScale(width) + 4 + 4;
}

/** `img` with a strip under it reading `epoch E/TOTAL` and a bar filled to E/TOTAL of its width. */
export function withEpochStrip(img: IndexedImage, epoch: number, totalEpochs: number): IndexedImage {
  const k = textScale(img.width);
  const out = blankImage(img.width, img.height + epochStripHeight(img.width), BAR_BACK);
  out.pixels.set(img.pixels);
  drawText(out, 3, img.height + 2, `epoch ${epoch}/${totalEpochs}`, k, INK);
  const fraction = clamp(epoch / Math.max(1, totalEpochs), 0, 1);
  fillRect(out, 0, out.height - 3, Math.round(fraction * img.width), 3, BAR_FILL);
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
