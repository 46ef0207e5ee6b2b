/**
 * The report of one run, `RUN_DIR/report/`: `index.html` (curves over epochs from
 * metrics.jsonl; per Sparse VD layer the final weights with pruned ones blanked, their animation
 * over the snapshots, the log alpha histogram with the threshold; test error and compression as
 * the threshold varies; summary and config), the PNG and GIF files it shows, and `report.json`
 * (what was drawn, with image sizes, the histograms and the threshold curve) for scripts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import YAML from 'yaml';
import { SvdError } from '../errors.js';
import { readRunInfo, type MetricsLine } from '../store/run-info.js';
import { runPaths } from '../store/run-dir.js';
import { readSnapshots, type LayerPicture, type Snapshot } from '../store/snapshots.js';
import { duration, percent, times } from '../text/format.js';
import { analyseCheckpoint, type CheckpointAnalysis } from './analysis.js';
import { encodeGif, encodePng, PALETTE, PRUNED } from './raster.js';
import { ANIMATION_MAX_WIDTH, BAR_PX, drawWeights, weightLayout, weightScale, withProgressBar, type WeightLayout } from './weight-images.js';
import { histogram, lineChart, formatValue, type Series } from './svg.js';
import { displayScale, esc, figure, img, page, section, table } from './html.js';
import { ReportWriter, reportDirOf } from './report-dir.js';

/** Options of `writeRunReport`. */
export interface RunReportOptions {
  /** Thresholds of the threshold curve (default: `defaultThresholds`). */
  thresholds?: number[] | null;
  /** Hears what is being done (stderr). */
  progress?: (msg: string) => void;
}

/** One image of the report. */
export interface ReportImage {
  file: string;
  kind: 'weights' | 'animation';
  layer: string;
  width: number;
  height: number;
  /** Pixels per weight and the grid of tiles (see weight-images.ts). */
  cell: number;
  tiles: WeightLayout['tiles'];
  /** The kernel block shown. */
  block: number[];
  /** Colour saturates at |theta| = scale. */
  scale: number;
  /** weights: the checkpoint's epoch; animation: one per frame. */
  epochs: number[];
}

/** report.json of a run. */
export interface RunReportManifest {
  kind: 'run';
  runDir: string;
  created: string;
  checkpoint: { epoch: number; threshold: number; logAlphaClip: number } | null;
  /** Why something is missing (no checkpoint, no snapshots). */
  notes: string[];
  images: ReportImage[];
  histograms: CheckpointAnalysis['histograms'];
  thresholdCurve: CheckpointAnalysis['curve'];
  snapshots: number[];
}

/** What `writeRunReport` resolves to. */
export interface ReportResult {
  dir: string;
  index: string;
  manifest: RunReportManifest;
}

/** Delay between animation frames and on the last one, ms. */
const FRAME_MS = 500;
const LAST_FRAME_MS = 2000;
/** Most frames of an animation: more snapshots are thinned out evenly, keeping the first and last. */
export const MAX_FRAMES = 40;

/** At most `max` items of `items`, evenly spaced, the first and last included. */
function evenly<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const picked = new Set(Array.from({ length: max }, (_, i) => Math.round((i * (items.length - 1)) / (max - 1))));
  return items.filter((_, i) => picked.has(i));
}

/** Writes the report of the run in `runDir`. */
export async function writeRunReport(runDir: string, opts: RunReportOptions = {}): Promise<ReportResult> {
  const progress = opts.progress ?? (() => {});
  const info = readRunInfo(runDir);
  if (info.problems.length) throw info.problems[0];
  if (!info.resolved) throw new SvdError('E_RUN_DIR', `${runDir} is not a run directory (no resolved.json in it)`, { file: runDir });
  const config = info.resolved as { name?: string; sparsity?: { threshold?: number }; training?: { epochs?: number; snapshotEvery?: number } };
  const notes: string[] = [];
  const writer = new ReportWriter(reportDirOf(runDir));

  let analysis: CheckpointAnalysis | null = null;
  try {
    progress('loading the latest checkpoint');
    analysis = await analyseCheckpoint(runDir, opts.thresholds ?? null, progress);
  } catch (err) {
    if (!(err instanceof SvdError) || (err.code !== 'E_CHECKPOINT' && err.code !== 'E_DATA_MISSING' && err.code !== 'E_DATA_FORMAT')) throw err;
    notes.push(`No final weights, histograms or threshold curve: ${err.message}`);
  }
  const { snapshots, damaged } = readSnapshots(runDir);
  for (const problem of damaged) notes.push(`A snapshot is left out of the animation: ${problem.format()}`);
  if (snapshots.length === 0 && damaged.length === 0) notes.push('No animation: the run wrote no weight snapshots (set training.snapshotEvery, e.g. 5, before training).');

  try {
    const images: ReportImage[] = [];
    const layerSections: string[] = [];
    const totalEpochs = config.training?.epochs ?? Math.max(1, ...snapshots.map((s) => s.epoch));
    for (const name of layerNames(analysis, snapshots)) {
      layerSections.push(layerSection(name, analysis, snapshots, totalEpochs, writer, images));
    }
    const manifest: RunReportManifest = {
      kind: 'run', runDir: path.resolve(runDir), created: new Date().toISOString(),
      checkpoint: analysis && { epoch: analysis.epoch, threshold: analysis.threshold, logAlphaClip: analysis.clip },
      notes, images, histograms: analysis?.histograms ?? [], thresholdCurve: analysis?.curve ?? [], snapshots: snapshots.map((s) => s.epoch),
    };
    const summary = info.summary ?? {};
    const title = `svd report: ${config.name ?? path.basename(runDir)}`;
    const subtitle = `${path.resolve(runDir)} — ${summary.status ?? 'no summary'}, ${summary.epochs ?? 0} of ${config.training?.epochs ?? '?'} epochs, test error ${percent(summary.testError)}, compression ${times(summary.compression)}`;
    const body = [
      notes.length ? `<ul>${notes.map((n) => `<li class="note">${esc(n)}</li>`).join('')}</ul>` : '',
      section('curves', 'Training curves', [`<div class="grid">${curves(info.metrics).join('\n')}</div>`]),
      section('layers', 'Sparse VD layers', [legend(), ...(layerSections.length ? layerSections : ['<p>No Sparse VD layer pictures (no checkpoint and no snapshots).</p>'])]),
      section('threshold', 'Choosing the threshold', thresholdPart(analysis)),
      section('summary', 'Summary', summaryPart(info.summary as Record<string, unknown> | null)),
      section('config', 'Config', configPart(runDir, info.resolved, info.env)),
    ];
    return writer.finish(page(title, subtitle, body), manifest);
  } catch (err) {
    writer.abandon();
    throw err;
  }
}

/** Layer names in model order: the checkpoint's, then any only the snapshots have. */
function layerNames(analysis: CheckpointAnalysis | null, snapshots: Snapshot[]): string[] {
  const names = (analysis?.pictures ?? []).map((p) => p.name);
  for (const s of snapshots) for (const l of s.layers) if (!names.includes(l.name)) names.push(l.name);
  return names;
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

function layerSection(name: string, analysis: CheckpointAnalysis | null, snapshots: Snapshot[], totalEpochs: number, writer: ReportWriter, images: ReportImage[]): string {
  const final = analysis?.pictures.find((p) => p.name === name) ?? null;
  const frames = snapshots.flatMap((s) => s.layers.filter((l) => l.name === name).map((l) => ({ epoch: s.epoch, picture: l })));
  const ref = final ?? frames[frames.length - 1].picture;
  const figures: string[] = [];
  const base = fileBase(name);
  if (final && analysis) {
    const layout = weightLayout(final.block);
    const scale = weightScale([final]);
    const file = `${base}-weights.png`;
    writer.write(file, encodePng(drawWeights(final, scale)));
    images.push({ file, kind: 'weights', layer: name, width: layout.width, height: layout.height, cell: layout.cell, tiles: layout.tiles, block: final.block, scale, epochs: [analysis.epoch] });
    const k = displayScale(layout.width, layout.height);
    figures.push(figure(img(file, layout.width, layout.height, `${name}: weights at epoch ${analysis.epoch}, pruned ones blank`, 'weights', k),
      `Epoch ${analysis.epoch} (latest checkpoint), threshold ${analysis.threshold}: ${final.kept} of ${final.size} weights kept (${percent(1 - final.kept / final.size)} pruned). ${blockText(final, layout)} Colour saturates at |θ| = ${formatValue(scale)}.`, k * layout.width));
  }
  const usable = evenly(frames.filter((f) => sameBlock(f.picture, ref)), MAX_FRAMES);
  if (usable.length > 0) {
    const layout = weightLayout(ref.block, ANIMATION_MAX_WIDTH);
    const scale = weightScale(usable.map((f) => f.picture));
    const file = `${base}-training.gif`;
    const gif = encodeGif(usable.map((f) => withProgressBar(drawWeights(f.picture, scale, layout), f.epoch / Math.max(1, totalEpochs))), FRAME_MS, LAST_FRAME_MS);
    writer.write(file, gif);
    const height = layout.height + BAR_PX;
    images.push({ file, kind: 'animation', layer: name, width: layout.width, height, cell: layout.cell, tiles: layout.tiles, block: ref.block, scale, epochs: usable.map((f) => f.epoch) });
    const kept = usable.map((f) => `${f.epoch}: ${percent(1 - f.picture.kept / f.picture.size, 1)}`).join(', ');
    const k = displayScale(layout.width, height);
    figures.push(figure(img(file, layout.width, height, `${name}: weights over training`, 'weights', k),
      `Over training: ${usable.length} snapshot(s) at epochs ${usable[0].epoch}–${usable[usable.length - 1].epoch}, the bar below shows the epoch out of ${totalEpochs}. Pruned per snapshot (epoch: fraction) ${kept}. One colour scale for all frames (|θ| = ${formatValue(scale)}).`, k * layout.width));
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
  return [`<h3 id="layer-${esc(base)}">${esc(name)} <small>(${esc(ref.type)}, kernel ${shape})</small></h3>`, `<div class="grid">${figures.join('\n')}</div>`].join('\n');
}

function sameBlock(a: LayerPicture, b: LayerPicture): boolean {
  return a.block.length === b.block.length && a.block.every((v, i) => v === b.block[i]);
}

function blockText(p: LayerPicture, layout: WeightLayout): string {
  const whole = p.block.every((v, i) => v === p.shape[i]);
  const shown = whole ? 'All weights shown' : `Shown: the leading block [${p.block.join(', ')}] of [${p.shape.join(', ')}]`;
  if (layout.kind === 'dense') return `${shown}; rows are inputs, columns units.`;
  const [, , cin, cout] = p.block;
  return cin === 1 ? `${shown}: ${cout} filters of ${p.block[0]}x${p.block[1]}, in ${layout.tiles.rows} rows of ${layout.tiles.cols}.` : `${shown}: rows are ${cin} input channels, columns ${cout} filters.`;
}

function legend(): string {
  const swatch = (rgb: number[]) => `<span style="background: rgb(${rgb.join(',')})"></span>`;
  return `<p class="legend">Weights:${swatch(PALETTE[PRUNED])}pruned (blank)${swatch(PALETTE[4 + 250])}kept, positive${swatch(PALETTE[4])}kept, negative${swatch(PALETTE[4 + 125])}kept, near zero</p>`;
}

function num(m: MetricsLine, key: string): number {
  const v = m[key];
  return typeof v === 'number' ? v : NaN;
}

function curves(metrics: MetricsLine[]): string[] {
  const over = (key: string, f: (m: MetricsLine) => number = (m) => num(m, key)): Array<[number, number]> => metrics.map((m) => [m.epoch, f(m)]);
  const layers = [...new Set(metrics.flatMap((m) => Object.keys((m.sparsity as Record<string, number> | undefined) ?? {})))];
  const x = 'epoch';
  return [
    lineChart({ title: 'Test error', xLabel: x, xInteger: true, yFormat: 'percent', yZero: true, series: [{ name: 'test error', points: over('testError') }, { name: 'train error', points: over('trainAccuracy', (m) => 1 - num(m, 'trainAccuracy')) }] }),
    lineChart({ title: 'Train loss and its KL part', xLabel: x, xInteger: true, series: [
      { name: 'train loss', points: over('trainLoss') },
      { name: 'cross-entropy', points: over('trainNll') },
      { name: 'KL part (weight × KL)', points: over('trainKl', (m) => num(m, 'klWeight') * num(m, 'trainKl')) },
    ] }),
    lineChart({ title: 'KL weight', xLabel: x, xInteger: true, yZero: true, series: [{ name: 'KL weight', points: over('klWeight') }] }),
    lineChart({ title: 'Learning rate', xLabel: x, xInteger: true, yZero: true, series: [{ name: 'learning rate', points: over('lr') }] }),
    lineChart({ title: 'Sparsity per layer', xLabel: x, xInteger: true, yFormat: 'percent', yZero: true, series: layers.map((l): Series => ({ name: l, points: over(l, (m) => (m.sparsity as Record<string, number> | undefined)?.[l] ?? NaN) })) }),
    lineChart({ title: 'Compression (log scale)', xLabel: x, xInteger: true, yFormat: 'times', logY: true, series: [{ name: 'compression', points: over('compression') }] }),
  ];
}

function thresholdPart(analysis: CheckpointAnalysis | null): string[] {
  if (!analysis) return ['<p>Needs a checkpoint.</p>'];
  const mark = { x: analysis.threshold, label: `run: ${analysis.threshold}` };
  const points = (f: (p: CheckpointAnalysis['curve'][number]) => number): Array<[number, number]> => analysis.curve.map((p) => [p.threshold, f(p)]);
  const layers = Object.keys(analysis.curve[0]?.sparsity ?? {});
  const rows = analysis.curve.map((p) => [
    esc(formatValue(p.threshold)) + (p.threshold === analysis.threshold ? ' (run)' : ''),
    percent(p.testError), p.testNll.toFixed(4), times(p.compression), ...layers.map((l) => percent(p.sparsity[l], 1)),
  ]);
  return [
    `<p>The latest checkpoint (epoch ${analysis.epoch}) pruned at each threshold (a weight is pruned when log α ≥ threshold) and evaluated on the test set, deterministically as <code>svd eval --threshold T</code> does. Choose the threshold from this trade-off: the most compression before the error rises.</p>`,
    `<div class="grid">${[
      lineChart({ title: 'Test error vs threshold', xLabel: 'threshold on log α', yFormat: 'percent', series: [{ name: 'test error', points: points((p) => p.testError) }], markX: mark }),
      lineChart({ title: 'Compression vs threshold (log scale)', xLabel: 'threshold on log α', yFormat: 'times', logY: true, series: [{ name: 'compression', points: points((p) => p.compression) }], markX: mark }),
    ].join('\n')}</div>`,
    table(['threshold', 'test error', 'test NLL', 'compression', ...layers.map((l) => `sparsity ${l}`)], rows, new Set(rows[0]?.map((_, i) => i).filter((i) => i > 0) ?? [])),
  ];
}

function summaryPart(summary: Record<string, unknown> | null): string[] {
  if (!summary) return ['<p>No summary.json.</p>'];
  const s = summary as { status?: string; epochs?: number; testError?: number | null; compression?: number | null; seconds?: number; backend?: string; sparsity?: Record<string, number>; params?: Record<string, number>; error?: { code: string; message: string } };
  const rows: string[][] = [
    ['status', esc(String(s.status ?? '-'))],
    ['epochs', esc(String(s.epochs ?? '-'))],
    ['test error', percent(s.testError)],
    ['compression', times(s.compression)],
    ...Object.entries(s.sparsity ?? {}).map(([layer, v]) => [`sparsity ${esc(layer)}`, percent(v)]),
    ...Object.entries(s.params ?? {}).map(([k, v]) => [`params ${esc(k)}`, esc(String(v))]),
    ['time', duration(s.seconds)],
    ['backend', esc(String(s.backend ?? '-'))],
  ];
  if (s.error) rows.push(['error', esc(`${s.error.code}: ${s.error.message}`)]);
  return [table(['', 'value'], rows), `<details><summary>summary.json</summary><pre>${esc(JSON.stringify(summary, null, 2))}</pre></details>`];
}

function configPart(runDir: string, resolved: Record<string, unknown>, env: Record<string, unknown> | null): string[] {
  const file = runPaths(runDir).config;
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  const command = Array.isArray(env?.command) ? (env.command as unknown[]).map(String).join(' ') : null;
  return [
    command ? `<p>Command line: <code>${esc(command)}</code></p>` : '',
    text === null ? '<p>No config.yaml.</p>' : `<h3>config.yaml (as given)</h3><pre>${esc(text)}</pre>`,
    `<details><summary>resolved config (after extends, overrides and defaults)</summary><pre>${esc(YAML.stringify(resolved))}</pre></details>`,
  ];
}
