/**
 * `svd-export.json`, the manifest in every export directory (both formats): where the model
 * came from (run, epoch, threshold), the run's resolved `data` section (so `svd eval EXPORT_DIR`
 * loads and normalizes the same test set), the input shape, the structured view, the shrink
 * widths, the size figures and, for the sparse format, the layout of weights.bin.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataConfig } from '../config/types.js';
import type { BackendRequest } from '../backends/select.js';
import { SvdError } from '../errors.js';
import type { SparseLayout } from './sparse-format.js';
import type { StructureReport } from './structure.js';

/** The manifest's file name; its presence makes a directory an export directory. */
export const EXPORT_MANIFEST = 'svd-export.json';
const FORMAT = 'svd-export';
const VERSION = 1;

/** The two export formats. */
export type ExportKind = 'tfjs' | 'sparse';
/** The formats `--format` accepts. */
export const EXPORT_KINDS: readonly ExportKind[] = ['tfjs', 'sparse'];

/** Parameter counts and sizes of an export (bytes of the manifest itself are not included). */
export interface ExportStats {
  /** Per Sparse VD layer, the fraction of its weights pruned (as in summary.json). */
  sparsity: Record<string, number>;
  /** The paper's compression: Sparse VD weights / those kept (as in summary.json). */
  compression: number;
  /** total: parameters of the plain model before any shrinking; sparsifiable and nonzero as in summary.json. */
  params: { total: number; sparsifiable: number; nonzero: number };
  /** Values stored in the export's weights (sparse: the nonzeros of CSR kernels plus dense arrays) and nonzero ones. */
  stored: { values: number; nonzero: number };
  /** dense: float32 bytes of every parameter of the plain model (4 * params.total); weights: the export's weight file(s). */
  bytes: { dense: number; weights: number };
}

/** Contents of svd-export.json. */
export interface ExportManifest {
  format: typeof FORMAT;
  version: typeof VERSION;
  kind: ExportKind;
  createdAt: string;
  source: { runDir: string; name: string; epoch: number; threshold: number; logAlphaClip: number };
  /** The run's `backend` request, used again by `svd eval EXPORT_DIR`. */
  backend: BackendRequest;
  /** The run's resolved `data` section: dataset, root, normalize, limits. */
  data: DataConfig;
  /** Per-example input shape [h, w, c]. */
  inputShape: number[];
  numClasses: number;
  /** The export's other files (tfjs: model.json, weights.bin; sparse: weights.bin). */
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

/** Reads and checks `dir/svd-export.json`; E_EXPORT_FORMAT naming the file when it is unusable. */
export function readManifest(dir: string): ExportManifest {
  const file = path.join(dir, EXPORT_MANIFEST);
  const bad = (why: string) => new SvdError('E_EXPORT_FORMAT', `not a usable svd export manifest: ${why}`, { file }, 1);
  let manifest: ExportManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as ExportManifest;
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (!manifest || manifest.format !== FORMAT) throw bad(`format is ${JSON.stringify(manifest?.format)}, expected "${FORMAT}"`);
  if (manifest.version !== VERSION) throw bad(`version ${JSON.stringify(manifest.version)} is not supported (this svd reads version ${VERSION})`);
  if (!EXPORT_KINDS.includes(manifest.kind)) throw bad(`kind ${JSON.stringify(manifest.kind)} is not one of ${EXPORT_KINDS.join(', ')}`);
  if (!manifest.data || typeof manifest.data.dataset !== 'string') throw bad('it has no data.dataset');
  if (!Array.isArray(manifest.inputShape)) throw bad('it has no inputShape');
  if (manifest.kind === 'sparse' && !manifest.sparse) throw bad('a sparse export needs the "sparse" layout');
  return manifest;
}
