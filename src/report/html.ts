/**
 * The report page's HTML: one self-contained document with inline CSS and no script, whose only
 * references are the image files beside it (relative paths), so it opens from disk with no
 * network access.
 */
import { escapeXml } from './svg.js';

/** Escapes text for HTML. */
export const esc = escapeXml;

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1400px; padding: 0 1em; color: #222; background: #fff; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
h3 { margin: 1em 0 0.4em; }
.sub { color: #666; margin-top: 0; }
.grid { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
figure { margin: 0 0 8px; }
figcaption { color: #555; font-size: 0.9em; }
img.weights { image-rendering: pixelated; border: 1px solid #ddd; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.92em; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.9em; }
.note { color: #8a5300; }
nav#contents { background: #f3f6fa; border: 1px solid #dde4ee; padding: 0.4em 0.8em; margin: 0.6em 0; }
.dead { margin: 0.2em 0 0.6em; }
.command code { font-size: 0.85em; word-break: break-all; }
section#summary h2 { margin-top: 0.6em; }
.legend span { display: inline-block; width: 1em; height: 1em; vertical-align: middle; border: 1px solid #aaa; margin: 0 0.3em 0 0.8em; }
`;

/** The whole page. */
export function page(title: string, subtitle: string, body: string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // an empty icon: browsers would otherwise ask for favicon.ico
    '<link rel="icon" href="data:,">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${esc(title)}</h1>`,
    `<p class="sub">${esc(subtitle)}</p>`,
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A section with a heading and an anchor. */
export function section(id: string, title: string, parts: string[]): string {
  return [`<section id="${esc(id)}">`, `<h2>${esc(title)}</h2>`, ...parts, '</section>'].join('\n');
}

/** A table; cells are HTML already escaped by the caller; columns in `numeric` align right. */
export function table(header: string[], rows: string[][], numeric: ReadonlySet<number> = new Set()): string {
  const cls = (i: number) => (numeric.has(i) ? ' class="num"' : '');
  return [
    '<table>',
    `<tr>${header.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('')}</tr>`,
    ...rows.map((row) => `<tr>${row.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`),
    '</table>',
  ].join('\n');
}

/** A figure: `content` (an <img> or inline SVG) `width` pixels wide, with a caption at least 300 pixels wide. */
export function figure(content: string, caption: string, width: number): string {
  return `<figure style="width: ${Math.max(300, Math.round(width))}px">${content}<figcaption>${caption}</figcaption></figure>`;
}

/** Small pictures are shown at twice their size. */
export function displayScale(width: number, height: number): number {
  return Math.max(width, height) < 320 ? 2 : 1;
}

/** An <img> of a file beside the page, shown `scale` times its size. */
export function img(file: string, width: number, height: number, alt: string, cls = '', scale = 1): string {
  return `<img src="${encodeURI(file)}" width="${width * scale}" height="${height * scale}" alt="${esc(alt)}"${cls ? ` class="${cls}"` : ''}>`;
}
