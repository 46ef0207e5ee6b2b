/**
 * The picture of the input pixels a first dense layer on images never reads (src/report/analysis.ts
 * computes them with export's structure analysis): one square per pixel, white where no kept
 * weight reads it (in any channel), dark where some do, in a thin grey frame.
 */
import type { InputMap } from './analysis.js';
import { GAP, PRUNED, blankImage, densityIndex, fillRect, type IndexedImage } from './raster.js';
import { GAP_PX } from './weight-images.js';

/** Pixels per input pixel: the map is about 224 pixels across. */
export function inputMapCell(map: InputMap): number {
  return Math.max(1, Math.min(8, Math.floor(224 / Math.max(map.shape[0], map.shape[1]))));
}

/** The map as an image. */
export function drawInputMap(map: InputMap): IndexedImage {
  const [h, w] = map.shape;
  const cell = inputMapCell(map);
  const img = blankImage(w * cell + 2 * GAP_PX, h * cell + 2 * GAP_PX, GAP);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) fillRect(img, GAP_PX + x * cell, GAP_PX + y * cell, cell, cell, map.unused[y * w + x] ? PRUNED : densityIndex(1));
  return img;
}
