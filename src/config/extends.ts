/**
 * `extends: other.yaml`: a config builds on another (path relative to the extending file; may
 * chain). Mappings merge key by key, anything else (lists included) is replaced by the child;
 * a mapping whose `type` changes (`optimizer.schedule: {type: linear}` over a parent's
 * `{type: constant-then-linear, start: 100}`) is replaced too, since its keys belong to its type.
 * Source positions merge alongside, so each value still points at the file that set it.
 */
import * as path from 'node:path';
import { SvdError } from '../errors.js';
import { readConfigFile } from './load.js';
import type { SourceMap } from './source-map.js';
import { describeValue, isMapping, setOwn, type Mapping } from './values.js';

/** A config with its `extends` chain merged in. */
export interface MergedConfig {
  value: Mapping;
  sources: SourceMap;
  /** The file first, then every file it extends, nearest first. */
  files: string[];
  /** The first file's text as read. */
  text: string;
}

/** Reads `file` and everything it extends, merged; throws SvdError(s) on any problem. */
export async function loadMerged(file: string): Promise<MergedConfig> {
  return loadChain(file, []);
}

/** Loads `file`; `chain` holds the files that (transitively) extend it, outermost first. */
async function loadChain(file: string, chain: string[]): Promise<MergedConfig> {
  const own = await readConfigFile(file);
  const parentName = own.value.extends;
  if (parentName === undefined) return { value: own.value, sources: own.sources, files: [file], text: own.text };

  const where = own.sources.locate(['extends']);
  delete own.value.extends;
  own.sources.replaceSubtree(['extends']);
  if (typeof parentName !== 'string' || parentName === '') {
    throw new SvdError('E_CONFIG_EXTENDS', `must be the name of a config file, got ${describeValue(parentName)}`, where);
  }
  const parentFile = path.isAbsolute(parentName) ? parentName : path.join(path.dirname(file), parentName);
  const seen = [...chain, file];
  const loop = seen.findIndex((f) => path.resolve(f) === path.resolve(parentFile));
  if (loop >= 0) {
    throw new SvdError('E_CONFIG_EXTENDS', `forms a cycle: ${[...seen.slice(loop), parentFile].join(' -> ')}`, where);
  }

  const parent = await loadChain(parentFile, seen).catch((err: unknown) => {
    if (err instanceof SvdError && err.code === 'E_CONFIG_READ' && err.location.file === parentFile) {
      throw new SvdError('E_CONFIG_EXTENDS', `cannot extend '${parentName}' (${parentFile}): ${err.message}`, where);
    }
    throw err;
  });
  const rootOrigin = own.sources.get([]);
  if (rootOrigin) parent.sources.set([], rootOrigin);
  mergeMapping(parent.value, parent.sources, own.value, own.sources, []);
  return { value: parent.value, sources: parent.sources, files: [file, ...parent.files], text: own.text };
}

/** True when both mappings name a `type` and the child's differs. */
function changesType(parent: Mapping, child: Mapping): boolean {
  return Object.hasOwn(parent, 'type') && Object.hasOwn(child, 'type') && parent.type !== child.type;
}

/** Merges `child` into `target` at `at`: mappings key by key (same type), other values replaced. */
function mergeMapping(target: Mapping, targetSources: SourceMap, child: Mapping, childSources: SourceMap, at: string[]): void {
  for (const [key, value] of Object.entries(child)) {
    const keyPath = [...at, key];
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isMapping(current) && isMapping(value) && !changesType(current, value)) {
      const origin = childSources.get(keyPath);
      if (origin) targetSources.set(keyPath, origin);
      mergeMapping(current, targetSources, value, childSources, keyPath);
    } else {
      setOwn(target, key, value);
      targetSources.replaceSubtree(keyPath, childSources);
    }
  }
}
