/**
 * One Sparse VD layer's part of a run's report: its final weights with the pruned ones blank (a
 * dense kernel whole), the map of input pixels no kept weight reads (a first dense layer on
 * images), its dead units or filters (export's structure analysis), the animation over the
 * snapshots with the epoch in each frame, the pruned fraction at each snapshot as a small chart,
 * and the log alpha histogram with the threshold. Image files are written through the report's
 * writer and described in `images`.
 */
import { createHash } from 'node:crypto';
import type { LayerPicture, Snapshot } from '../store/snapshots.js';
import type { LayerStructure } from '../export/structure.js';
import { percent } from '../text/format.js';
import type { CheckpointAnalysis } from './analysis.js';
import { drawInputMap, inputMapCell } from './input-map.js';
import { encodeGif, encodePng } from './raster.js';
import { ANIMATION_MAX_WIDTH, drawWeights, epochStripHeight, weightLayout, weightScale, withEpochStrip, type WeightLayout } from './weight-images.js';
import { formatValue, histogram, lineChart } from './svg.js';
import { displayScale, esc, figure, img } from './html.js';
import type { ReportWriter } from './report-dir.js';

/** One image of the report. */
export interface ReportImage {
  file: string;
  kind: 'weights' | 'animation' | 'inputs';
  layer: string;
  width: number;
  height: number;
  /** Pixels of a cell, weights per cell side, and the grid of tiles (see weight-images.ts). */
  cell: WeightLayout['cell'];
  step: WeightLayout['step'];
  tiles: WeightLayout['tiles'];
  /** The kernel block shown. */
  block: number[];
  /** Colour saturates at |theta| = scale. */
  scale: number;
  /** weights: the checkpoint's epoch; animation: one per frame. */
  epochs: number[];
}

/** Delay between animation frames and on the last one, ms. */
const FRAME_MS = 400;
const LAST_FRAME_MS = 2000;
/** Most frames of an animation: more snapshots are thinned out evenly, keeping the first and last. */
export const MAX_FRAMES = 60;
/** Widest animation of a dense layer's stored block. */
const DENSE_ANIMATION_WIDTH = 600;

/** What a layer section is drawn from. */
export interface LayerSectionInput {
  name: string;
  analysis: CheckpointAnalysis | null;
  snapshots: Snapshot[];
  totalEpochs: number;
  writer: ReportWriter;
  images: ReportImage[];
}

/** At most `max` items of `items`, evenly spaced, the first and last included. */
function evenly<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const picked = new Set(Array.from({ length: max }, (_, i) => Math.round((i * (items.length - 1)) / (max - 1))));
  return items.filter((_, i) => picked.has(i));
}

/**
 * The stem of a layer's image files: its name where that is a safe file name, else the name made
 * safe plus a digest of the name itself, so `a b` and `a_b` never share a picture and a layer's
 * files keep their names from one report to the next.
 */
export function fileBase(layer: string): string {
  const safe = layer.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\./, '_');
  return safe === layer && !/-[0-9a-f]{8}$/.test(layer) ? layer : `${safe}-${createHash('sha256').update(layer).digest('hex').slice(0, 8)}`;
}

/** The anchor of a layer's section. */
export function layerAnchor(layer: string): string {
  return `layer-${fileBase(layer)}`;
}

/** The HTML of one layer's section. */
export function layerSection({ name, analysis, snapshots, totalEpochs, writer, images }: LayerSectionInput): string {
  const final = analysis?.pictures.find((p) => p.name === name) ?? null;
  const frames = snapshots.flatMap((s) => s.layers.filter((l) => l.name === name).map((l) => ({ epoch: s.epoch, picture: l })));
  const ref = final ?? frames[frames.length - 1].picture;
  const figures: string[] = [];
  const base = fileBase(name);
  if (final && analysis) {
    const layout = weightLayout(final.block);
    const scale = weightScale([final]);
    const file = `${base}-weights.png`;
    writer.write(file, encodePng(drawWeights(final, scale, layout)));
    images.push({ file, kind: 'weights', layer: name, width: layout.width, height: layout.height, cell: layout.cell, step: layout.step, tiles: layout.tiles, block: final.block, scale, epochs: [analysis.epoch] });
    const k = displayScale(layout.width, layout.height);
    figures.push(figure(img(file, layout.width, layout.height, `${name}: weights at epoch ${analysis.epoch}, pruned ones blank`, 'weights', k),
      `Epoch ${analysis.epoch} (latest checkpoint), threshold ${analysis.threshold}: ${final.kept} of ${final.size} weights kept (${percent(1 - final.kept / final.size)} pruned). ${blockText(final, layout)}${layout.step.rows * layout.step.cols === 1 ? ` Colour saturates at |θ| = ${formatValue(scale)}.` : ''}`, k * layout.width));
  }
  const map = analysis?.inputMap;
  if (map && analysis?.structure?.layers[0]?.layer === name) {
    const file = `${base}-inputs.png`;
    const image = drawInputMap(map);
    writer.write(file, encodePng(image));
    const cell = inputMapCell(map);
    images.push({ file, kind: 'inputs', layer: name, width: image.width, height: image.height, cell: { width: cell, height: cell }, step: { rows: 1, cols: 1 }, tiles: { rows: 1, cols: 1, count: 1 }, block: map.shape, scale: 1, epochs: [analysis.epoch] });
    const unused = map.unused.reduce((a, b) => a + b, 0);
    figures.push(figure(img(file, image.width, image.height, `${name}: input pixels no kept weight reads`, 'weights'),
      `Input pixels: ${unused} of ${map.unused.length} (${percent(unused / map.unused.length, 1)}) are read by no kept weight of ${esc(name)} (white); dark ones are read by at least one.`, image.width));
  }
  const usable = frames.filter((f) => sameBlock(f.picture, frames[frames.length - 1].picture));
  const shown = evenly(usable, MAX_FRAMES);
  if (shown.length > 0) {
    const block = shown[0].picture.block;
    const layout = weightLayout(block, block.length === 2 ? DENSE_ANIMATION_WIDTH : ANIMATION_MAX_WIDTH);
    const scale = weightScale(shown.map((f) => f.picture));
    const file = `${base}-training.gif`;
    const gif = encodeGif(shown.map((f) => withEpochStrip(drawWeights(f.picture, scale, layout), f.epoch, totalEpochs)), FRAME_MS, LAST_FRAME_MS);
    writer.write(file, gif);
    const height = layout.height + epochStripHeight(layout.width);
    images.push({ file, kind: 'animation', layer: name, width: layout.width, height, cell: layout.cell, step: layout.step, tiles: layout.tiles, block, scale, epochs: shown.map((f) => f.epoch) });
    const k = displayScale(layout.width, height);
    const count = shown.length === usable.length ? `${usable.length} snapshot(s)` : `${shown.length} of ${usable.length} snapshots, evenly picked,`;
    figures.push(figure(img(file, layout.width, height, `${name}: weights over training`, 'weights', k),
      `Over training: ${count} at epochs ${shown[0].epoch}–${shown[shown.length - 1].epoch}, each frame labelled with its epoch out of ${totalEpochs}. ${blockText(shown[0].picture, layout)}${layout.step.rows * layout.step.cols === 1 ? ` One colour scale for all frames (|θ| = ${formatValue(scale)}).` : ''}`, k * layout.width));
    figures.push(figure(lineChart({
      title: `Pruned fraction of ${name}`, xLabel: 'epoch', xInteger: true, yFormat: 'percent', yZero: true, width: 300, height: 190,
      series: [{ name: 'pruned', points: frames.map((f) => [f.epoch, 1 - f.picture.kept / f.picture.size]) }],
    }), `The whole layer's pruned fraction at each of the ${frames.length} snapshot(s).`, 300));
  }
  const hist = analysis?.histograms.find((h) => h.layer === name);
  if (hist && analysis) {
    const pruned = final ? 1 - final.kept / final.size : null;
    figures.push(figure(histogram({
      title: `log α of ${name}`, xLabel: `log α (clipped to ±${analysis.clip})`, edges: hist.edges, counts: hist.counts, logCounts: true,
      markX: { x: analysis.threshold, label: `threshold ${analysis.threshold}${pruned === null ? '' : `: ${percent(pruned, 1)} pruned`}` },
    }), `Histogram of log α at epoch ${analysis.epoch}; weights right of the dashed line (log α ≥ threshold) are pruned.`, 430));
  }
  const shape = `[${ref.shape.join(', ')}]`;
  const structure = analysis?.structure?.layers.find((l) => l.layer === name);
  return [
    `<h3 id="${esc(layerAnchor(name))}">${esc(name)} <small>(${esc(ref.type)}, kernel ${shape})</small></h3>`,
    structure ? `<p class="dead">${deadText(structure)}</p>` : '',
    `<div class="grid">${figures.join('\n')}</div>`,
  ].join('\n');
}

/** Dead units of a layer in words. */
function deadText(s: LayerStructure): string {
  const unit = s.kind === 'filters' ? 'filters' : 'units';
  const parts = [`<b>${s.width - s.removable} of ${s.width} ${unit} alive</b>`, `${s.deadIn} receive no kept weight (dead in${s.constant ? `, ${s.constant} of them with a constant nonzero output` : ''})`, `${s.deadOut} feed no kept weight of the next layer (dead out)`, `<code>svd export --shrink</code> removes ${s.removable}`];
  return parts.join('; ') + '.';
}

function sameBlock(a: LayerPicture, b: LayerPicture): boolean {
  return a.block.length === b.block.length && a.block.every((v, i) => v === b.block[i]);
}

function blockText(p: LayerPicture, layout: WeightLayout): string {
  const whole = p.block.every((v, i) => v === p.shape[i]);
  const shown = whole ? 'All weights shown' : `Shown: the leading block [${p.block.join(', ')}] of [${p.shape.join(', ')}]`;
  if (layout.kind === 'dense') {
    const { rows, cols } = layout.step;
    const sampled = rows * cols > 1 ? `, each cell a block of ${rows} x ${cols} weights, grey when any is kept and darker the more are (white: all pruned)` : '';
    return `${shown}; rows are inputs, columns units${sampled}.`;
  }
  const [, , cin, cout] = p.block;
  return cin === 1 ? `${shown}: ${cout} filters of ${p.block[0]}x${p.block[1]}, in ${layout.tiles.rows} rows of ${layout.tiles.cols}.` : `${shown}: rows are ${cin} input channels, columns ${cout} filters.`;
}
