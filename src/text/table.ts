/**
 * Plain-text and Markdown tables. Text tables fit a width (100 columns by default): cells are
 * cut to a maximum with `…`, and when the columns do not fit side by side they wrap into blocks,
 * each repeating the leading key columns, rather than overflowing the line.
 */

/** Default width text tables fit into. */
export const TABLE_WIDTH = 100;
const GAP = '  ';

/** How to lay out a text table. */
export interface TableOptions {
  /** Right-align these columns (numbers). */
  right?: ReadonlySet<number>;
  /** Width to fit; Infinity: never wrap. */
  width?: number;
  /** Leading columns repeated in every block when wrapping (default 1). */
  keyColumns?: number;
  /** Longest cell; longer ones are cut with `…` (default 40). */
  maxCell?: number;
}

/** `text` cut to `max` characters with a trailing `…`. */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** A text table of `header` and `rows` (every row as long as the header), wrapped to fit. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, options: TableOptions = {}): string {
  const width = options.width ?? TABLE_WIDTH;
  const maxCell = options.maxCell ?? 40;
  const keys = Math.min(options.keyColumns ?? 1, header.length);
  const cells = [header, ...rows].map((row) => row.map((cell) => cut(cell.replace(/\s*\n\s*/g, ' '), maxCell)));
  const widths = header.map((_, c) => Math.max(...cells.map((row) => row[c]?.length ?? 0)));
  const blocks: number[][] = [];
  const keyWidth = widths.slice(0, keys).reduce((a, w) => a + w + GAP.length, 0);
  let block: number[] = [];
  let used = keyWidth;
  for (let c = keys; c < header.length; c++) {
    const need = widths[c] + GAP.length;
    if (block.length > 0 && used + need > width) {
      blocks.push(block);
      block = [];
      used = keyWidth;
    }
    block.push(c);
    used += need;
  }
  if (block.length > 0 || blocks.length === 0) blocks.push(block);
  const lines = (columns: number[]) => cells.map((row) => columns.map((c) => {
    const cell = row[c] ?? '';
    return options.right?.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]);
  }).join(GAP).trimEnd());
  const keyColumns = Array.from({ length: keys }, (_, c) => c);
  return blocks.map((b) => lines([...keyColumns, ...b]).join('\n')).join('\n\n');
}

/** A Markdown table (pipes in cells escaped). */
export function renderMarkdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, right: ReadonlySet<number> = new Set()): string {
  const esc = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (row: readonly string[]) => `| ${row.map(esc).join(' | ')} |`;
  const rule = `|${header.map((_, c) => (right.has(c) ? '---:' : '---')).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * A matrix of cells (`rowNames` x `colNames`) as a text table in whichever orientation needs
 * fewer wrapped blocks: names down the side (the default, kept on a tie) or transposed, with
 * the columns as rows under the heading `transposedCorner` (many runs read best one per row).
 */
export function renderMatrix(corner: string, transposedCorner: string, rowNames: readonly string[], colNames: readonly string[], cells: ReadonlyArray<readonly string[]>, options: TableOptions = {}): string {
  const normal = renderTable([corner, ...colNames], rowNames.map((name, r) => [name, ...cells[r]]), options);
  const transposed = renderTable([transposedCorner, ...rowNames], colNames.map((name, c) => [name, ...rowNames.map((_, r) => cells[r][c])]), options);
  const blocks = (text: string) => text.split('\n\n').length;
  return blocks(transposed) < blocks(normal) ? transposed : normal;
}
