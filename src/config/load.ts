/**
 * Reads one YAML config file into a plain mapping plus the source position of every value.
 * Refuses files over 1 MiB, YAML syntax errors, duplicate keys, alias bombs and a top level
 * that is not a mapping; every problem is an SvdError located in the file.
 */
import { isCollection, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { SvdError, SvdErrors } from '../errors.js';
import { readTextFile } from '../files/read.js';
import { SourceMap } from './source-map.js';
import { deepCopy, describeValue, isMapping, type Mapping } from './values.js';

/** Largest config file read, in bytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Most alias expansions a document may cause (yaml's guard against "billion laughs"). */
export const MAX_ALIAS_COUNT = 100;

/** One parsed config file. */
export interface ConfigFile {
  /** The file as named (relative names stay relative). */
  file: string;
  /** Its text as read. */
  text: string;
  /** Its top-level mapping. */
  value: Mapping;
  /** Where each value sits in the file. */
  sources: SourceMap;
}

/** Reads and parses `file`; throws SvdError / SvdErrors (E_CONFIG_READ, E_CONFIG_YAML). */
export async function readConfigFile(file: string): Promise<ConfigFile> {
  const text = await readText(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new SvdErrors(doc.errors.map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return new SvdError('E_CONFIG_YAML', `YAML: ${e.message}`, { file, line, col });
    }));
  }
  const oddities = unsupportedYaml(doc, file, lineCounter);
  if (oddities.length > 0) throw new SvdErrors(oddities);
  const sources = SourceMap.fromDocument(doc, lineCounter, file);
  const value = toPlainValue(doc, file, lineCounter);
  if (!isMapping(value)) {
    const problem = value === null ? 'the file is empty' : `the top level is ${describeValue(value)}`;
    throw new SvdError('E_CONFIG_YAML', `${problem}; a config must be a mapping of keys (data:, model:, ...)`, sources.locate([]));
  }
  return { file, text, value, sources };
}

/** The file's text; E_CONFIG_READ when it is missing, unreadable, not a regular file or too large. */
async function readText(file: string): Promise<string> {
  return readTextFile(file, (why) => new SvdError('E_CONFIG_READ', `cannot read config file: ${why}`, { file }), MAX_CONFIG_BYTES, 'the 1 MiB a config may have');
}

/**
 * YAML that parses but cannot mean a config value: an unknown tag (`!foo x`, which YAML would
 * quietly read as the plain string) and a key that is a mapping or a list (`? {a: 1}`, which
 * would be turned into the key "{ a: 1 }" with a process warning).
 */
function unsupportedYaml(doc: Document, file: string, lineCounter: LineCounter): SvdError[] {
  const at = (offset: number) => ({ file, ...lineCounter.linePos(offset) });
  const problems = doc.warnings
    .filter((w) => w.code === 'TAG_RESOLVE_FAILED')
    .map((w) => new SvdError('E_CONFIG_YAML', `YAML: ${w.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}; configs use plain YAML values only`, at(w.pos[0])));
  visit(doc, {
    Pair(_key, pair) {
      if (isCollection(pair.key)) {
        problems.push(new SvdError('E_CONFIG_YAML', 'YAML: a key must be a plain value, not a mapping or a list', at((pair.key as { range?: [number, number, number] }).range?.[0] ?? 0)));
      }
    },
  });
  return problems;
}

/** The document as plain JS (aliases copied, not shared); an alias bomb becomes E_CONFIG_YAML at the first alias. */
function toPlainValue(doc: Document, file: string, lineCounter: LineCounter): unknown {
  try {
    return deepCopy(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
  } catch (err) {
    let offset = 0;
    visit(doc, {
      Alias(_key, node) {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    const { line, col } = lineCounter.linePos(offset);
    const why = err instanceof ReferenceError
      ? `aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT} alias uses); refusing a possible alias bomb`
      : (err as Error).message;
    throw new SvdError('E_CONFIG_YAML', `YAML: ${why}`, { file, line, col });
  }
}
