/**
 * The report of one run, `RUN_DIR/report/`: `index.html` and the PNG and GIF files it shows, and
 * `report.json` (what was drawn, with image sizes, the histograms, the dead units and the
 * threshold curve) for scripts. The page opens with what a reader wants first: the summary
 * (figures, the command, one row per layer with its sparsity and dead units), the headline
 * curves and a table of contents; then the other curves over epochs, one part per Sparse VD
 * layer (src/report/layer-section.ts), the threshold curve and the config.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { SvdError } from '../errors.js';
import { readRunInfo } from '../store/run-info.js';
import { runPaths } from '../store/run-dir.js';
import { readSnapshots, type Snapshot } from '../store/snapshots.js';
import { duration, percent, times } from '../text/format.js';
import { analyseCheckpoint, type CheckpointAnalysis, type CurveSource } from './analysis.js';
import { PALETTE, PRUNED, densityIndex, weightIndex } from './raster.js';
import { formatValue } from './svg.js';
import { esc, page, section, table } from './html.js';
import { ReportWriter, reportDirOf } from './report-dir.js';
import { headlineCurves, moreCurves, thresholdCharts } from './run-curves.js';
import { layerAnchor, layerSection, type ReportImage } from './layer-section.js';
import { shownCommand } from './command-line.js';

export { fileBase, MAX_FRAMES, type ReportImage } from './layer-section.js';

/** Options of `writeRunReport`. */
export interface RunReportOptions {
  /** Thresholds of the threshold curve (default: `defaultThresholds`). */
  thresholds?: number[] | null;
  /** Hears what is being done (stderr). */
  progress?: (msg: string) => void;
}

/** report.json of a run. */
export interface RunReportManifest {
  kind: 'run';
  runDir: string;
  created: string;
  checkpoint: { epoch: number; threshold: number; logAlphaClip: number } | null;
  /** Why something is missing (no checkpoint, no snapshots). */
  notes: string[];
  /** The page's sections, in order (their anchors). */
  sections: string[];
  images: ReportImage[];
  histograms: CheckpointAnalysis['histograms'];
  thresholdCurve: CheckpointAnalysis['curve'];
  /** How many threshold points were evaluated now and how many came from the run's cache. */
  thresholdEvaluations: CurveSource | null;
  /** Dead units and unused inputs (export's analysis); null without a checkpoint or for a model the exporter cannot express. */
  structure: CheckpointAnalysis['structure'];
  /** Unused input pixels of a first dense layer on images. */
  inputMap: { shape: number[]; unused: number } | null;
  snapshots: number[];
}

/** What `writeRunReport` resolves to. */
export interface ReportResult {
  dir: string;
  index: string;
  manifest: RunReportManifest;
}

/** Writes the report of the run in `runDir`. */
export async function writeRunReport(runDir: string, opts: RunReportOptions = {}): Promise<ReportResult> {
  const progress = opts.progress ?? (() => {});
  const info = readRunInfo(runDir);
  if (info.problems.length) throw info.problems[0];
  if (!info.resolved) throw new SvdError('E_RUN_DIR', `${runDir} is not a run directory (no resolved.json in it)`, { file: runDir });
  const config = info.resolved as { name?: string; training?: { epochs?: number } };
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
  if (analysis?.curveSource.cacheProblem) notes.push(`The cache of threshold evaluations could not be used and was rewritten: ${analysis.curveSource.cacheProblem}`);
  if (analysis?.structureProblem) notes.push(`No dead-unit analysis: ${analysis.structureProblem}`);
  const { snapshots, damaged } = readSnapshots(runDir);
  for (const problem of damaged) notes.push(`A snapshot is left out of the animation: ${problem.format()}`);
  if (snapshots.length === 0 && damaged.length === 0 && (analysis?.sparseLayers ?? 1) > 0) notes.push('No animation: the run wrote no weight snapshots (set training.snapshotEvery, e.g. 5, before training).');

  try {
    const images: ReportImage[] = [];
    const totalEpochs = config.training?.epochs ?? Math.max(1, ...snapshots.map((s) => s.epoch));
    const names = layerNames(analysis, snapshots);
    const layerSections = names.map((name) => layerSection({ name, analysis, snapshots, totalEpochs, writer, images }));
    const summary = info.summary as Record<string, unknown> | null;
    const sections: Array<[string, string, string[]]> = [
      ['summary', 'Summary', [commandPart(shownCommand(info.env?.command)), `<div class="grid"><div>${summaryPart(summary)}</div>${headlineCurves(info.metrics).join('\n')}</div>`, layerTable(analysis, summary)]],
      ['curves', 'Training curves', [`<div class="grid">${moreCurves(info.metrics).join('\n')}</div>`]],
      ['layers', 'Sparse VD layers', [legend(), ...(layerSections.length ? layerSections : ['<p>No Sparse VD layer pictures (no Sparse VD layer, or no checkpoint and no snapshots).</p>'])]],
      ['threshold', 'Choosing the threshold', thresholdPart(analysis)],
      ['config', 'Config and records', configPart(runDir, info.resolved, info.env, summary)],
    ];
    const manifest: RunReportManifest = {
      kind: 'run', runDir: path.resolve(runDir), created: new Date().toISOString(),
      checkpoint: analysis && { epoch: analysis.epoch, threshold: analysis.threshold, logAlphaClip: analysis.clip },
      notes, sections: sections.map(([id]) => id), images, histograms: analysis?.histograms ?? [], thresholdCurve: analysis?.curve ?? [],
      thresholdEvaluations: analysis?.curveSource ?? null, structure: analysis?.structure ?? null,
      inputMap: analysis?.inputMap ? { shape: analysis.inputMap.shape, unused: analysis.inputMap.unused.reduce((a, b) => a + b, 0) } : null,
      snapshots: snapshots.map((s) => s.epoch),
    };
    const s = (summary ?? {}) as { status?: string; epochs?: number; testError?: number | null; compression?: number | null };
    const title = `svd report: ${config.name ?? path.basename(runDir)}`;
    const subtitle = `${path.resolve(runDir)} — ${s.status ?? 'no summary'}, ${s.epochs ?? 0} of ${config.training?.epochs ?? '?'} epochs, test error ${percent(s.testError)}, compression ${times(s.compression)}`;
    const body = [
      contents(sections, names),
      notes.length ? `<ul>${notes.map((n) => `<li class="note">${esc(n)}</li>`).join('')}</ul>` : '',
      ...sections.map(([id, heading, parts]) => section(id, heading, parts)),
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

/** The table of contents: a line of links to the sections, and one to each layer. */
function contents(sections: Array<[string, string, string[]]>, layers: string[]): string {
  const link = (id: string, text: string) => `<a href="#${esc(id)}">${esc(text)}</a>`;
  const layerLinks = layers.length ? ` (${layers.map((l) => link(layerAnchor(l), l)).join(', ')})` : '';
  return `<nav id="contents">Contents: ${sections.map(([id, heading]) => link(id, heading) + (id === 'layers' ? layerLinks : '')).join(' · ')}</nav>`;
}

function legend(): string {
  const swatch = (rgb: number[]) => `<span style="background: rgb(${rgb.join(',')})"></span>`;
  return `<p class="legend">Weights:${swatch(PALETTE[PRUNED])}pruned (blank)${swatch(PALETTE[weightIndex(1, 1)])}kept, positive${swatch(PALETTE[weightIndex(-1, 1)])}kept, negative${swatch(PALETTE[weightIndex(0, 1)])}kept, near zero; blocks of weights (large dense kernels):${swatch(PALETTE[densityIndex(0)])}one or a few kept${swatch(PALETTE[densityIndex(1)])}all kept</p>`;
}

/** One row per layer of the model with weights: sparsity, kept weights and dead units. */
function layerTable(analysis: CheckpointAnalysis | null, summary: Record<string, unknown> | null): string {
  const sparsity = (summary?.sparsity ?? {}) as Record<string, number>;
  const structure = analysis?.structure?.layers ?? [];
  const names = [...new Set([...structure.map((l) => l.layer), ...Object.keys(sparsity)])];
  if (names.length === 0) return '';
  const rows = names.map((name) => {
    const picture = analysis?.pictures.find((p) => p.name === name);
    const s = structure.find((l) => l.layer === name);
    return [
      `<a href="#${esc(layerAnchor(name))}">${esc(name)}</a>`,
      name in sparsity ? percent(sparsity[name], 1) : '-',
      picture ? `${picture.kept} of ${picture.size}` : '-',
      s ? `${s.width - s.removable} of ${s.width} ${s.kind}` : '-',
      s ? `${s.deadIn} / ${s.deadOut}` : '-',
    ];
  });
  const inputs = analysis?.structure?.inputs;
  const note = inputs ? `<p>${inputs.kind === 'features' || inputs.unused > 0 ? `Inputs of the first layer never read: ${inputs.unused} of ${inputs.count} input ${esc(inputs.kind)}. ` : ''}Dead units are those the export's analysis finds (<code>svd export</code>): "dead in" receive no kept weight, "dead out" feed none; "alive" counts what <code>--shrink</code> keeps.</p>` : '';
  return table(['layer', 'sparsity', 'weights kept', 'alive', 'dead in / dead out'], rows, new Set([1, 2, 3, 4])) + note;
}

function thresholdPart(analysis: CheckpointAnalysis | null): string[] {
  if (!analysis) return ['<p>Needs a checkpoint.</p>'];
  if (analysis.sparseLayers === 0) return ['<p>The model has no Sparse VD layer: nothing is pruned at any threshold, so there is no threshold curve.</p>'];
  const layers = Object.keys(analysis.curve[0]?.sparsity ?? {});
  const hasVal = analysis.curve.some((p) => typeof p.valError === 'number');
  const rows = analysis.curve.map((p) => [
    esc(formatValue(p.threshold)) + (p.threshold === analysis.threshold ? ' (run)' : ''),
    ...(hasVal ? [typeof p.valError === 'number' ? percent(p.valError) : '-'] : []),
    percent(p.testError), p.testNll.toFixed(4), times(p.compression), ...layers.map((l) => percent(p.sparsity[l], 1)),
  ]);
  const src = analysis.curveSource;
  return [
    `<p>The latest checkpoint (epoch ${analysis.epoch}) pruned at each threshold (a weight is pruned when log α ≥ threshold) and evaluated deterministically as <code>svd eval --threshold T</code> does${hasVal ? ', on the validation split and the test set' : ''}. ${hasVal ? 'Choose the threshold on the validation error' : 'The test set is for the final figure, not for choosing: with a validation split (data.validation) the curve shows the validation error to choose on'}. ${src.cached} of ${src.evaluated + src.cached} point(s) from the run's cache (threshold-evals.json).</p>`,
    `<div class="grid">${thresholdCharts(analysis).join('\n')}</div>`,
    table(['threshold', ...(hasVal ? ['validation error'] : []), 'test error', 'test NLL', 'compression', ...layers.map((l) => `sparsity ${l}`)], rows, new Set(rows[0]?.map((_, i) => i).filter((i) => i > 0) ?? [])),
  ];
}

function commandPart(command: string | null): string {
  return command ? `<p class="command">Command: <code>${esc(command)}</code></p>` : '';
}

function summaryPart(summary: Record<string, unknown> | null): string {
  if (!summary) return '<p>No summary.json.</p>';
  const s = summary as { status?: string; epochs?: number; testError?: number | null; compression?: number | null; seconds?: number; backend?: string; params?: Record<string, number>; error?: { code: string; message: string } };
  const rows: string[][] = [
    ['status', esc(String(s.status ?? '-'))],
    ['epochs', esc(String(s.epochs ?? '-'))],
    ['test error', percent(s.testError)],
    ['compression', times(s.compression)],
    ...Object.entries(s.params ?? {}).map(([k, v]) => [`params ${esc(k)}`, esc(String(v))]),
    ['time', duration(s.seconds)],
    ['backend', esc(String(s.backend ?? '-'))],
  ];
  if (s.error) rows.push(['error', esc(`${s.error.code}: ${s.error.message}`)]);
  return table(['', 'value'], rows);
}

function configPart(runDir: string, resolved: Record<string, unknown>, env: Record<string, unknown> | null, summary: Record<string, unknown> | null): string[] {
  const file = runPaths(runDir).config;
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  const command = shownCommand(env?.command);
  return [
    command ? `<p>Command line: <code>${esc(command)}</code></p>` : '',
    text === null ? '<p>No config.yaml.</p>' : `<h3>config.yaml (as given)</h3><pre>${esc(text)}</pre>`,
    `<details><summary>resolved config (after extends, overrides and defaults)</summary><pre>${esc(YAML.stringify(resolved))}</pre></details>`,
    summary ? `<details><summary>summary.json</summary><pre>${esc(JSON.stringify(summary, null, 2))}</pre></details>` : '',
  ];
}
