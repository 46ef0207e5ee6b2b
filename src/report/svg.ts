/**
 * Charts for the report as inline SVG text (no script, no fonts to fetch): line charts over
 * epochs or thresholds, histograms, and a scatter plot with a legend. Axes get "nice" ticks; a log
 * axis ticks at powers of ten (and 2 and 5 when it spans little).
 */

/** One line of a line chart; points with a non-finite y are left out. */
export interface Series {
  name: string;
  points: Array<[number, number]>;
}

/** How values on an axis are written. */
export type AxisFormat = 'number' | 'percent' | 'times';

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Colours of series, in order. */
export const SERIES_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** Escapes text for XML and HTML. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A short label of `v` in `format`, with `digits` significant digits (3 by default). */
export function formatValue(v: number, format: AxisFormat = 'number', digits = 3): string {
  if (format === 'percent') return `${trim((100 * v).toPrecision(digits))}%`;
  if (format === 'times') return `${trim(v.toPrecision(digits))}x`;
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(digits - 2).replace('e+', 'e');
  if (a >= 1000) return String(Math.round(v));
  return trim(v.toPrecision(digits));
}

function trim(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** A round step that cuts [lo, hi] into about `count` parts (at least `minStep`). */
export function niceStep(lo: number, hi: number, count = 5, minStep = 0): number {
  const raw = Math.max((hi - lo) / count, minStep, 1e-300);
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => st >= raw * (1 - 1e-9)) ?? 10 * mag;
}

/** The multiples of `step` from lo to hi. */
export function ticksOf(lo: number, hi: number, step: number): number[] {
  const ticks: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const span = Math.log10(hi) - Math.log10(lo);
  const mults = span < 1.5 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of mults) {
      const t = m * 10 ** e;
      if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.push(Number(t.toPrecision(12)));
    }
  }
  return ticks.length >= 2 ? ticks : [lo, hi];
}

/** A linear or log scale from a data domain to pixels; a linear one widens to whole steps. */
class Scale {
  readonly lo: number;
  readonly hi: number;
  readonly step: number;
  readonly log: boolean;
  constructor(values: number[], readonly a: number, readonly b: number, opts: { log?: boolean; zero?: boolean; minStep?: number; exact?: boolean } = {}) {
    const { zero = false, minStep = 0, exact = false } = opts;
    const log = (this.log = opts.log ?? false);
    let finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
    if (finite.length === 0) finite = [log ? 1 : 0];
    let lo = Math.min(...finite);
    let hi = Math.max(...finite);
    if (log) {
      // widen to the 1-2-5 values around the data
      const e = Math.floor(Math.log10(lo)) - 1;
      const marks = Array.from({ length: Math.ceil(Math.log10(hi)) - e + 2 }, (_, i) => [1, 2, 5].map((m) => Number((m * 10 ** (e + i)).toPrecision(12)))).flat();
      lo = [...marks].reverse().find((m) => m <= lo * (1 + 1e-9)) ?? lo;
      hi = marks.find((m) => m >= hi * (1 - 1e-9) && m > lo) ?? hi * 2;
      this.step = 0;
    } else {
      if (zero) [lo, hi] = [Math.min(lo, 0), Math.max(hi, 0)];
      if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
        const pad = minStep || (Math.abs(hi) > 0 ? Math.abs(hi) * 0.1 : 1);
        [lo, hi] = [zero && lo === 0 ? 0 : lo - pad, hi + pad];
      }
      this.step = niceStep(lo, hi, 5, minStep);
      if (!exact) {
        lo = Math.floor(lo / this.step + 1e-9) * this.step;
        hi = Math.ceil(hi / this.step - 1e-9) * this.step;
      }
    }
    this.lo = lo;
    this.hi = hi;
  }
  at(v: number): number {
    const t = this.log ? (Math.log10(v) - Math.log10(this.lo)) / (Math.log10(this.hi) - Math.log10(this.lo)) : (v - this.lo) / (this.hi - this.lo);
    return this.a + t * (this.b - this.a);
  }
  ticks(): number[] {
    return this.log ? logTicks(this.lo, this.hi) : ticksOf(this.lo, this.hi, this.step);
  }
}

function r1(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

function open(frame: Frame, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${frame.width}" height="${frame.height}" viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="${escapeXml(title)}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${frame.width}" height="${frame.height}" fill="#ffffff"/>`,
    `<text x="${frame.width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  ];
}

/** Ticks of `scale` with their labels in `format`, with as many digits as it takes to tell them apart (a narrow range: 11.16%, 11.18%, ...). */
function labelled(scale: Scale, format: AxisFormat): Array<[number, string]> {
  const ticks = scale.ticks();
  for (let digits = 3; ; digits++) {
    const labels = ticks.map((t) => formatValue(t, format, digits));
    if (new Set(labels).size === labels.length || digits >= 8) return ticks.map((t, i) => [t, labels[i]]);
  }
}

function axes(frame: Frame, x: Scale, y: Scale, xLabel: string, xFormat: AxisFormat, yTicks: Array<[number, string]>, yLabel?: string): string[] {
  const out: string[] = [];
  const x0 = frame.left;
  const x1 = frame.width - frame.right;
  const y0 = frame.height - frame.bottom;
  const y1 = frame.top;
  for (const [t, text] of yTicks) {
    const py = r1(y.at(t));
    out.push(`<line x1="${x0}" x2="${x1}" y1="${py}" y2="${py}" stroke="#e5e5e5"/>`, `<text x="${x0 - 4}" y="${py}" dy="3.5" text-anchor="end">${escapeXml(text)}</text>`);
  }
  for (const t of x.ticks()) {
    const px = r1(x.at(t));
    out.push(`<line x1="${px}" x2="${px}" y1="${y0}" y2="${y0 + 4}" stroke="#333"/>`, `<text x="${px}" y="${y0 + 15}" text-anchor="middle">${escapeXml(formatValue(t, xFormat))}</text>`);
  }
  out.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(x0 + x1) / 2}" y="${frame.height - 4}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  if (yLabel) out.push(`<text transform="translate(11 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`);
  return out;
}

function legend(frame: Frame, names: string[]): string[] {
  if (names.length < 2) return [];
  return names.map((name, i) => {
    const y = frame.top + 12 + 14 * i;
    const x = frame.width - frame.right + 8;
    return `<line x1="${x}" x2="${x + 14}" y1="${y - 3.5}" y2="${y - 3.5}" stroke="${SERIES_COLORS[i % SERIES_COLORS.length]}" stroke-width="2"/><text x="${x + 18}" y="${y}">${escapeXml(name)}</text>`;
  });
}

/** Options of a line chart. */
export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel?: string;
  series: Series[];
  yFormat?: AxisFormat;
  xFormat?: AxisFormat;
  logY?: boolean;
  /** Include 0 in the y range. */
  yZero?: boolean;
  /** x values are whole numbers (epochs): ticks at least 1 apart. */
  xInteger?: boolean;
  /** A dashed vertical line, e.g. the run's threshold. */
  markX?: { x: number; label: string };
  width?: number;
  height?: number;
}

/** A line chart with a dot at every point. */
export function lineChart(o: LineChartOptions): string {
  const named = o.series.length > 1;
  const legendWidth = named ? Math.min(170, 30 + 6.2 * Math.max(...o.series.map((s) => s.name.length))) : 0;
  const frame: Frame = { width: (o.width ?? 430) + legendWidth, height: o.height ?? 250, left: 58, right: 14 + legendWidth, top: 26, bottom: 36 };
  const series = o.series.map((s) => ({ ...s, points: s.points.filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py) && (!o.logY || py > 0)) }));
  const xs = series.flatMap((s) => s.points.map((p) => p[0])).concat(o.markX ? [o.markX.x] : []);
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const x = new Scale(xs, frame.left, frame.width - frame.right, { minStep: o.xInteger ? 1 : 0 });
  const y = new Scale(ys, frame.height - frame.bottom, frame.top, { log: o.logY, zero: o.yZero });
  const out = open(frame, o.title);
  out.push(...axes(frame, x, y, o.xLabel, o.xFormat ?? 'number', labelled(y, o.yFormat ?? 'number'), o.yLabel));
  if (ys.length === 0) out.push(`<text x="${frame.width / 2}" y="${frame.height / 2}" text-anchor="middle" fill="#888">no data</text>`);
  series.forEach((s, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    const pts = s.points.map(([px, py]) => `${r1(x.at(px))},${r1(y.at(py))}`);
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [cx, cy] = p.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`);
    }
  });
  if (o.markX) out.push(...marker(frame, x.at(o.markX.x), o.markX.label));
  out.push(...legend(frame, named ? series.map((s) => s.name) : []), '</svg>');
  return out.join('\n');
}

function marker(frame: Frame, px: number, label: string): string[] {
  const x = r1(px);
  return [
    `<line x1="${x}" x2="${x}" y1="${frame.top}" y2="${frame.height - frame.bottom}" stroke="#000" stroke-dasharray="4 3"/>`,
    px > (frame.left + frame.width - frame.right) / 2
      ? `<text x="${r1(px - 4)}" y="${frame.top + 12}" text-anchor="end" fill="#000">${escapeXml(label)}</text>`
      : `<text x="${r1(px + 4)}" y="${frame.top + 12}" fill="#000">${escapeXml(label)}</text>`,
  ];
}

/** Options of a histogram. */
export interface HistogramOptions {
  title: string;
  xLabel: string;
  /** Bin edges, one more than counts. */
  edges: number[];
  counts: number[];
  /** Bars on a log10(1 + count) scale. */
  logCounts?: boolean;
  markX?: { x: number; label: string };
}

/** A histogram with one bar per bin. */
export function histogram(o: HistogramOptions): string {
  const frame: Frame = { width: 430, height: 250, left: 58, right: 14, top: 26, bottom: 36 };
  const x = new Scale([o.edges[0], o.edges[o.edges.length - 1]], frame.left, frame.width - frame.right, { exact: true });
  const heights = o.counts.map((c) => (o.logCounts ? Math.log10(1 + c) : c));
  const y = new Scale([0, ...heights], frame.height - frame.bottom, frame.top, { zero: true });
  const out = open(frame, o.title);
  // on the log scale, ticks at counts 0, 1, 10, 100, ...
  const yTicks: Array<[number, string]> = [];
  if (o.logCounts) {
    yTicks.push([0, '0']);
    for (let c = 1; Math.log10(1 + c) <= y.hi; c *= 10) yTicks.push([Math.log10(1 + c), formatValue(c)]);
  }
  out.push(...axes(frame, x, y, o.xLabel, 'number', o.logCounts ? yTicks : labelled(y, 'number'), o.logCounts ? 'weights (log scale)' : 'weights'));
  o.counts.forEach((c, i) => {
    if (c <= 0) return;
    const xa = x.at(o.edges[i]);
    const xb = x.at(o.edges[i + 1]);
    const top = y.at(heights[i]);
    out.push(`<rect x="${r1(xa)}" y="${r1(top)}" width="${r1(Math.max(0.5, xb - xa - 0.5))}" height="${r1(y.at(0) - top)}" fill="${SERIES_COLORS[0]}"><title>${formatValue(o.edges[i])} .. ${formatValue(o.edges[i + 1])}: ${c}</title></rect>`);
  });
  if (o.markX) out.push(...marker(frame, x.at(o.markX.x), o.markX.label));
  out.push('</svg>');
  return out.join('\n');
}

/** One point of a scatter plot: a group's mean, with the spread of its members. */
export interface ScatterPoint {
  x: number;
  y: number;
  label: string;
  /** Lowest and highest x and y of the members (drawn as error bars when they differ). */
  xRange?: [number, number];
  yRange?: [number, number];
  /** The members themselves, drawn as small rings. */
  members?: Array<{ x: number; y: number; label: string }>;
  /** Its number in the plot and legend, and its colour (default: its place among the points). */
  key?: number;
}

/** Options of a scatter plot. */
export interface ScatterOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  points: ScatterPoint[];
  logX?: boolean;
  xFormat?: AxisFormat;
  yFormat?: AxisFormat;
}

/**
 * A scatter plot: each point numbered, with its error bars and members, and a legend of
 * numbers and labels beside the plot (so labels never overlap the points or each other).
 */
export function scatter(o: ScatterOptions): string {
  const points = o.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!o.logX || p.x > 0));
  const legendWidth = Math.min(420, Math.max(140, 40 + 6.2 * Math.max(0, ...points.map((p) => p.label.length))));
  const frame: Frame = { width: 560 + legendWidth, height: Math.max(380, 60 + 16 * points.length), left: 62, right: 24 + legendWidth, top: 26, bottom: 36 };
  const inX = (v: number) => Number.isFinite(v) && (!o.logX || v > 0);
  const xs = points.flatMap((p) => [p.x, ...(p.xRange ?? []), ...(p.members ?? []).map((m) => m.x)]).filter(inX);
  const ys = points.flatMap((p) => [p.y, ...(p.yRange ?? []), ...(p.members ?? []).map((m) => m.y)]).filter(Number.isFinite);
  const x = new Scale(xs, frame.left, frame.width - frame.right, { log: o.logX });
  const y = new Scale(ys, frame.height - frame.bottom, frame.top, { zero: true });
  const out = open(frame, o.title);
  out.push(...axes(frame, x, y, o.xLabel, o.xFormat ?? 'number', labelled(y, o.yFormat ?? 'number'), o.yLabel));
  if (points.length === 0) out.push(`<text x="${frame.width / 2}" y="${frame.height / 2}" text-anchor="middle" fill="#888">no completed run</text>`);
  const placed: Array<[number, number]> = [];
  points.forEach((p, i) => {
    const key = p.key ?? i + 1;
    const color = SERIES_COLORS[(key - 1) % SERIES_COLORS.length];
    const [cx, cy] = [x.at(p.x), y.at(p.y)];
    if (p.xRange && p.xRange[0] !== p.xRange[1] && p.xRange.every(inX)) out.push(`<line x1="${r1(x.at(p.xRange[0]))}" x2="${r1(x.at(p.xRange[1]))}" y1="${r1(cy)}" y2="${r1(cy)}" stroke="${color}" stroke-width="1.5"/>`);
    if (p.yRange && p.yRange[0] !== p.yRange[1]) out.push(`<line x1="${r1(cx)}" x2="${r1(cx)}" y1="${r1(y.at(p.yRange[0]))}" y2="${r1(y.at(p.yRange[1]))}" stroke="${color}" stroke-width="1.5"/>`);
    for (const m of (p.members ?? []).filter((m) => inX(m.x) && Number.isFinite(m.y))) {
      out.push(`<circle class="member" cx="${r1(x.at(m.x))}" cy="${r1(y.at(m.y))}" r="2.5" fill="none" stroke="${color}"><title>${escapeXml(m.label)}: ${formatValue(m.y, o.yFormat)} at ${formatValue(m.x, o.xFormat)}</title></circle>`);
    }
    out.push(`<circle cx="${r1(cx)}" cy="${r1(cy)}" r="4.5" fill="${color}"><title>${escapeXml(p.label)}: ${formatValue(p.y, o.yFormat)} at ${formatValue(p.x, o.xFormat)}</title></circle>`);
    // points drawn on top of each other (identical results) get their numbers side by side
    const near = placed.filter(([px, py]) => Math.abs(px - cx) < 10 && Math.abs(py - cy) < 10).length;
    placed.push([cx, cy]);
    out.push(`<text x="${r1(cx + 6 + 12 * near)}" y="${r1(cy - 6)}" font-size="10" fill="${color}">${key}</text>`);
    const ly = frame.top + 12 + 16 * i;
    const lx = frame.width - frame.right + 12;
    out.push(`<circle cx="${lx + 4}" cy="${ly - 4}" r="4.5" fill="${color}"/><text x="${lx + 14}" y="${ly}">${key}</text><text x="${lx + 34}" y="${ly}" fill="${color}">${escapeXml(p.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
