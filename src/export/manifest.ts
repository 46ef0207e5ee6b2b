/**
 * `svd-export.json`, the manifest in every export directory (both formats): where the model
 * came from (run, epoch, threshold), the run's resolved `data` section (so `svd eval EXPORT_DIR`
 * loads and normalizes the same test set), the input shape, the structured view, the shrink
 * widths, the size figures, the input contract (version 2: raw pixels in [0, 1], NHWC, the
 * run's normalization inside the model) and, for the sparse format, the layout of weights.bin.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataConfig } from '../config/types.js';
import type { BackendRequest } from '../backends/select.js';
import { SvdError } from '../errors.js';
import { readJsonFile } from '../files/read.js';
import { restoreAllPruned } from '../store/records.js';
import { composeSchema } from '../experiment/config-schema.js';
import type { JsonSchema } from '../config/json-schema.js';
import { SourceMap } from '../config/source-map.js';
import { validateSchema } from '../config/validate.js';
import type { Mapping } from '../config/values.js';
import type { SparseLayout } from './sparse-format.js';
import type { InputContract } from './preprocess.js';
import type { StructureReport } from './structure.js';

/** The manifest's file name; its presence makes a directory an export directory. */
export const EXPORT_MANIFEST = 'svd-export.json';
const FORMAT = 'svd-export';
/** Version 2: the export carries the run's input normalization (`input`) and takes raw pixels. */
const VERSION = 2;
/** Versions this svd reads (1: inputs already normalized as `data` says). */
const READABLE_VERSIONS: readonly number[] = [1, 2];

/** The export formats. */
export type ExportKind = 'tfjs' | 'sparse' | 'onnx';
/** The formats `--format` accepts. */
export const EXPORT_KINDS: readonly ExportKind[] = ['tfjs', 'sparse', 'onnx'];

/** Parameter counts and sizes of an export (bytes of the manifest itself are not included). */
export interface ExportStats {
  /** Per Sparse VD layer, the fraction of its weights pruned (as in summary.json). */
  sparsity: Record<string, number>;
  /** The paper's compression: Sparse VD weights / those kept (as in summary.json). */
  compression: number;
  /**
   * total: parameters of the plain model before any shrinking; exported: those of the exported
   * model (after --shrink; the normalization layers at its head not counted; absent in exports
   * older than it: the same as total); sparsifiable and nonzero as in summary.json.
   */
  params: { total: number; exported?: number; sparsifiable: number; nonzero: number };
  /** Values stored in the export's weights (sparse: the nonzeros of CSR kernels plus dense arrays) and nonzero ones. */
  stored: { values: number; nonzero: number };
  /** dense: float32 bytes of every parameter of the plain model (4 * params.total); weights: the export's weight file(s). */
  bytes: { dense: number; weights: number };
}

/** Contents of svd-export.json. */
export interface ExportManifest {
  format: typeof FORMAT;
  version: number;
  kind: ExportKind;
  createdAt: string;
  source: { runDir: string; name: string; epoch: number; threshold: number; logAlphaClip: number };
  /** The run's `backend` request, used again by `svd eval EXPORT_DIR`. */
  backend: BackendRequest;
  /** The run's resolved `data` section: dataset, root, normalize, limits. */
  data: DataConfig;
  /** Per-example input shape [h, w, c]. */
  inputShape: number[];
  /** What to feed the model: raw pixels in [0, 1], NHWC, the normalization inside (absent in version 1 exports). */
  input?: InputContract;
  numClasses: number;
  /** The export's other files (tfjs: model.json, weights.bin; sparse: weights.bin; onnx: model.onnx). */
  files: string[];
  structure: StructureReport;
  /** Widths of the weighted layers before and after --shrink, or null without it. */
  shrink: { before: Record<string, number>; after: Record<string, number>; passes: number } | null;
  stats: ExportStats;
  /** The sparse format's layout (sparse exports only). */
  sparse?: SparseLayout;
}

/** Builds a manifest (fills in format, version and creation time). */
export function makeManifest(fields: Omit<ExportManifest, 'format' | 'version' | 'createdAt'>): ExportManifest {
  return { format: FORMAT, version: VERSION, createdAt: new Date().toISOString(), ...fields };
}

/** True when `dir` holds an svd-export.json. */
export function isExportDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, EXPORT_MANIFEST));
}

/** The most values one input example of an export may have (2^24). */
const MAX_INPUT_VALUES = 2 ** 24;

/**
 * Reads and checks `dir/svd-export.json` (a regular file of at most 64 MiB): every member
 * `svd eval` uses, the `data` section against the config schema's; E_EXPORT_FORMAT naming the
 * file (and the key) when it is unusable.
 */
export function readManifest(dir: string): ExportManifest {
  const file = path.join(dir, EXPORT_MANIFEST);
  const bad = (why: string, key?: string) => new SvdError('E_EXPORT_FORMAT', `not a usable svd export manifest: ${why}`, { file, ...(key && { path: key }) });
  const manifest = readJsonFile(file, (why) => bad(why)) as ExportManifest | null;
  if (!isObject(manifest) || manifest.format !== FORMAT) throw bad(`format is ${JSON.stringify((manifest as Partial<ExportManifest> | null)?.format)}, expected "${FORMAT}"`);
  if (!READABLE_VERSIONS.includes(manifest.version)) throw bad(`version ${JSON.stringify(manifest.version)} is not supported (this svd reads versions ${READABLE_VERSIONS.join(', ')})`);
  if (manifest.version >= 2 && (!isObject(manifest.input) || !Array.isArray(manifest.input.layers) || typeof manifest.input.normalize !== 'string')) throw bad('a version 2 export states its input contract (input.normalize, input.layers)', 'input');
  if (!EXPORT_KINDS.includes(manifest.kind)) throw bad(`kind ${JSON.stringify(manifest.kind)} is not one of ${EXPORT_KINDS.join(', ')}`);
  if (!isObject(manifest.data) || typeof manifest.data.dataset !== 'string') throw bad('it has no data.dataset', 'data');
  const sources = new SourceMap();
  sources.set([], { file });
  const problems = validateSchema(manifest.data as unknown as Mapping, sources, (composeSchema().properties as Record<string, JsonSchema>).data);
  if (problems.length > 0) throw bad(problems[0].message, `data${problems[0].location.path ? `.${problems[0].location.path}` : ''}`);
  const shape = manifest.inputShape as unknown;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d > 0) || shape.reduce((a: number, b: number) => a * b, 1) > MAX_INPUT_VALUES) {
    throw bad(`inputShape ${JSON.stringify(shape)} is not a list of positive sizes of at most ${MAX_INPUT_VALUES} values in all`, 'inputShape');
  }
  const source = manifest.source as Partial<ExportManifest['source']> | undefined;
  if (!isObject(source) || typeof source.runDir !== 'string' || !isNumber(source.epoch) || !isNumber(source.threshold)) throw bad('source needs runDir, epoch and threshold', 'source');
  const stats = manifest.stats as Partial<ExportStats> | undefined;
  if (isObject(stats)) restoreAllPruned(stats);
  if (!isObject(stats) || !isObject(stats.sparsity) || !(isNumber(stats.compression) || stats.compression === Infinity) || !isObject(stats.params)) throw bad('stats needs sparsity, compression and params', 'stats');
  if (!isObject(manifest.structure) || !Array.isArray(manifest.structure.layers) || !manifest.structure.layers.every((l) => isObject(l) && typeof l.layer === 'string')) {
    throw bad('structure needs a list of layers', 'structure.layers');
  }
  if (manifest.shrink !== null && (!isObject(manifest.shrink) || !isObject(manifest.shrink.after))) throw bad('shrink must be null or have the widths after shrinking', 'shrink');
  if (manifest.kind === 'sparse' && !isObject(manifest.sparse)) throw bad('a sparse export needs the "sparse" layout', 'sparse');
  return manifest;
}

function isObject(v: unknown): v is Record<string, unknown> & object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
