/**
 * Where every value of a config came from: per config path, the file and the line/column of the
 * value and of its key. Built from a parsed YAML document, merged along `extends` chains (the
 * child's entries replace the parent's under every path the child sets) and marked `--set` for
 * overrides, so an error points at the file and line that actually set the offending value.
 */
import { isMap, isNode, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { SourceLocation } from '../errors.js';
import { formatPath, isWithin, type ConfigPath } from './config-path.js';

/** A 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

/** Where one config value came from. */
export interface Origin {
  /** The file as the user named it, or `--set` for an override. */
  file: string;
  /** Where the value starts (absent for overrides). */
  value?: Position;
  /** Where its key starts (absent for list items, the root and overrides). */
  key?: Position;
}

/** Which position of a value an error points at. */
export type Anchor = 'value' | 'key';

/** Per config path, the origin of its value. */
export class SourceMap {
  private readonly origins = new Map<string, { path: ConfigPath; origin: Origin }>();

  /** Records the position of every value and key of `doc`, parsed from `file`. */
  static fromDocument(doc: Document, lineCounter: LineCounter, file: string): SourceMap {
    const map = new SourceMap();
    const at = (offset: number): Position => lineCounter.linePos(offset);
    const visit = (node: unknown, path: string[], key?: Position): void => {
      const value = isNode(node) && node.range ? at(node.range[0]) : undefined;
      map.set(path, { file, ...(value && { value }), ...(key && { key }) });
      if (isMap(node)) {
        for (const pair of node.items) {
          const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
          const keyAt = isNode(pair.key) && pair.key.range ? at(pair.key.range[0]) : undefined;
          visit(pair.value, [...path, name], keyAt);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => visit(item, [...path, String(i)]));
      }
      // Aliases are not followed: paths under one point at the alias itself.
    };
    visit(doc.contents, []);
    return map;
  }

  /** Records where the value at `path` came from. */
  set(path: ConfigPath, origin: Origin): void {
    this.origins.set(JSON.stringify(path), { path: [...path], origin });
  }

  /** The origin recorded for exactly `path`, if any. */
  get(path: ConfigPath): Origin | undefined {
    return this.origins.get(JSON.stringify(path))?.origin;
  }

  /** Forgets `path` and everything under it, then copies what `from` has there. */
  replaceSubtree(path: ConfigPath, from?: SourceMap): void {
    for (const [id, entry] of this.origins) {
      if (isWithin(entry.path, path)) this.origins.delete(id);
    }
    for (const [id, entry] of from?.origins ?? []) {
      if (isWithin(entry.path, path)) this.origins.set(id, entry);
    }
  }

  /**
   * The location to report for `path`: its own value (or key) when recorded, else the key of the
   * nearest recorded ancestor (the mapping that lacks it). The location's path is always `path`.
   */
  locate(path: ConfigPath, anchor: Anchor = 'value'): SourceLocation {
    const shown = formatPath(path);
    for (let n = path.length; n >= 0; n--) {
      const origin = this.get(path.slice(0, n));
      if (!origin) continue;
      const own = n === path.length && anchor === 'value';
      const position = own ? origin.value ?? origin.key : origin.key ?? origin.value;
      return { file: origin.file, ...(position && { line: position.line, col: position.col }), ...(shown && { path: shown }) };
    }
    return shown ? { path: shown } : {};
  }
}
