/**
 * Where the CIFAR files are: the two official layouts of each dataset (the "python version"
 * pickle batches and the "binary version"), as the archives from
 * https://www.cs.toronto.edu/~kriz/cifar.html unpack, looked up in `data.root/<archive folder>`
 * or directly in `data.root`. Python batches are preferred when both are present.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { SvdError } from '../errors.js';

/** Which of the two official formats a layout is. */
export type CifarFormat = 'python' | 'binary';

/** One official layout of one dataset. */
export interface CifarLayout {
  format: CifarFormat;
  /** The folder the archive unpacks to. */
  folder: string;
  /** The archive it comes from. */
  archive: string;
  trainFiles: string[];
  testFiles: string[];
}

/** Both layouts of a dataset and its download page facts. */
export interface CifarSpec {
  name: 'cifar10' | 'cifar100';
  /** Human name, for messages. */
  title: string;
  layouts: CifarLayout[];
}

const batches = (suffix: string) => [1, 2, 3, 4, 5].map((i) => `data_batch_${i}${suffix}`);

/** CIFAR-10: five training batches of 10000 and one test batch. */
export const CIFAR10: CifarSpec = {
  name: 'cifar10',
  title: 'CIFAR-10',
  layouts: [
    { format: 'python', folder: 'cifar-10-batches-py', archive: 'cifar-10-python.tar.gz', trainFiles: batches(''), testFiles: ['test_batch'] },
    { format: 'binary', folder: 'cifar-10-batches-bin', archive: 'cifar-10-binary.tar.gz', trainFiles: batches('.bin'), testFiles: ['test_batch.bin'] },
  ],
};

/** CIFAR-100: one training file of 50000 and one test file of 10000. */
export const CIFAR100: CifarSpec = {
  name: 'cifar100',
  title: 'CIFAR-100',
  layouts: [
    { format: 'python', folder: 'cifar-100-python', archive: 'cifar-100-python.tar.gz', trainFiles: ['train'], testFiles: ['test'] },
    { format: 'binary', folder: 'cifar-100-binary', archive: 'cifar-100-binary.tar.gz', trainFiles: ['train.bin'], testFiles: ['test.bin'] },
  ],
};

/** The files of one layout found on disk. */
export interface CifarFiles {
  layout: CifarLayout;
  dir: string;
  train: string[];
  test: string[];
}

/**
 * Finds the dataset under `root` (absolute): for each layout, in `root/<folder>` then in `root`
 * itself. A folder with some but not all files of a layout is an error naming the missing ones;
 * finding nothing is an E_DATA_MISSING error listing every place looked and how to get the files.
 */
export function locateCifarFiles(spec: CifarSpec, root: string): CifarFiles {
  const looked: string[] = [];
  for (const layout of spec.layouts) {
    for (const dir of [path.join(root, layout.folder), root]) {
      const present = [...layout.trainFiles, ...layout.testFiles].filter((f) => isFile(path.join(dir, f)));
      looked.push(`${dir} (${layout.format} version: ${[...layout.trainFiles, ...layout.testFiles].join(', ')})`);
      if (present.length === 0) continue;
      const missing = [...layout.trainFiles, ...layout.testFiles].filter((f) => !present.includes(f));
      if (missing.length > 0) {
        throw new SvdError(
          'E_DATA_MISSING',
          `${spec.title} folder ${dir} has only some of the ${layout.format} version's files: missing ${missing.join(', ')} (found ${present.join(', ')}). ` +
            `Unpack ${layout.archive} again: ${howToGet(layout, root)}`,
          { file: dir, path: 'data.root' },
        );
      }
      return { layout, dir, train: layout.trainFiles.map((f) => path.join(dir, f)), test: layout.testFiles.map((f) => path.join(dir, f)) };
    }
  }
  throw notFound(spec, root, looked);
}

/** The E_DATA_MISSING error when no layout is found: where we looked, and how to get the files. */
function notFound(spec: CifarSpec, root: string, looked: string[]): SvdError {
  const archives = spec.layouts.filter((l) => isFile(path.join(root, l.archive)));
  const archiveHint = archives.length > 0 ? `${archives.map((l) => path.join(root, l.archive)).join(' and ')} ${archives.length > 1 ? 'are' : 'is'} there but not unpacked. ` : '';
  const python = spec.layouts[0];
  return new SvdError(
    'E_DATA_MISSING',
    `${spec.title} files not found${existsSync(root) ? '' : ` (folder ${root} does not exist)`}. Looked in:\n  - ${looked.join('\n  - ')}\n` +
      `${archiveHint}To get them: ${howToGet(python, root)} ` +
      `(the binary version, ${spec.layouts[1].archive}, unpacked the same way, works too), or set data.root to the folder that holds them`,
    { path: 'data.root' },
  );
}

/** "download URL and unpack it with `tar xzf ARCHIVE -C ROOT`". */
function howToGet(layout: CifarLayout, root: string): string {
  const relative = path.relative(process.cwd(), root);
  const dir = relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? root : relative;
  return `download https://www.cs.toronto.edu/~kriz/${layout.archive} and unpack it with \`mkdir -p ${dir} && tar xzf ${layout.archive} -C ${dir}\` (it creates ${path.join(dir, layout.folder)}/)`;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
